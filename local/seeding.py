"""A table and an emulator filled with a history in seconds, for tests and benchmarks at scale.

Storing 10,000 invitations through the store's conditional write (and clearing each marker) takes
minutes on moto, so the history is written with BatchWriteItem as the items that write leaves behind:
`stored_item` builds them from the store's own index attributes, and a test holds it equal to what
`InvitationStore.save` followed by `clear_publish_pending` stores."""

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeSerializer

from invitation_sync.adapters.store import _index_attributes
from invitation_sync.adapters.table_design import PARTITION_KEY, SORT_KEY
from invitation_sync.models.invitation import Invitation
from invitation_sync.models.stored import content_hash
from invitation_sync.normalize import iso_utc, normalize
from local.partner_central_emulator import PartnerCentralEmulator
from local.samples import dated, lead_invitation, opportunity_invitation

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SEED_SOURCE = "seed"
FIRST_OPEN = 50_000  # numbers of the open invitations: apart from the history's
_FINAL_STATUSES = ("ACCEPTED", "REJECTED", "EXPIRED")
_serialize = TypeSerializer().serialize


def stored_item(invitation: Invitation, synced_at: str) -> dict[str, Any]:
    """The item of an invitation stored once (version 1) and published, in DynamoDB's JSON."""
    indexed = {name: value for name, value in _index_attributes(invitation).items() if value is not None}
    plain = {
        PARTITION_KEY: invitation.catalog,
        SORT_KEY: invitation.id,
        "invitation": invitation.model_dump(mode="json", by_alias=True, exclude_none=True),
        "contentHash": content_hash(invitation),
        "syncedAt": synced_at,
        "sourceEventId": SEED_SOURCE,
        "version": 1,
        "previousStatus": None,
        **indexed,
    }
    return {name: _serialize(value) for name, value in plain.items()}


def seed(
    emulator: PartnerCentralEmulator,
    dynamodb: "DynamoDBClient | None",
    table_name: str,
    history: Iterable[tuple[dict[str, Any], str]],
) -> int:
    """Put each (GetEngagementInvitation response, participant type) into the emulator and, unless
    `dynamodb` is None, into the table as synced now. Returns how many."""
    synced_at = iso_utc(datetime.now(UTC))
    count = 0

    def items() -> Iterator[dict[str, Any]]:
        nonlocal count
        for response, participant_type in history:
            emulator.put(response, participant_type)
            count += 1
            yield stored_item(normalize(response), synced_at)

    pending = items()
    while batch := list(islice(pending, 25)):  # BatchWriteItem's limit
        if dynamodb is not None:
            request: Any = {table_name: [{"PutRequest": {"Item": item}} for item in batch]}
            while request:
                request = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or None
    return count


def participant(number: int) -> str:
    """One invitation in seven is one we sent."""
    return "SENDER" if number % 7 == 0 else "RECEIVER"


def final_invitation(number: int, now: datetime) -> dict[str, Any]:
    """Accepted, rejected or expired weeks ago: outside every open window."""
    status = _FINAL_STATUSES[number % 3]
    response = opportunity_invitation(number, status=status) if number % 2 else lead_invitation(number, status=status)
    return dated(response, now - timedelta(days=20, hours=number))


def open_invitation(number: int, now: datetime) -> dict[str, Any]:
    """PENDING, invited within the last few days (one an hour, newest first)."""
    return dated(opportunity_invitation(number), now - timedelta(hours=number - FIRST_OPEN + 1))


def open_ids(count: int) -> list[str]:
    return [opportunity_invitation(number)["Id"] for number in range(FIRST_OPEN, FIRST_OPEN + count)]


def history(final_count: int, open_count: int, now: datetime) -> list[tuple[dict[str, Any], str]]:
    """A partner's invitations as (GetEngagementInvitation response, participant type)."""
    finals = [(final_invitation(n, now), participant(n)) for n in range(1, final_count + 1)]
    return finals + [(open_invitation(n, now), participant(n)) for n in range(FIRST_OPEN, FIRST_OPEN + open_count)]
