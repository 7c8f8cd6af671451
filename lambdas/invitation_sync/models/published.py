"""The event published to SNS for every stored change. Its JSON Schema is generated from this model."""

from typing import Annotated, Final, Literal, get_args

from pydantic import ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from invitation_sync.domain import STATUSES
from invitation_sync.models.base import CamelModel, absent_unless_set, known_values
from invitation_sync.models.invitation import CATALOG_VALUES, KNOWN_PAYLOAD_TYPES, Invitation
from invitation_sync.models.stored import (
    PUBLISHED_ANSWER_STATES,
    AnswerRecord,
    StoredInvitation,
    answer_failed_event_id,
    reminder_event_id,
)

SCHEMA_VERSION: Final = "1.0"
# Every event type, in one place: the schema, the message attributes, the committed examples and their
# tests (tests/unit/test_published_contract.py) all read this list.
EventType = Literal[
    "invitation.created",
    "invitation.accepted",
    "invitation.rejected",
    "invitation.expired",
    "invitation.updated",
    "invitation.expiring",
    "invitation.answer-failed",
]
EVENT_TYPE_VALUES = known_values(
    get_args(EventType),
    "What happened (README: The published event). A later 1.x may add an event type, always "
    "`invitation.<kebab-case>`: ignore one you do not know, or filter on eventType in the subscription.",
    pattern=r"^invitation\.[a-z]+(-[a-z]+)*$",
)
UNKNOWN: Final = "UNKNOWN"


class ExpiryReminder(CamelModel):
    """Why an `invitation.expiring` event was sent: the threshold crossed and the time left."""

    model_config = ConfigDict(extra="ignore")  # open in the schema: see the event

    threshold_hours: int = Field(ge=1, description="The configured reminder threshold this event stands for.")
    expires_at: str = Field(description="The invitation's expirationDate, ISO-8601 UTC.")
    hours_left: int = Field(ge=0, description="Whole hours from this check to the expiry (rounded down).")


class PublishedAnswer(CamelModel):
    """The answer this stack gave (or tried to give) through its answer function."""

    model_config = ConfigDict(extra="ignore", title="Answer")  # open in the schema: see the event

    decision: Literal["accept", "reject"]
    requested_by: str = Field(description="Who asked for it (the answer request's requestedBy).")
    requested_at: str = Field(description="When it was asked for, ISO-8601 UTC.")
    reason: str | SkipJsonSchema[None] = absent_unless_set("A reject's reason.")
    opportunity_id: str | SkipJsonSchema[None] = absent_unless_set(
        "The opportunity the accept task created, once it is known."
    )
    failure_code: str | SkipJsonSchema[None] = absent_unless_set(
        "Only on invitation.answer-failed: the task's ReasonCode or Partner Central's error code."
    )

    @classmethod
    def of(cls, record: AnswerRecord, *, failed: bool = False) -> "PublishedAnswer":
        return cls(
            decision=record.decision,
            requested_by=record.requested_by,
            requested_at=record.requested_at,
            reason=record.reason,
            opportunity_id=record.opportunity_id,
            failure_code=record.reason_code if failed else None,
        )


class InvitationChangedEvent(CamelModel):
    """One stored change of one invitation. Subscribers deduplicate on `eventId`."""

    # Open to members a later 1.x adds (no `additionalProperties: false` in the schema): a subscriber that
    # validates with this schema must keep accepting events when an optional field is added.
    model_config = ConfigDict(extra="ignore", json_schema_extra={"$id": f"urn:invitation-sync:event:{SCHEMA_VERSION}"})

    schema_version: Literal["1.0"] = Field(description="Changes only when a field's meaning changes.")
    event_id: str = Field(description="UUID, the same for every delivery of this change.")
    event_type: Annotated[EventType, EVENT_TYPE_VALUES]
    occurred_at: str = Field(description="When the sync observed the change, ISO-8601 UTC.")
    version: int = Field(ge=1, description="The invitation's stored version: +1 per stored change.")
    previous_status: str | None = Field(
        description="Status before this change; null when created and on invitation.expiring."
    )
    invitation: Invitation
    changed_fields: list[str] | SkipJsonSchema[None] = absent_unless_set(
        "Dotted paths (relative to `invitation`) of the members this version changed, sorted; "
        "a list is one member. Paths only, never values. Absent on invitation.created and invitation.expiring; "
        "empty on an invitation.updated that only announces what `answer` gained (the accept task's opportunity)."
    )
    reminder: ExpiryReminder | SkipJsonSchema[None] = absent_unless_set("Only on invitation.expiring.")
    answer: PublishedAnswer | SkipJsonSchema[None] = absent_unless_set(
        "When the invitation holds the answer this stack's answer function gave (from its "
        "invitation.accepted or invitation.rejected on), and on invitation.answer-failed. An opportunity the "
        "accept task creates after the invitation.accepted went out comes on an invitation.updated."
    )

    @classmethod
    def from_stored(cls, stored: StoredInvitation) -> "InvitationChangedEvent":
        return cls(
            schema_version=SCHEMA_VERSION,
            event_id=stored.event_id,
            event_type=_event_type(stored),
            occurred_at=stored.synced_at,
            version=stored.version,
            previous_status=None if stored.version == 1 else stored.previous_status,
            invitation=stored.invitation,
            changed_fields=stored.changed_fields,
            answer=_answer_given(stored),
        )

    @classmethod
    def answer_failed(cls, stored: StoredInvitation, record: AnswerRecord) -> "InvitationChangedEvent":
        """Partner Central refused an answer (no stored change: no previousStatus); one eventId per attempt."""
        invitation = stored.invitation
        return cls(
            schema_version=SCHEMA_VERSION,
            event_id=answer_failed_event_id(invitation.catalog, invitation.id, record.attempt),
            event_type="invitation.answer-failed",
            occurred_at=record.answered_at or record.requested_at,
            version=stored.version,
            previous_status=None,
            invitation=invitation,
            answer=PublishedAnswer.of(record, failed=True),
        )

    @classmethod
    def expiring(
        cls, invitation: Invitation, version: int, reminder: ExpiryReminder, occurred_at: str
    ) -> "InvitationChangedEvent":
        """A reminder that a PENDING invitation crossed an expiry threshold (no change: no previousStatus)."""
        return cls(
            schema_version=SCHEMA_VERSION,
            event_id=reminder_event_id(invitation.catalog, invitation.id, version, reminder.threshold_hours),
            event_type="invitation.expiring",
            occurred_at=occurred_at,
            version=version,
            previous_status=None,
            invitation=invitation,
            reminder=reminder,
        )

    def message_attributes(self) -> dict[str, str]:
        """SNS string attributes for subscription filter policies."""
        return MessageAttributes(
            event_type=self.event_type,
            catalog=self.invitation.catalog,
            status=self.invitation.status or UNKNOWN,
            payload_type=self.invitation.payload_type or UNKNOWN,
        ).model_dump(by_alias=True)


class MessageAttributes(CamelModel):
    """The SNS message attributes of every event, each of DataType String, for subscription filter policies.
    Delivered as `{"Type": "String", "Value": ...}` in SNS's JSON envelope and as SQS message attributes
    (`DataType`, `StringValue`) with raw message delivery."""

    # Open, like the event: a later 1.x may add an attribute (SNS allows ten per message).
    model_config = ConfigDict(
        extra="ignore", json_schema_extra={"$id": f"urn:invitation-sync:event-attributes:{SCHEMA_VERSION}"}
    )

    event_type: Annotated[str, EVENT_TYPE_VALUES]
    catalog: Annotated[str, CATALOG_VALUES]
    status: Annotated[
        str,
        known_values(
            (*STATUSES, UNKNOWN),
            "The invitation's status; UNKNOWN when Partner Central did not say. Partner Central may add one.",
        ),
    ]
    payload_type: Annotated[
        str,
        known_values(
            (*sorted(KNOWN_PAYLOAD_TYPES), UNKNOWN),
            "The invitation's payloadType; UNKNOWN when Partner Central did not say. Partner Central may add one.",
        ),
    ]


_EVENT_TYPE_BY_FINAL_STATUS: Final[dict[str, EventType]] = {
    "ACCEPTED": "invitation.accepted",
    "REJECTED": "invitation.rejected",
    "EXPIRED": "invitation.expired",
}


_DECISION_BY_FINAL_STATUS: Final = {"ACCEPTED": "accept", "REJECTED": "reject"}


def _answer_given(stored: StoredInvitation) -> PublishedAnswer | None:
    """The item's answer record, when Partner Central took it (not a failed or unsent attempt: the status may
    come from someone else's answer) and the invitation now has the status that answer asked for."""
    record, status = stored.answer, stored.invitation.status
    if record is None or record.state not in PUBLISHED_ANSWER_STATES:
        return None
    if status is None or _DECISION_BY_FINAL_STATUS.get(status) != record.decision:
        return None
    return PublishedAnswer.of(record)


def _event_type(stored: StoredInvitation) -> EventType:
    """What changed in the stored state: first version, a move to a final status, or anything else."""
    if stored.version == 1:
        return "invitation.created"
    status = stored.invitation.status
    if status != stored.previous_status and status in _EVENT_TYPE_BY_FINAL_STATUS:
        return _EVENT_TYPE_BY_FINAL_STATUS[status]
    return "invitation.updated"
