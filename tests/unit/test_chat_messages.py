"""Chat messages: the custom-notification format (checked against the committed schema), what a person
reads, what never reaches chat, the buttons' requests, and the committed schema itself."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from invitation_sync.chat_messages import (
    ACCEPT_REQUEST_KEY,
    ANSWER_FUNCTION_KEY,
    REJECT_REQUEST_KEY,
    AnswerButtons,
    time_left,
)
from invitation_sync.chat_notifier import ChatNotifier
from invitation_sync.errors import InvalidEventError
from invitation_sync.models.chat import TITLE_MAX, CustomNotification
from invitation_sync.models.published import ExpiryReminder, InvitationChangedEvent
from invitation_sync.models.stored import StoredInvitation, content_hash
from invitation_sync.normalize import iso_utc, normalize
from local.published_contract import SCHEMAS, example, schema_text
from local.samples import lead_invitation, opportunity_invitation

REPO = Path(__file__).resolve().parents[2]
SCHEMA_PATH = SCHEMAS / "chat-custom-notification.schema.json"
SCHEMA = json.loads((REPO / SCHEMA_PATH).read_text())
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
ANSWER_ARN = "arn:aws:lambda:us-east-1:111122223333:function:InvitationSync-Answer"
LINK = "https://partnercentral.example/invitations/{catalog}/{invitationId}"


def published(response: dict[str, Any], version: int = 1, previous: str | None = None, **extra: Any) -> dict[str, Any]:
    invitation = normalize(response)
    stored = StoredInvitation(
        invitation=invitation,
        version=version,
        content_hash=content_hash(invitation),
        synced_at=iso_utc(NOW),
        previous_status=previous,
    )
    body = json.loads(InvitationChangedEvent.from_stored(stored).model_dump_json(by_alias=True))
    return {**body, **extra}


def message(body: dict[str, Any], *, buttons: bool = True) -> dict[str, Any]:
    notifier = ChatNotifier(
        topic=None,  # type: ignore[arg-type]  # message_for never publishes
        link_template=LINK,
        buttons=AnswerButtons(ANSWER_ARN) if buttons else None,
        clock=lambda: NOW,
    )
    rendered: dict[str, Any] = json.loads(notifier.message_for(body).model_dump_json(by_alias=True))
    jsonschema.validate(rendered, SCHEMA)  # what the chat topic gets is what AWS's format allows
    return rendered


def expiring_in(hours: float, **fields: Any) -> dict[str, Any]:
    return {**opportunity_invitation(1, **fields), "ExpirationDate": NOW + timedelta(hours=hours)}


def test_a_new_invitation_says_what_a_person_decides_from() -> None:
    rendered = message(published(expiring_in(23.5, company="Initrode", title="Analytics modernisation")))
    content, metadata = rendered["content"], rendered["metadata"]
    assert (rendered["version"], rendered["source"], content["textType"]) == ("1.0", "custom", "client-markdown")
    assert content["title"] == "New: opportunity invitation — Analytics modernisation"
    for fact in (
        "*Type:* Opportunity invitation",
        "*From:* Amazon Web Services",
        "*Customer:* Initrode",
        "*Project:* Analytics modernisation",
        "*Opportunity type:* Net New Business",
        "*Status:* PENDING — expires in 23 h",
    ):
        assert fact in content["description"].splitlines()
    assert content["nextSteps"][-1] == f"Open it: https://partnercentral.example/invitations/AWS/{rendered_id()}"
    assert metadata["threadId"] == f"AWS-{rendered_id()}"
    assert metadata["eventType"] == "invitation.created"
    assert metadata["additionalContext"]["catalog"] == "AWS"
    assert metadata["additionalContext"]["invitationId"] == rendered_id()
    assert metadata["enableCustomActions"] is True


def rendered_id() -> str:
    return normalize(opportunity_invitation(1)).id


def test_a_lead_shows_its_use_case() -> None:
    description = message(published(lead_invitation(2)))["content"]["description"]
    assert "*Use case:* Analytics" in description.splitlines()
    assert "*Customer:* Initech" in description.splitlines()


def test_no_contact_name_email_or_phone_reaches_chat() -> None:
    rendered = json.dumps(message(published(expiring_in(40, email="pat.doe@example.com"))))
    for personal in ("pat.doe@example.com", "Pat", "Doe", "+14155550100", "Partner Development Manager"):
        assert personal not in rendered


def test_a_reminder_counts_the_time_left_from_the_injected_clock() -> None:
    body = published(expiring_in(72))
    reminder = ExpiryReminder(threshold_hours=24, expires_at=body["invitation"]["expirationDate"], hours_left=23)
    event = InvitationChangedEvent.expiring(normalize(expiring_in(23.9)), 1, reminder, iso_utc(NOW))
    rendered = message(json.loads(event.model_dump_json(by_alias=True)))
    assert rendered["content"]["title"].startswith("Expiring: Opportunity invitation")
    assert "*Status:* PENDING — expires in 23 h" in rendered["content"]["description"]
    assert rendered["metadata"]["enableCustomActions"] is True


@pytest.mark.parametrize(
    ("hours", "said"),
    [(0.5, "expires in under 1 h"), (23.99, "expires in 23 h"), (50, "expires in 2 d 2 h"), (-1, "expiry passed")],
)
def test_time_left_is_whole_hours_rounded_down(hours: float, said: str) -> None:
    assert time_left(iso_utc(NOW + timedelta(hours=hours)), NOW) == said


def test_an_accepted_invitation_says_who_answered_and_carries_no_buttons() -> None:
    answer = {"decision": "accept", "requestedBy": "slack-C0123ABCD", "requestedAt": iso_utc(NOW)}
    answer |= {"opportunityId": "O1234567"}
    body = published({**opportunity_invitation(1), "Status": "ACCEPTED"}, 2, "PENDING", answer=answer)
    rendered = message(body)
    description = rendered["content"]["description"].splitlines()
    assert f"*Answered by:* slack-C0123ABCD at {iso_utc(NOW)}" in description
    assert "*Opportunity:* O1234567" in description
    assert rendered["content"]["title"].startswith("Accepted: ")
    assert rendered["metadata"]["enableCustomActions"] is False
    assert set(rendered["metadata"]["additionalContext"]) == {"catalog", "invitationId"}


def test_a_failed_answer_names_the_reason_code_and_carries_no_buttons() -> None:
    body = json.loads(example("invitation.answer-failed").model_dump_json(by_alias=True))  # as the publisher writes it
    rendered = message(body)
    assert rendered["content"]["title"].startswith("Answer failed: ")
    assert "*Partner Central said:* OpportunityValidationFailed" in rendered["content"]["description"]
    assert rendered["metadata"]["enableCustomActions"] is False


def test_without_the_answer_function_there_are_no_buttons() -> None:
    rendered = message(published(expiring_in(30)), buttons=False)
    assert rendered["metadata"]["enableCustomActions"] is False
    assert ANSWER_FUNCTION_KEY not in rendered["metadata"]["additionalContext"]


def test_each_button_request_closes_into_the_answer_request() -> None:
    context = message(published(expiring_in(30)))["metadata"]["additionalContext"]
    assert context[ANSWER_FUNCTION_KEY] == ANSWER_ARN
    accept = json.loads('{"requestedBy":"slack-C1",' + context[ACCEPT_REQUEST_KEY])
    reject = json.loads('{"reason":"Unable to support","requestedBy":"slack-C1",' + context[REJECT_REQUEST_KEY])
    ids = {"catalog": "AWS", "invitationId": rendered_id()}
    assert accept == {**ids, "decision": "accept", "requestedBy": "slack-C1"}
    assert reject == {**ids, "decision": "reject", "requestedBy": "slack-C1", "reason": "Unable to support"}


def test_long_fields_are_shortened_with_an_ellipsis_within_the_limits() -> None:
    rendered = message(published(expiring_in(30, title="T" * 400, company="C" * 900)))
    assert len(rendered["content"]["title"]) == TITLE_MAX
    assert rendered["content"]["title"].endswith("…")
    assert "*Customer:* " + "C" * 199 + "…" in rendered["content"]["description"]


def test_an_event_that_is_no_published_event_is_refused_naming_the_field() -> None:
    body = published(expiring_in(30))
    del body["invitation"]
    with pytest.raises(InvalidEventError, match="invitation: Field required"):
        message(body)
    with pytest.raises(InvalidEventError, match="expected a JSON object"):
        message("plain text")  # type: ignore[arg-type]


def test_committed_schema_matches_the_model_and_rejects_plain_shapes() -> None:
    assert (REPO / SCHEMA_PATH).read_text() == schema_text(CustomNotification), (
        "schema drifted: run `make schema` and commit"
    )
    assert "custom-notifs.html" in SCHEMA["description"]
    good = message(published(expiring_in(30)))
    for broken in ({**good, "source": "aws"}, {**good, "version": "2.0"}, {**good, "text": "hello"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, SCHEMA)
    assert CustomNotification.model_validate(good).id == good["id"]
