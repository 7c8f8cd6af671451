"""DynamoDB adapter for expiry reminders: PENDING invitations by expiry from the byStatusExpiration
index, and the conditional writes that record each reminder on the invitation's own item."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from invitation_sync.adapters.store import _from_item, _key, _unavailable, update_if
from invitation_sync.adapters.table_design import BY_STATUS_EXPIRATION, catalog_status_key, expiring_query
from invitation_sync.domain import PENDING
from invitation_sync.errors import StoredItemError
from invitation_sync.models.base import describe
from invitation_sync.models.stored import RecordedReminder, StoredInvitation
from invitation_sync.observability import logger, tracer

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_deserialize = TypeDeserializer().deserialize
REMINDED: Final = "remindedHours"  # number set: every threshold already reminded (or skipped) for this invitation
PENDING_REMINDER: Final = "reminderPending"  # map: the recorded reminder until its publish is confirmed
# A threshold may be recorded again for a later version once `forget` dropped it, so a late clear or
# release names its record by both: it never touches a newer one.
_IS_THIS_RECORD: Final = f"{PENDING_REMINDER}.thresholdHours = :threshold AND {PENDING_REMINDER}.version = :recorded"


@dataclass(frozen=True)
class ReminderCandidate:
    stored: StoredInvitation
    reminded_hours: frozenset[int]
    pending: RecordedReminder | None


class ReminderStore:
    def __init__(self, client: "DynamoDBClient", table_name: str) -> None:
        self._client = client
        self._table = table_name

    def expiring(self, catalog: str, after: str, until: str) -> Iterator[ReminderCandidate]:
        """PENDING invitations of `catalog` whose expirationDate lies in [after, until], soonest first.
        The index is eventually consistent: every write below re-checks the item itself."""
        pages = self._client.get_paginator("query").paginate(**expiring_query(self._table, catalog, after, until))
        try:
            for page in pages:
                for item in page["Items"]:
                    if (candidate := _readable_candidate(item)) is not None:
                        yield candidate
        except (ClientError, BotoCoreError) as error:
            raise _unavailable(error, "Query") from error

    @tracer.capture_method(capture_response=False)
    def record(self, candidate: ReminderCandidate, reminder: RecordedReminder, done: frozenset[int]) -> bool:
        """Record `reminder` (and `done`, the thresholds it stands for) unless one of them is already
        recorded, another reminder awaits its publish, or the invitation is no longer the PENDING
        version with this expiry that the reminder describes. False when refused."""
        hours = sorted(done)
        not_reminded = " AND ".join(f"NOT contains({REMINDED}, :hours{index})" for index in range(len(hours)))
        values: dict[str, Any] = {
            ":reminder": reminder.model_dump(mode="json", by_alias=True),
            ":done": set(hours),
            ":pending": catalog_status_key(candidate.stored.invitation.catalog, PENDING),
            ":expiresAt": reminder.expires_at,
            ":version": reminder.version,
            **{f":hours{index}": threshold for index, threshold in enumerate(hours)},
        }
        return self._update_if(
            candidate,
            f"SET {PENDING_REMINDER} = :reminder ADD {REMINDED} :done",
            f"{BY_STATUS_EXPIRATION.partition_key} = :pending AND {BY_STATUS_EXPIRATION.sort_key} = :expiresAt"
            f" AND version = :version AND attribute_not_exists({PENDING_REMINDER})"
            f" AND (attribute_not_exists({REMINDED}) OR ({not_reminded}))",
            values,
        )

    @tracer.capture_method(capture_response=False)
    def lease(self, candidate: ReminderCandidate, reminder: RecordedReminder, now: str, until: str) -> bool:
        """Take over the publish of a recorded reminder whose publisher's lease ran out, unless the invitation
        is no longer PENDING (the index answered before it was answered: no reminder for an answer) or no
        longer the version the reminder was recorded for (its event would carry another version's content)."""
        invitation = candidate.stored.invitation
        return self._update_if(
            candidate,
            f"SET {PENDING_REMINDER}.leaseUntil = :until",
            f"{_IS_THIS_RECORD} AND {PENDING_REMINDER}.leaseUntil <= :now"
            f" AND {BY_STATUS_EXPIRATION.partition_key} = :pending AND version = :recorded",
            {
                ":threshold": reminder.threshold_hours,
                ":recorded": reminder.version,
                ":now": now,
                ":until": until,
                ":pending": catalog_status_key(invitation.catalog, PENDING),
            },
        )

    @tracer.capture_method(capture_response=False)
    def forget(self, candidate: ReminderCandidate, reminder: RecordedReminder, now: str) -> bool:
        """Drop a recorded reminder that was never confirmed published and whose invitation has changed since
        (its lease ran out): its threshold no longer counts as reminded, so the current version is reminded
        when that threshold is still crossed. False if another run dropped or took it first."""
        return self._update_if(
            candidate,
            f"REMOVE {PENDING_REMINDER} DELETE {REMINDED} :done",
            f"{_IS_THIS_RECORD} AND {PENDING_REMINDER}.leaseUntil <= :now",
            {
                ":done": {reminder.threshold_hours},
                ":threshold": reminder.threshold_hours,
                ":recorded": reminder.version,
                ":now": now,
            },
        )

    @tracer.capture_method(capture_response=False)
    def release(self, candidate: ReminderCandidate, reminder: RecordedReminder, now: str) -> bool:
        """After a failed publish: the next run may take over at once."""
        return self._update_if(
            candidate,
            f"SET {PENDING_REMINDER}.leaseUntil = :now",
            _IS_THIS_RECORD,
            {":threshold": reminder.threshold_hours, ":recorded": reminder.version, ":now": now},
        )

    @tracer.capture_method(capture_response=False)
    def clear(self, candidate: ReminderCandidate, reminder: RecordedReminder) -> bool:
        """The reminder is published: drop its record (its threshold stays in remindedHours)."""
        return self._update_if(
            candidate,
            f"REMOVE {PENDING_REMINDER}",
            _IS_THIS_RECORD,
            {":threshold": reminder.threshold_hours, ":recorded": reminder.version},
        )

    def _update_if(
        self,
        candidate: ReminderCandidate,
        expression: str,
        condition: str,
        values: dict[str, Any],
    ) -> bool:
        key = _key(candidate.stored.invitation.catalog, candidate.stored.invitation.id)
        return update_if(self._client, self._table, key, expression=expression, condition=condition, values=values)


def _readable_candidate(item: dict[str, Any]) -> ReminderCandidate | None:
    """One item that does not fit (a hand edit) is skipped and logged by its key, never the whole query."""
    try:
        return _candidate(item)
    except StoredItemError as error:
        reason = str(error)
    except ValidationError as error:  # its recorded reminder: named by field, never by value
        reason = f"{item.get('catalog', {}).get('S')}/{item.get('id', {}).get('S')} reminder: {describe(error)}"
    logger.warning("stored item unreadable: skipped", error_type="StoredItemError", reason=reason)
    return None


def _candidate(item: dict[str, Any]) -> ReminderCandidate:
    reminded = item.get(REMINDED, {}).get("NS", [])
    pending = item.get(PENDING_REMINDER)
    return ReminderCandidate(
        stored=_from_item(item),
        reminded_hours=frozenset(int(hours) for hours in reminded),
        pending=RecordedReminder.model_validate(_deserialize(pending)) if pending else None,
    )
