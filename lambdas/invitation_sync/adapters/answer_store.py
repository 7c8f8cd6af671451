"""DynamoDB adapter for the answer record on an invitation's item: the claim that gives one decision, the
lease that gives one writer, and the audit of each step. Every write is conditional on the record it
expects, so a request that lost its lease (or its claim) changes nothing."""

from typing import TYPE_CHECKING, Any, Final

from invitation_sync.adapters.store import _key, update_if
from invitation_sync.adapters.table_design import ANSWER_ATTRIBUTE, SORT_KEY
from invitation_sync.errors import AnswerLeaseLostError
from invitation_sync.models.stored import OPEN_ANSWER_STATES, RETAKEN_ANSWER_STATES, AnswerRecord
from invitation_sync.observability import tracer

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_OPEN: Final = tuple(f":open{index}" for index in range(len(OPEN_ANSWER_STATES)))
_RETAKEN: Final = tuple(f":retaken{index}" for index in range(len(RETAKEN_ANSWER_STATES)))
_IS_THIS_RECORD: Final = f"{ANSWER_ATTRIBUTE}.clientToken = :token"


class AnswerStore:
    def __init__(self, client: "DynamoDBClient", table_name: str) -> None:
        self._client = client
        self._table = table_name

    @tracer.capture_method(capture_response=False)
    def claim(self, catalog: str, invitation_id: str, record: AnswerRecord, replaces: AnswerRecord | None) -> bool:
        """Make `record` the invitation's answer: on a stored item without one, or (`replaces`) in place of a
        failed or withdrawn one. False when the item holds another answer by now: re-read it."""
        values: dict[str, Any] = {":record": _dumped(record)}
        condition = f"attribute_exists({SORT_KEY}) AND attribute_not_exists({ANSWER_ATTRIBUTE})"
        if replaces is not None:
            values |= {":token": replaces.client_token} | dict(zip(_RETAKEN, RETAKEN_ANSWER_STATES, strict=True))
            condition = f"{_IS_THIS_RECORD} AND {ANSWER_ATTRIBUTE}.#state IN ({', '.join(_RETAKEN)})"
        return self._update_if(catalog, invitation_id, f"SET {ANSWER_ATTRIBUTE} = :record", condition, values)

    @tracer.capture_method(capture_response=False)
    def resume(self, catalog: str, invitation_id: str, record: AnswerRecord, now: str, until: str) -> bool:
        """Take over an unfinished answer whose lease ran out (its request ended, or crashed). False when it
        finished, failed, or another request holds it."""
        values: dict[str, Any] = {":token": record.client_token, ":now": now, ":until": until}
        values |= dict(zip(_OPEN, OPEN_ANSWER_STATES, strict=True))
        return self._update_if(
            catalog,
            invitation_id,
            f"SET {ANSWER_ATTRIBUTE}.leaseUntil = :until",
            f"{_IS_THIS_RECORD} AND {ANSWER_ATTRIBUTE}.#state IN ({', '.join(_OPEN)})"
            f" AND {ANSWER_ATTRIBUTE}.leaseUntil <= :now",
            values,
        )

    @tracer.capture_method(capture_response=False)
    def record(self, catalog: str, invitation_id: str, held: AnswerRecord, **changes: object) -> AnswerRecord:
        """Record a step of the answer this request holds (`held`, its lease unchanged) and return the record
        as now stored. Raises AnswerLeaseLostError if another request took it over meanwhile."""
        updated = held.model_copy(update=changes)
        if not self._recorded(catalog, invitation_id, held, updated):
            raise _lease_lost(catalog, invitation_id)
        return updated

    @tracer.capture_method(capture_response=False)
    def complete(
        self, catalog: str, invitation_id: str, held: AnswerRecord, status: str, **changes: object
    ) -> AnswerRecord:
        """Record the answer as complete (`changes`). If the item stores `status` (the answer's) already, the
        event that announced it went out without what `changes` add (the accept task's opportunity): the
        record then says so too (`announce_pending`), in the same write, so no crash can lose it."""
        values = {":status": status}
        updated = held.model_copy(update=changes)
        if self._recorded(catalog, invitation_id, held, updated, also="NOT #status = :status", also_values=values):
            return updated
        announced = updated.model_copy(update={"announce_pending": True})
        if self._recorded(catalog, invitation_id, held, announced, also="#status = :status", also_values=values):
            return announced
        raise _lease_lost(catalog, invitation_id)

    def _recorded(
        self,
        catalog: str,
        invitation_id: str,
        held: AnswerRecord,
        updated: AnswerRecord,
        *,
        also: str = "",
        also_values: dict[str, Any] | None = None,
    ) -> bool:
        """Write what `updated` changes of `held`, if the item still holds `held` with its lease (and `also`)."""
        before = _dumped(held)
        changed = {name: value for name, value in _dumped(updated).items() if before.get(name) != value}
        if not changed:
            return True
        names = {f"#m{index}": name for index, name in enumerate(changed)}  # `state` is a reserved word
        sets = [f"{ANSWER_ATTRIBUTE}.#m{index} = :m{index}" for index in range(len(changed))]
        values = {f":m{index}": value for index, value in enumerate(changed.values())}
        values |= {":token": held.client_token, ":lease": held.lease_until} | (also_values or {})
        condition = f"{_IS_THIS_RECORD} AND {ANSWER_ATTRIBUTE}.leaseUntil = :lease"
        if also:
            names["#status"] = "status"
            condition += f" AND ({also})"
        return self._update_if(catalog, invitation_id, "SET " + ", ".join(sets), condition, values, names=names)

    def _update_if(
        self,
        catalog: str,
        invitation_id: str,
        expression: str,
        condition: str,
        values: dict[str, Any],
        *,
        names: dict[str, str] | None = None,
    ) -> bool:
        if "#state" in expression + condition:
            names = {**(names or {}), "#state": "state"}
        key = _key(catalog, invitation_id)
        return update_if(
            self._client, self._table, key, expression=expression, condition=condition, values=values, names=names
        )


def _dumped(record: AnswerRecord) -> dict[str, Any]:
    return record.model_dump(mode="json", by_alias=True, exclude_none=True)


def _lease_lost(catalog: str, invitation_id: str) -> AnswerLeaseLostError:
    return AnswerLeaseLostError(f"{catalog}/{invitation_id}: another request took the answer over")
