"""The invitations table's keys and indexes: one definition for the store, the stack and the tests.

Items are keyed on (catalog, id). Every index projects ALL so a reader needs no second lookup;
the derived key attributes exist only when their source does, so each index is sparse.
"""

from dataclasses import dataclass
from typing import Any, Final

from invitation_sync.domain import PENDING

PARTITION_KEY: Final = "catalog"
SORT_KEY: Final = "id"
# The reconciler's state and lock items live in a partition of their own: no index attribute, so no
# query sees them, and IAM can scope the reconciler's PutItem/DeleteItem to them (dynamodb:LeadingKeys).
RECONCILER_PARTITION: Final = "_reconciler"
# Partner Central write slots (adapters/write_slots.py): one item per write call, in a partition of their
# own for the same reasons; DynamoDB's time to live deletes each a few minutes after its slot.
WRITE_SLOT_PARTITION: Final = "_writeSlots"
TIME_TO_LIVE_ATTRIBUTE: Final = "deleteAfter"  # epoch seconds; only bookkeeping items carry it
# The answer record on an invitation's item (models/stored.py AnswerRecord): written only by the answer
# function, kept (never overwritten) by the sync's write path, which sets its own attributes only.
ANSWER_ATTRIBUTE: Final = "answer"


@dataclass(frozen=True)
class IndexDesign:
    name: str
    partition_key: str
    sort_key: str
    question: str


BY_STATUS: Final = IndexDesign(
    "byStatus", "catalogStatus", "invitationDate", "invitations with a status, newest invitation date first"
)
BY_STATUS_EXPIRATION: Final = IndexDesign(
    "byStatusExpiration", "catalogStatus", "expirationDate", "PENDING invitations, soonest expiration first"
)
BY_ENGAGEMENT: Final = IndexDesign("byEngagement", "engagementId", "invitationDate", "invitations of one engagement")
BY_PROJECT_TITLE: Final = IndexDesign(
    "byProjectTitle", "projectTitleKey", "invitationDate", "invitations whose project title matches"
)
BY_SUMMARY_MISSING: Final = IndexDesign(
    "bySummaryMissing",
    "summaryMissing",
    "syncedAt",
    "invitations first seen answered or expired whose details and dates are gone: the reconciler fills them",
)
INDEXES: Final = (BY_STATUS, BY_STATUS_EXPIRATION, BY_ENGAGEMENT, BY_PROJECT_TITLE, BY_SUMMARY_MISSING)
KEY_ATTRIBUTES: Final = tuple(
    dict.fromkeys([PARTITION_KEY, SORT_KEY, *(a for i in INDEXES for a in (i.partition_key, i.sort_key))])
)


def write_slot_key(slot: int) -> dict[str, Any]:
    """The key of write slot `slot` (slots are numbered from the epoch: adapters/write_slots.py)."""
    return {PARTITION_KEY: {"S": WRITE_SLOT_PARTITION}, SORT_KEY: {"S": f"{slot:012d}"}}


def catalog_status_key(catalog: str, status: str) -> str:
    """`AWS#PENDING`: statuses are queried per catalog, so Sandbox tests never mix with live data."""
    return f"{catalog}#{status}"


def project_title_key(catalog: str, title: str) -> str | None:
    """`AWS#data platform migration`: the title without case or surrounding space, the way the API links
    an invitation to its opportunity; None for a blank title."""
    normalized = title.strip().lower()
    return f"{catalog}#{normalized}" if normalized else None


def with_status_query(table: str, catalog: str, status: str) -> dict[str, Any]:
    """Query parameters for the invitations of `catalog` in `status` (byStatus)."""
    return {
        "TableName": table,
        "IndexName": BY_STATUS.name,
        "KeyConditionExpression": "#status = :status",
        "ExpressionAttributeNames": {"#status": BY_STATUS.partition_key},
        "ExpressionAttributeValues": {":status": {"S": catalog_status_key(catalog, status)}},
    }


def summary_missing_query(table: str, catalog: str) -> dict[str, Any]:
    """Query parameters for the items of `catalog` still waiting for a List summary (bySummaryMissing)."""
    return {
        "TableName": table,
        "IndexName": BY_SUMMARY_MISSING.name,
        "KeyConditionExpression": "#catalog = :catalog",
        "ExpressionAttributeNames": {"#catalog": BY_SUMMARY_MISSING.partition_key},
        "ExpressionAttributeValues": {":catalog": {"S": catalog}},
    }


def expiring_query(
    table: str, catalog: str, after: str, until: str, *, projection: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Query parameters for the PENDING invitations of `catalog` whose expirationDate lies in [after, until],
    soonest first (byStatusExpiration); only the `projection` attributes when given."""
    query: dict[str, Any] = {
        "TableName": table,
        "IndexName": BY_STATUS_EXPIRATION.name,
        "KeyConditionExpression": "#status = :status AND #expires BETWEEN :after AND :until",
        "ExpressionAttributeNames": {
            "#status": BY_STATUS_EXPIRATION.partition_key,
            "#expires": BY_STATUS_EXPIRATION.sort_key,
        },
        "ExpressionAttributeValues": {
            ":status": {"S": catalog_status_key(catalog, PENDING)},
            ":after": {"S": after},
            ":until": {"S": until},
        },
    }
    if projection:
        query["ExpressionAttributeNames"] |= {f"#projected{i}": name for i, name in enumerate(projection)}
        query["ProjectionExpression"] = ", ".join(f"#projected{i}" for i in range(len(projection)))
    return query
