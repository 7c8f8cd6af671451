"""The published event: event types, attributes, deterministic ids, and the committed JSON Schema."""

import json
from pathlib import Path

import pytest

from invitation_sync.models.published import SCHEMA_PATH, InvitationChangedEvent, json_schema_text
from invitation_sync.models.stored import StoredInvitation, change_event_id, content_hash
from invitation_sync.normalize import normalize
from local.samples import minimal_invitation, opportunity_invitation

REPO = Path(__file__).resolve().parents[2]


def stored(status: str | None, version: int, previous: str | None) -> StoredInvitation:
    response = {**opportunity_invitation(1), "Status": status} if status else minimal_invitation(1)
    invitation = normalize(response)
    return StoredInvitation(
        invitation=invitation,
        version=version,
        content_hash=content_hash(invitation),
        synced_at="2026-11-26T10:00:00.000Z",
        previous_status=previous,
    )


@pytest.mark.parametrize(
    ("status", "version", "previous", "event_type"),
    [
        ("PENDING", 1, None, "invitation.created"),
        ("ACCEPTED", 1, None, "invitation.created"),
        ("ACCEPTED", 2, "PENDING", "invitation.accepted"),
        ("REJECTED", 2, "PENDING", "invitation.rejected"),
        ("EXPIRED", 3, "PENDING", "invitation.expired"),
        ("ACCEPTED", 3, "ACCEPTED", "invitation.updated"),
        ("PENDING", 2, "PENDING", "invitation.updated"),
    ],
)
def test_event_type_follows_the_stored_change(status: str, version: int, previous: str, event_type: str) -> None:
    assert InvitationChangedEvent.from_stored(stored(status, version, previous)).event_type == event_type


def test_attributes_let_subscribers_filter_without_parsing() -> None:
    event = InvitationChangedEvent.from_stored(stored("ACCEPTED", 2, "PENDING"))
    assert event.message_attributes() == {
        "eventType": "invitation.accepted",
        "catalog": "AWS",
        "status": "ACCEPTED",
        "payloadType": "OpportunityInvitation",
    }


def test_missing_status_and_payload_type_are_named_unknown_in_attributes() -> None:
    attributes = InvitationChangedEvent.from_stored(stored(None, 1, None)).message_attributes()
    assert (attributes["status"], attributes["payloadType"]) == ("UNKNOWN", "UNKNOWN")


def test_event_id_is_stable_per_change_and_distinct_across_changes() -> None:
    first = change_event_id("AWS", "engi-0000000000001", 1)
    assert first == change_event_id("AWS", "engi-0000000000001", 1)
    assert len({first, change_event_id("AWS", "engi-0000000000001", 2), change_event_id("Sandbox", "x", 1)}) == 3


def test_body_has_the_contract_fields_in_camel_case() -> None:
    body = json.loads(InvitationChangedEvent.from_stored(stored("PENDING", 1, None)).model_dump_json(by_alias=True))
    assert {"schemaVersion", "eventId", "eventType", "occurredAt", "version", "invitation"} <= set(body)
    assert {"id", "catalog", "status", "payloadType"} <= set(body["invitation"])


def test_committed_schema_matches_the_models() -> None:
    committed = (REPO / SCHEMA_PATH).read_text()
    assert committed == json_schema_text(), "schema drifted from the models: run `make schema` and commit"


def test_schema_accepts_a_real_event_and_rejects_a_broken_one() -> None:
    import jsonschema

    schema = json.loads(json_schema_text())
    body = json.loads(InvitationChangedEvent.from_stored(stored("PENDING", 1, None)).model_dump_json(by_alias=True))
    jsonschema.validate(body, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**body, "eventType": "invitation.deleted"}, schema)
