"""DynamoDB adapter: one conditional UpdateItem per change, safe under duplicates and reordering."""

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from invitation_sync.adapters.aws import error_code, is_transient, named_limit
from invitation_sync.adapters.table_design import (
    ANSWER_ATTRIBUTE,
    PARTITION_KEY,
    RECONCILER_PARTITION,
    SORT_KEY,
    catalog_status_key,
    project_title_key,
    summary_missing_query,
    with_status_query,
)
from invitation_sync.budgets import BATCH_GET_BACKOFF_SECONDS, BATCH_GET_CALLS
from invitation_sync.domain import FINAL_STATUSES
from invitation_sync.errors import StoredItemError, StoreRequestError, StoreUnavailableError
from invitation_sync.models.base import describe
from invitation_sync.models.invitation import Invitation
from invitation_sync.models.stored import StoredInvitation
from invitation_sync.observability import logger, tracer

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_serialize = TypeSerializer().serialize
_deserialize = TypeDeserializer().deserialize
_CONDITION_FAILED: Final = "ConditionalCheckFailedException"
_FINALS: Final = sorted(FINAL_STATUSES)
_FINAL_PLACEHOLDERS: Final = tuple(f":final{index}" for index in range(len(_FINALS)))


@dataclass(frozen=True)
class SaveResult:
    """`saved`: our change is now the stored version. Otherwise `current` is what refused it."""

    saved: bool
    current: StoredInvitation


class InvitationStore:
    def __init__(self, client: "DynamoDBClient", table_name: str, sleep: Callable[[float], None] = time.sleep) -> None:
        self._client = client
        self._table = table_name
        self._sleep = sleep

    @tracer.capture_method(capture_response=False)
    def save(
        self,
        invitation: Invitation,
        content_hash: str,
        synced_at: str,
        source_event_id: str,
        lease_until: str,
    ) -> SaveResult:
        """Store a new version unless it is a duplicate, older than the stored fetch, would replace a final
        status with another status, or an earlier change is still waiting to be published. The new
        version is marked publish-pending, leased to this writer until `lease_until`."""
        values: dict[str, Any] = {
            ":invitation": invitation.model_dump(mode="json", by_alias=True, exclude_none=True),
            ":hash": content_hash,
            ":syncedAt": synced_at,
            ":sourceEventId": source_event_id,
            ":leaseUntil": lease_until,
            ":true": True,
            ":zero": 0,
            ":one": 1,
            ":null": None,
        }
        sets = [
            "invitation = :invitation",
            "contentHash = :hash",
            "syncedAt = :syncedAt",
            "sourceEventId = :sourceEventId",
            "publishPending = :true",
            "publishLeaseUntil = :leaseUntil",
            "version = if_not_exists(version, :zero) + :one",
            "previousStatus = if_not_exists(#status, :null)",
            # Operands read the item as it was before this update: the replaced version, for changedFields.
            "previousInvitation = if_not_exists(invitation, :null)",
        ]
        indexed = _index_attributes(invitation)
        removes = [f"#{name}" for name, value in indexed.items() if value is None]
        for name, value in indexed.items():
            if value is not None:
                values[f":{name}"] = value
                sets.append(f"#{name} = :{name}")
        # Final is final: a stored ACCEPTED, REJECTED or EXPIRED is never replaced by another status.
        values.update(zip(_FINAL_PLACEHOLDERS, _FINALS, strict=True))
        keeps_final = f"NOT #status IN ({', '.join(_FINAL_PLACEHOLDERS)})"
        if invitation.status is not None:
            values[":newStatus"] = invitation.status
            keeps_final += " OR #status = :newStatus"
        condition = (
            "contentHash <> :hash AND syncedAt < :syncedAt AND attribute_not_exists(publishPending)"
            f" AND (attribute_not_exists(#status) OR {keeps_final})"
        )
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=_key(invitation.catalog, invitation.id),
                UpdateExpression=expression,
                ConditionExpression=f"attribute_not_exists({SORT_KEY}) OR ({condition})",
                ExpressionAttributeNames={f"#{name}": name for name in indexed},
                ExpressionAttributeValues=_serialized(values),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except (ClientError, BotoCoreError) as error:
            return SaveResult(saved=False, current=_from_item(_refused(error, "UpdateItem")))
        return SaveResult(saved=True, current=_from_item(response["Attributes"]))

    @tracer.capture_method(capture_response=False)
    def announce_answer(self, catalog: str, invitation_id: str, source_event_id: str, lease_until: str) -> SaveResult:
        """A new version of the stored invitation, its content unchanged, for what its answer record gained
        after the answered status was published (`announcePending`, cleared in the same write): marked
        publish-pending like any version, so a failed publish is finished like any other. Refused while an
        earlier version's publish is pending, or when nothing is left to announce."""
        values = {
            ":sourceEventId": source_event_id,
            ":leaseUntil": lease_until,
            ":true": True,
            ":false": False,
            ":one": 1,
        }
        expression = (
            "SET version = version + :one, sourceEventId = :sourceEventId, publishPending = :true,"
            " publishLeaseUntil = :leaseUntil, previousStatus = #status, previousInvitation = invitation,"
            f" {ANSWER_ATTRIBUTE}.announcePending = :false"
        )
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=_key(catalog, invitation_id),
                UpdateExpression=expression,
                ConditionExpression=f"{ANSWER_ATTRIBUTE}.announcePending = :true"
                " AND attribute_not_exists(publishPending)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=_serialized(values),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except (ClientError, BotoCoreError) as error:
            return SaveResult(saved=False, current=_from_item(_refused(error, "UpdateItem")))
        return SaveResult(saved=True, current=_from_item(response["Attributes"]))

    @tracer.capture_method(capture_response=False)
    def clear_publish_pending(self, stored: StoredInvitation) -> bool:
        """Drop the marker of exactly this version; False if a newer version replaced it meanwhile."""
        return self._update_if(
            stored,
            "REMOVE publishPending, publishLeaseUntil, previousInvitation",
            "version = :version",
            {":version": stored.version},
        )

    @tracer.capture_method(capture_response=False)
    def lease_publish(self, stored: StoredInvitation, now: str, lease_until: str) -> bool:
        """Take over the publish of a pending version whose lease ran out; False if someone else has it.
        A marker without a lease timestamp counts as expired: nobody holds it, so nobody else would
        ever publish that version (a comparison with a missing attribute is false in DynamoDB)."""
        return self._update_if(
            stored,
            "SET publishLeaseUntil = :until",
            "version = :version AND publishPending = :true"
            " AND (attribute_not_exists(publishLeaseUntil) OR publishLeaseUntil <= :now)",
            {":version": stored.version, ":true": True, ":now": now, ":until": lease_until},
        )

    @tracer.capture_method(capture_response=False)
    def release_publish_lease(self, stored: StoredInvitation, now: str) -> bool:
        """After a failed publish: let the next delivery take over at once instead of after the lease."""
        return self._update_if(
            stored,
            "SET publishLeaseUntil = :now",
            "version = :version AND publishPending = :true",
            {":version": stored.version, ":true": True, ":now": now},
        )

    def _update_if(self, stored: StoredInvitation, expression: str, condition: str, values: dict[str, Any]) -> bool:
        key = _key(stored.invitation.catalog, stored.invitation.id)
        return update_if(self._client, self._table, key, expression=expression, condition=condition, values=values)

    @tracer.capture_method(capture_response=False)
    def get(self, catalog: str, invitation_id: str) -> StoredInvitation | None:
        try:
            response = self._client.get_item(
                TableName=self._table, Key=_key(catalog, invitation_id), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as error:
            raise _unavailable(error, "GetItem") from error
        item = response.get("Item")
        return _from_item(item) if item else None

    @tracer.capture_method(capture_response=False)
    def get_many(self, catalog: str, invitation_ids: list[str]) -> dict[str, StoredInvitation]:
        """Stored items by id, one BatchGetItem per 100 ids (what one List page holds). Keys DynamoDB leaves
        unprocessed (past 16 MB, or throttled) are asked for again, after a backoff when a call made no
        progress at all; after BATCH_GET_CALLS calls the page fails instead of spinning."""
        found: dict[str, StoredInvitation] = {}
        for start in range(0, len(invitation_ids), 100):
            keys = [_key(catalog, ident) for ident in dict.fromkeys(invitation_ids[start : start + 100])]
            stalls = 0
            for call in range(1, BATCH_GET_CALLS + 1):
                request: Any = {self._table: {"Keys": keys, "ConsistentRead": True}}  # unprocessed ones may omit it
                try:
                    response = self._client.batch_get_item(RequestItems=request)
                except (ClientError, BotoCoreError) as error:
                    raise _unavailable(error, "BatchGetItem") from error
                for stored in readable(response.get("Responses", {}).get(self._table, [])):
                    found[stored.invitation.id] = stored
                unprocessed: Any = response.get("UnprocessedKeys", {})
                left = list(unprocessed.get(self._table, {}).get("Keys", []))
                if not left:
                    break
                if call == BATCH_GET_CALLS:
                    raise StoreUnavailableError(f"DynamoDB BatchGetItem: keys unprocessed after {call} calls")
                if len(left) == len(keys):  # no progress: throttled
                    self._sleep(BATCH_GET_BACKOFF_SECONDS[min(stalls, len(BATCH_GET_BACKOFF_SECONDS) - 1)])
                    stalls += 1
                keys = left
        return found

    def pages_with_status(self, catalog: str, status: str) -> Iterator[list[StoredInvitation]]:
        """The stored invitations of `catalog` in `status` from the byStatus index, one Query page (one call)
        per step, so the caller can check its time before each. Eventually consistent: a change written a
        moment ago may not show yet."""
        return self._query_pages(with_status_query(self._table, catalog, status))

    def pages_without_summary(self, catalog: str) -> Iterator[list[StoredInvitation]]:
        """The stored invitations of `catalog` whose details and dates are gone (bySummaryMissing), a page a step."""
        return self._query_pages(summary_missing_query(self._table, catalog))

    def _query_pages(self, query: dict[str, Any]) -> Iterator[list[StoredInvitation]]:
        pages = self._client.get_paginator("query").paginate(**query)
        try:
            for page in pages:
                yield list(readable(page["Items"]))
        except (ClientError, BotoCoreError) as error:
            raise _unavailable(error, "Query") from error

    @tracer.capture_method(capture_response=False)
    def get_reconciler_state(self, name: str) -> dict[str, Any]:
        """A reconciler bookkeeping item (`_reconciler` partition: no index attributes, so no query sees it)."""
        try:
            item = self._client.get_item(TableName=self._table, Key=_reconciler_key(name), ConsistentRead=True)
        except (ClientError, BotoCoreError) as error:
            raise _unavailable(error, "GetItem") from error
        return {key: _deserialize(value) for key, value in item.get("Item", {}).items() if key not in _KEY_NAMES}

    @tracer.capture_method(capture_response=False)
    def put_reconciler_state(self, name: str, state: dict[str, Any]) -> None:
        item = {
            **_reconciler_key(name),
            **_serialized({key: value for key, value in state.items() if value is not None}),
        }
        try:
            self._client.put_item(TableName=self._table, Item=item)
        except (ClientError, BotoCoreError) as error:
            raise _unavailable(error, "PutItem") from error

    @tracer.capture_method(capture_response=False)
    def request_reconciler_run(self, name: str, at: str) -> None:
        """Note on a state item that its run is due (`requestedAt`), without the lock: one attribute is set,
        so the lock holder's cursor on the same item is never overwritten."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_reconciler_key(name),
                UpdateExpression="SET requestedAt = :at",
                ExpressionAttributeValues={":at": {"S": at}},
            )
        except (ClientError, BotoCoreError) as error:
            raise _unavailable(error, "UpdateItem") from error

    @tracer.capture_method(capture_response=False)
    def take_reconciler_lock(self, holder: str, until: str, now: str) -> str | None:
        """Take the one-run-at-a-time lock if it is free or expired; otherwise the holder's `until`."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item={**_reconciler_key(_LOCK), "holder": {"S": holder}, "until": {"S": until}},
                ConditionExpression=f"attribute_not_exists({SORT_KEY}) OR #until <= :now",
                ExpressionAttributeNames={"#until": "until"},
                ExpressionAttributeValues={":now": {"S": now}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except (ClientError, BotoCoreError) as error:
            held = _refused(error, "PutItem")
            return str(held.get("until", {}).get("S", "an unknown time"))
        return None

    @tracer.capture_method(capture_response=False)
    def release_reconciler_lock(self, holder: str) -> bool:
        """Drop the lock if `holder` still has it; False if it expired and another run took it."""
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=_reconciler_key(_LOCK),
                ConditionExpression="holder = :holder",
                ExpressionAttributeValues={":holder": {"S": holder}},
            )
        except (ClientError, BotoCoreError) as error:
            _refused(error, "DeleteItem")
            return False
        return True


_LOCK: Final = "lock"
_KEY_NAMES: Final = frozenset({PARTITION_KEY, SORT_KEY})


def _reconciler_key(name: str) -> dict[str, Any]:
    return {PARTITION_KEY: {"S": RECONCILER_PARTITION}, SORT_KEY: {"S": name}}


def update_if(
    client: "DynamoDBClient",
    table: str,
    key: dict[str, Any],
    *,
    expression: str,
    condition: str,
    values: dict[str, Any],
    names: dict[str, str] | None = None,
) -> bool:
    """One conditional UpdateItem; False when the condition refused it."""
    request: dict[str, Any] = {"ExpressionAttributeNames": names} if names else {}
    try:
        client.update_item(
            TableName=table,
            Key=key,
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeValues=_serialized(values),
            **request,
        )
    except (ClientError, BotoCoreError) as error:
        _refused(error, "UpdateItem")
        return False
    return True


def _key(catalog: str, invitation_id: str) -> dict[str, Any]:
    return {PARTITION_KEY: {"S": catalog}, SORT_KEY: {"S": invitation_id}}


def _index_attributes(invitation: Invitation) -> dict[str, str | None]:
    """Top-level copies of the queried fields; None means the attribute is removed (sparse index)."""
    title = invitation.project_title
    return {
        "status": invitation.status,
        "catalogStatus": catalog_status_key(invitation.catalog, invitation.status) if invitation.status else None,
        "invitationDate": invitation.invitation_date,
        "expirationDate": invitation.expiration_date,
        "engagementId": invitation.engagement_id or None,
        "projectTitleKey": project_title_key(invitation.catalog, title) if title else None,
        # No date index holds an invitation without its date: its own index keeps it until a summary has it.
        "summaryMissing": None if invitation.details_retrievable or invitation.invitation_date else invitation.catalog,
    }


_ITEM_ATTRIBUTES: Final = {  # StoredInvitation field -> table attribute
    "invitation": "invitation",
    "version": "version",
    "content_hash": "contentHash",
    "synced_at": "syncedAt",
    "previous_status": "previousStatus",
    "source_event_id": "sourceEventId",
    "publish_pending": "publishPending",
    "publish_lease_until": "publishLeaseUntil",
    "previous_invitation": "previousInvitation",  # only while the publish is pending: changedFields
    "answer": ANSWER_ATTRIBUTE,  # the answer function's record: published in the event's `answer`
}


def _from_item(item: dict[str, Any]) -> StoredInvitation:
    """The item as the sync sees it. One that does not fit raises StoredItemError naming its key and the
    failing attributes: pydantic's own message would quote the values, and they may be personal data."""
    plain = {name: _deserialize(value) for name, value in item.items()}
    fields = {field: _integers(plain[attribute]) for field, attribute in _ITEM_ATTRIBUTES.items() if attribute in plain}
    try:
        return StoredInvitation.model_validate(fields)
    except ValidationError as error:
        key = f"{plain.get(PARTITION_KEY)}/{plain.get(SORT_KEY)}"
        raise StoredItemError(f"stored item {key} unusable: {describe(error)}") from None


def readable(items: Iterable[dict[str, Any]]) -> list[StoredInvitation]:
    """The items that fit the stored invitation. One that does not (a hand edit) is skipped and logged by
    its key and failing attributes, so a page or a query is never lost to one item; whoever then writes
    that invitation meets the StoredItemError itself, counted as that invitation's failure."""
    found = []
    for item in items:
        try:
            found.append(_from_item(item))
        except StoredItemError as error:
            logger.warning("stored item unreadable: skipped", error_type="StoredItemError", reason=str(error))
    return found


def _integers(value: Any) -> Any:
    """DynamoDB returns every number as a Decimal; the invitation's numbers were integers when stored (its
    fractions are exact strings), so a raw payload reads back, hashes and publishes as it was written."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, dict):
        return {key: _integers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integers(item) for item in value]
    return value


def _refused(error: ClientError | BotoCoreError, call: str) -> dict[str, Any]:
    """A conditional write's refusal: the item as it was (ALL_OLD; empty if not asked for). Any other
    failure raises, typed by `_unavailable`."""
    if isinstance(error, ClientError) and error_code(error) == _CONDITION_FAILED:
        item: dict[str, Any] = error.response.get("Item", {})  # type: ignore[assignment]
        return item
    raise _unavailable(error, call) from error


def _unavailable(error: ClientError | BotoCoreError, call: str) -> Exception:
    """Typed, so one invitation's failure is that invitation's (the reconciler goes on), and the handler
    parks what no retry can fix at once, with the reason."""
    code = error_code(error)
    if is_transient(error):
        return StoreUnavailableError(f"DynamoDB {call}: {code} persisted after retries")
    if limit := named_limit(error):
        return StoreRequestError(f"DynamoDB {call} refused the write: the item would exceed {limit} ({code})")
    return StoreUnavailableError(f"DynamoDB {call}: {code}")


def _serialized(values: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values. A number DynamoDB cannot hold (only an unknown member's raw content can
    carry one) is a StoreRequestError naming the attribute, not an unclassified crash."""
    serialized = {}
    for name, value in values.items():
        try:
            serialized[name] = _serialize(value)
        except ArithmeticError:  # boto3's decimal context refuses to round to DynamoDB's 38 digits
            attribute = name.removeprefix(":")
            raise StoreRequestError(
                f"{attribute} holds a number DynamoDB cannot take exactly (over 38 significant digits, "
                "or beyond 1E-130 to 1E+126)"
            ) from None
    return serialized
