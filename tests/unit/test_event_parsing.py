"""Event intake: the four invitation detail-types, id resolution, and clear errors for bad input."""

import copy

import pytest

from invitation_sync.errors import InvalidEventError
from invitation_sync.models.event import parse_invitation_event
from local.samples import invitation_event, opportunity_invitation

INVITATION = opportunity_invitation(42)
ID = INVITATION["Id"]
ARN = f"arn:aws:partnercentral:us-east-1::catalog/AWS/engagement-invitation/{ID}"


@pytest.mark.parametrize(
    ("detail_type", "status"),
    [
        ("Engagement Invitation Created", "PENDING"),
        ("Engagement Invitation Accepted", "ACCEPTED"),
        ("Engagement Invitation Rejected", "REJECTED"),
        ("Engagement Invitation Expired", "EXPIRED"),
    ],
)
def test_each_invitation_detail_type_parses_with_its_status(detail_type: str, status: str) -> None:
    event = parse_invitation_event(invitation_event(INVITATION, detail_type))
    assert (event.invitation_id, event.catalog, event.status) == (ID, "AWS", status)


def test_invitation_id_falls_back_to_arn_then_resources() -> None:
    raw = invitation_event(INVITATION)
    del raw["detail"]["engagementInvitation"]["id"]
    assert parse_invitation_event(raw).invitation_id == ID
    del raw["detail"]["engagementInvitation"]["arn"]
    assert parse_invitation_event(raw).invitation_id == ID
    raw["resources"] = []
    with pytest.raises(InvalidEventError, match="no invitation id"):
        parse_invitation_event(raw)


@pytest.mark.parametrize("written", ["Receiver", "RECEIVER", "receiver", "Sender"])
def test_participant_type_is_compared_without_case_and_kept(written: str) -> None:
    raw = invitation_event(INVITATION)
    raw["detail"]["engagementInvitation"]["participantType"] = written
    assert parse_invitation_event(raw).detail.engagement_invitation.participant_type == written.upper()


def test_sandbox_catalog_is_accepted() -> None:
    sandbox = opportunity_invitation(43, catalog="Sandbox")
    assert parse_invitation_event(invitation_event(sandbox)).catalog == "Sandbox"


def _broken(change: str) -> object:
    raw = copy.deepcopy(invitation_event(INVITATION))
    detail = raw["detail"]
    match change:
        case "not an object":
            return ["an", "array"]
        case "no detail":
            del raw["detail"]
        case "detail not an object":
            raw["detail"] = "text"
        case "unknown catalog":
            detail["catalog"] = "Foo"
        case "invalid id":
            detail["engagementInvitation"] = {"id": "engi-TOO-SHORT"}
            raw["resources"] = []
        case "foreign source":
            raw["source"] = "aws.ec2"
        case "foreign detail-type":
            raw["detail-type"] = "Opportunity Created"
        case "oversized id":
            detail["engagementInvitation"]["id"] = "x" * 5000
        case "wrongly typed resources":
            raw["resources"] = "arn"
    return raw


@pytest.mark.parametrize(
    ("change", "names"),
    [
        ("not an object", "expected a JSON object"),
        ("no detail", "detail"),
        ("detail not an object", "detail"),
        ("unknown catalog", "detail.catalog"),
        ("invalid id", "no invitation id"),
        ("foreign source", "source"),
        ("foreign detail-type", "detail-type"),
        ("oversized id", "detail.engagementInvitation.id"),
        ("wrongly typed resources", "resources"),
    ],
)
def test_malformed_events_get_an_error_naming_the_field(change: str, names: str) -> None:
    with pytest.raises(InvalidEventError) as raised:
        parse_invitation_event(_broken(change))
    assert names in str(raised.value)


def test_errors_never_echo_input_values() -> None:
    raw = invitation_event(INVITATION)
    raw["detail"]["catalog"] = "SecretCompanyName"
    with pytest.raises(InvalidEventError) as raised:
        parse_invitation_event(raw)
    assert "SecretCompanyName" not in str(raised.value)


def test_a_parked_record_moved_back_is_unwrapped_whichever_parked_it() -> None:
    from invitation_sync.models.event import unwrap_parked

    event = invitation_event(opportunity_invitation(1))
    ours = {"errorType": "LaggingReadError", "reason": "r", "failedAt": "t", "event": event}
    lambdas = {"requestContext": {"condition": "RetriesExhausted"}, "requestPayload": event, "responsePayload": {}}
    assert unwrap_parked(ours) == unwrap_parked(lambdas) == unwrap_parked(event) == event
    assert unwrap_parked("not json") == "not json"
