"""The published event: event types, attributes, deterministic ids, and the committed JSON Schema."""

import json

import pytest

from invitation_sync.models.published import InvitationChangedEvent
from invitation_sync.models.stored import StoredInvitation, change_event_id, content_hash
from invitation_sync.normalize import normalize
from local.published_contract import SCHEMA_PATH, schema_text
from local.samples import minimal_invitation, opportunity_invitation
from tests.conftest import REPO

pytestmark = pytest.mark.clock


def json_schema_text() -> str:
    return schema_text(InvitationChangedEvent)


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


def test_schema_accepts_a_real_event_and_rejects_a_broken_one() -> None:
    import jsonschema

    schema = json.loads(json_schema_text())
    body = json.loads(InvitationChangedEvent.from_stored(stored("PENDING", 1, None)).model_dump_json(by_alias=True))
    jsonschema.validate(body, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**body, "eventType": "InvitationDeleted"}, schema)  # not an invitation.<name>


def test_the_committed_schema_accepts_the_optional_members_a_later_1x_adds() -> None:
    """New optional fields may appear at any time without a new schemaVersion (README), so a subscriber that
    validates with today's schema must accept them: at the top, in the reminder and in the invitation."""
    import jsonschema

    from invitation_sync.models.published import ExpiryReminder

    schema = json.loads((REPO / SCHEMA_PATH).read_text())
    reminder = ExpiryReminder(threshold_hours=24, expires_at="2026-12-05T10:30:00.000Z", hours_left=23)
    event = InvitationChangedEvent.expiring(normalize(opportunity_invitation(1)), 3, reminder, "2026-12-04T11:00:00Z")
    body = json.loads(event.model_dump_json(by_alias=True))
    later = {
        **body,
        "addedIn1x": "a new top-level member",
        "reminder": {**body["reminder"], "addedIn1x": 1},
        "invitation": {**body["invitation"], "addedIn1x": True},
    }

    jsonschema.validate(later, schema)
    with pytest.raises(jsonschema.ValidationError):  # still a contract: the known members keep their types
        jsonschema.validate({**later, "version": "3"}, schema)


def changed(response_before: dict[str, object], response_after: dict[str, object]) -> list[str] | None:
    before, after = normalize(response_before), normalize(response_after)
    version = StoredInvitation(
        invitation=after, version=2, content_hash=content_hash(after), synced_at="x", previous_invitation=before
    )
    return InvitationChangedEvent.from_stored(version).changed_fields


def test_changed_fields_are_sorted_dotted_paths_with_lists_compared_whole() -> None:
    base = opportunity_invitation(1)
    project = base["Payload"]["OpportunityInvitation"]["Project"]
    renamed = {
        **base,
        "Payload": {
            "OpportunityInvitation": {
                **base["Payload"]["OpportunityInvitation"],
                "Project": {**project, "Title": "New"},
            }
        },
    }
    assert changed(base, {**base, "Status": "ACCEPTED"}) == ["status"]
    assert changed(base, renamed) == ["payload.project.title"]
    assert changed(base, {**base, "ExistingMembers": []}) == ["existingMembers"]
    assert changed(base, {**base, "Status": "REJECTED", "EngagementTitle": "T", "InvitationMessage": None}) == [
        "engagementTitle",
        "invitationMessage",
        "status",
    ]
    assert changed(minimal_invitation(1), base) is not None
    assert "payload" in (changed(minimal_invitation(1), base) or [])  # absent -> present: the member itself


def test_changed_fields_are_absent_on_the_first_version_and_never_carry_values() -> None:
    created = json.loads(InvitationChangedEvent.from_stored(stored("PENDING", 1, None)).model_dump_json(by_alias=True))
    assert "changedFields" not in created
    assert "reminder" not in created
    body = InvitationChangedEvent.from_stored(
        stored("ACCEPTED", 2, "PENDING").model_copy(
            update={"previous_invitation": normalize(opportunity_invitation(1))}
        )
    ).model_dump_json(by_alias=True)
    assert json.loads(body)["changedFields"] == ["status"]
    assert "PENDING" not in json.loads(body)["changedFields"]


def test_an_expiring_event_carries_the_reminder_and_validates_against_the_schema() -> None:
    import jsonschema

    from invitation_sync.models.published import ExpiryReminder
    from invitation_sync.models.stored import reminder_event_id

    invitation = normalize(opportunity_invitation(1))
    reminder = ExpiryReminder(threshold_hours=24, expires_at="2026-12-05T10:30:00.000Z", hours_left=23)
    event = InvitationChangedEvent.expiring(invitation, 3, reminder, "2026-12-04T11:00:00.000Z")
    body = json.loads(event.model_dump_json(by_alias=True))

    jsonschema.validate(body, json.loads(json_schema_text()))
    assert body["reminder"] == {"thresholdHours": 24, "expiresAt": "2026-12-05T10:30:00.000Z", "hoursLeft": 23}
    assert (body["eventType"], body["version"], body["previousStatus"]) == ("invitation.expiring", 3, None)
    assert (
        body["eventId"]
        == reminder_event_id("AWS", invitation.id, 3, 24)
        != reminder_event_id("AWS", invitation.id, 3, 72)
    )
    assert event.message_attributes()["eventType"] == "invitation.expiring"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**body, "reminder": {"thresholdHours": 24}}, json.loads(json_schema_text()))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {**body, "changedFields": [{"path": "status", "old": "PENDING"}]}, json.loads(json_schema_text())
        )
