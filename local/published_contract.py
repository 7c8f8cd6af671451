"""`make schema`: the committed contracts under schemas/, generated from the models so they cannot drift.

The event's JSON Schema, the message attributes' JSON Schema, and per event type one example message (its
body and its attributes) built by the same code that publishes; the answer function's request and result;
the chat notification.
Examples carry fixed dates: they are documentation, and must not change with the day `make schema` runs.
A new event type in `EventType` needs one more `case` in `example` (mypy says so); the files and their
tests follow from the list.
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final, assert_never, get_args

from pydantic import BaseModel

from invitation_sync.models.answer import AnswerRequest, AnswerResult
from invitation_sync.models.chat import CustomNotification
from invitation_sync.models.invitation import Invitation
from invitation_sync.models.published import EventType, ExpiryReminder, InvitationChangedEvent, MessageAttributes
from invitation_sync.models.stored import AnswerRecord, StoredInvitation, answer_token, content_hash
from invitation_sync.normalize import iso_utc, normalize
from local.samples import dated, opportunity_invitation

SCHEMAS: Final = Path("schemas")
SCHEMA_PATH: Final = SCHEMAS / "invitation-changed-event.schema.json"
ATTRIBUTES_SCHEMA_PATH: Final = SCHEMAS / "invitation-changed-event.attributes.schema.json"
MODEL_SCHEMAS: Final[dict[Path, type[BaseModel]]] = {
    SCHEMAS / "answer-request.schema.json": AnswerRequest,
    SCHEMAS / "answer-result.schema.json": AnswerResult,
    SCHEMAS / "chat-custom-notification.schema.json": CustomNotification,
}
EXAMPLES: Final = SCHEMAS / "examples"
EVENT_TYPES: Final[tuple[EventType, ...]] = get_args(EventType)

EXAMPLE_INVITED_AT: Final = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
_SAMPLE: Final = normalize(dated(opportunity_invitation(1), EXAMPLE_INVITED_AT))
_RENAMED: Final = _SAMPLE.model_copy(update={"engagement_title": "Data platform migration, phase 2"})


def schema_text(model: type[BaseModel]) -> str:
    """A model's JSON Schema as committed: what the publisher serializes (camelCase, absent members absent)."""
    schema = model.model_json_schema(by_alias=True, mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def _text(document: object) -> str:
    """An example in the order the publisher writes it."""
    return json.dumps(document, indent=2) + "\n"


def _stored(
    version: int, invitation: Invitation, before: Invitation | None = None, answer: AnswerRecord | None = None
) -> StoredInvitation:
    """The sample invitation's `version`, synced `version` hours after it was sent."""
    return StoredInvitation(
        invitation=invitation,
        version=version,
        content_hash=content_hash(invitation),
        synced_at=iso_utc(EXAMPLE_INVITED_AT + timedelta(hours=version, seconds=2.417)),
        previous_status=None if before is None else before.status,
        previous_invitation=before,
        answer=answer,
    )


def _answer(decision: str, state: str, **outcome: str) -> AnswerRecord:
    """An answer asked for through the answer function 3 hours after the invitation was sent."""
    asked = EXAMPLE_INVITED_AT + timedelta(hours=3)
    return AnswerRecord.model_validate(
        {
            "decision": decision,
            "requestedBy": "arn:aws:sts::111122223333:assumed-role/AllianceLead/ana",
            "requestedAt": iso_utc(asked),
            "reason": "Unable to support" if decision == "reject" else None,
            "clientToken": answer_token(_SAMPLE.catalog, _SAMPLE.id, decision, 1),
            "state": state,
            "leaseUntil": iso_utc(asked + timedelta(minutes=7)),
            "answeredAt": iso_utc(asked + timedelta(seconds=31)),
            **outcome,
        }
    )


def example(event_type: EventType) -> InvitationChangedEvent:
    """One realistic event of `event_type`, built as the sync and the reminders build theirs."""
    match event_type:
        case "invitation.created":
            return InvitationChangedEvent.from_stored(_stored(1, _SAMPLE))
        case "invitation.updated":
            return InvitationChangedEvent.from_stored(_stored(2, _RENAMED, before=_SAMPLE))
        case "invitation.accepted" | "invitation.rejected" | "invitation.expired":
            final = _RENAMED.model_copy(update={"status": event_type.removeprefix("invitation.").upper()})
            answer = None
            if event_type == "invitation.rejected":  # Partner Central stops serving it; the details are kept
                final = final.model_copy(update={"details_retrievable": False})
            elif event_type == "invitation.accepted":  # answered through the answer function
                answer = _answer("accept", "answered", taskId="task-0a1b2c3d4e5f6", opportunityId="O1234567")
            return InvitationChangedEvent.from_stored(_stored(3, final, before=_RENAMED, answer=answer))
        case "invitation.expiring":
            pending = _stored(2, _RENAMED, before=_SAMPLE)
            expires_at = pending.invitation.expiration_date or ""
            reminder = ExpiryReminder(threshold_hours=24, expires_at=expires_at, hours_left=23)
            return InvitationChangedEvent.expiring(pending.invitation, 2, reminder, pending.synced_at)
        case "invitation.answer-failed":
            failed = _answer("accept", "failed", taskId="task-0a1b2c3d4e5f6", reasonCode="OpportunityValidationFailed")
            return InvitationChangedEvent.answer_failed(_stored(2, _RENAMED, before=_SAMPLE, answer=failed), failed)
        case _:
            assert_never(event_type)


def example_paths(event_type: EventType) -> tuple[Path, Path]:
    """The body and the attributes of one event type's example."""
    return EXAMPLES / f"{event_type}.json", EXAMPLES / f"{event_type}.attributes.json"


def contract_files() -> dict[Path, str]:
    """Every file `make schema` writes, by path, with its content."""
    files = {SCHEMA_PATH: schema_text(InvitationChangedEvent), ATTRIBUTES_SCHEMA_PATH: schema_text(MessageAttributes)}
    files |= {path: schema_text(model) for path, model in MODEL_SCHEMAS.items()}
    for event_type in EVENT_TYPES:
        event = example(event_type)
        body_path, attributes_path = example_paths(event_type)
        files[body_path] = _text(json.loads(event.model_dump_json(by_alias=True)))
        files[attributes_path] = _text(event.message_attributes())
    return files


def write() -> None:
    """Write the contract; remove examples no event type produces any more."""
    files = contract_files()
    EXAMPLES.mkdir(parents=True, exist_ok=True)
    for stale in set(EXAMPLES.glob("*.json")) - set(files):
        stale.unlink()
    for path, text in files.items():
        path.write_text(text)
        print(f"wrote {path}")


if __name__ == "__main__":
    write()
