"""The answer function's entry point as Lambda calls it: the event, a context, the JSON it returns. Bad input
is an `outcome: refused` naming the problem (never a Lambda error); the account that answers is read from
the invoked function's ARN; `requestedBy` stays out of the logs."""

from collections.abc import Iterator
from typing import Any, cast

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from invitation_sync.handlers.answer_handler import lambda_handler
from invitation_sync.wiring.answer import answer_services
from local.emulated_answers import WRITE_OPERATIONS
from local.event_source import deliver
from local.lambda_context import FakeLambdaContext
from local.samples import invitation_event, lead_invitation
from tests.conftest import LocalAws, LogLines

RECEIVER = "111122223333"  # the samples' receiver
PARTNER = "444455556666"  # an account of ours that sent an invitation to the receiver


def invoked_in(account: str, qualifier: str = "") -> LambdaContext:
    """Lambda's context; an alias or version invoked adds `:qualifier` to the ARN."""
    arn = f"arn:aws:lambda:us-east-1:{account}:function:InvitationSync-AnswerFunction{qualifier}"
    return cast(
        LambdaContext,
        FakeLambdaContext(function_name="InvitationSync-AnswerFunction", invoked_function_arn=arn, timeout_seconds=480),
    )


def reject(invitation_id: str) -> dict[str, Any]:
    return {
        "catalog": "AWS",
        "invitationId": invitation_id,
        "decision": "reject",
        "reason": "Unable to support",
        "requestedBy": "ana@example.com",
    }


@pytest.fixture
def stored_lead(local_aws: LocalAws) -> Iterator[str]:
    """A PENDING lead sent by PARTNER, stored by the sync; the function's services built in this environment."""
    answer_services.cache_clear()
    lead = {**lead_invitation(1), "SenderAwsAccountId": PARTNER}
    local_aws.emulator.put(lead)
    assert deliver(invitation_event(lead))["outcome"] == "stored"
    local_aws.published()
    yield str(lead["Id"])
    answer_services.cache_clear()


def writes(local_aws: LocalAws) -> list[str]:
    return [call.operation for call in local_aws.emulator.calls if call.operation in WRITE_OPERATIONS]


@pytest.mark.parametrize(
    ("event", "named"),
    [
        ({"catalog": "AWS", "decision": "accept", "requestedBy": "ana"}, "invitationId"),
        ("accept engi-0000000000001", "AnswerRequest"),
        (None, "AnswerRequest"),
        ({**reject("engi-0000000000001"), "requested_by": "ana"}, "requested_by"),
        ({**reject("engi-0000000000001"), "reason": ""}, "reason"),
    ],
)
def test_a_malformed_event_is_refused_naming_the_problem(
    local_aws: LocalAws, stored_lead: str, event: object, named: str
) -> None:
    result = lambda_handler(event, invoked_in(RECEIVER))

    assert result["outcome"] == "refused"
    assert result["message"].startswith("malformed request:")
    assert named in result["message"]
    assert writes(local_aws) == []


def test_a_good_request_is_answered_end_to_end_and_returned_as_json(
    local_aws: LocalAws, stored_lead: str, log_lines: LogLines
) -> None:
    result = lambda_handler(reject(stored_lead), invoked_in(RECEIVER, qualifier=":live"))

    assert {k: result[k] for k in ("outcome", "catalog", "invitationId", "decision", "answeredBy")} == {
        "outcome": "rejected",
        "catalog": "AWS",
        "invitationId": stored_lead,
        "decision": "reject",
        "answeredBy": "ana@example.com",
    }
    assert writes(local_aws) == ["RejectEngagementInvitation"]
    [event] = [message.body for message in local_aws.published()]  # checked against the committed schema
    assert (event["eventType"], event["answer"]["reason"]) == ("invitation.rejected", "Unable to support")
    assert [line["outcome"] for line in log_lines.parsed() if line["message"] == "answer"] == ["rejected"]
    assert "ana@example.com" not in log_lines.text  # the audit record only


@pytest.mark.parametrize(
    ("account", "refusal"),
    [
        (PARTNER, "this account sent the invitation (SENDER)"),
        ("999988887777", "addressed to another account"),
    ],
)
def test_the_answering_account_is_the_one_in_the_invoked_arn(
    local_aws: LocalAws, stored_lead: str, account: str, refusal: str
) -> None:
    result = lambda_handler(reject(stored_lead), invoked_in(account))

    assert (result["outcome"], result["invitationId"]) == ("refused", stored_lead)
    assert refusal in result["message"]
    assert writes(local_aws) == []


def test_a_misconfigured_function_answers_refused_naming_the_setting(
    local_aws: LocalAws, stored_lead: str, monkeypatch: pytest.MonkeyPatch, log_lines: LogLines
) -> None:
    monkeypatch.setenv("PARTNER_CENTRAL_WRITE_RATE", "0")
    answer_services.cache_clear()

    result = lambda_handler(reject(stored_lead), invoked_in(RECEIVER))

    assert (result["outcome"], result["invitationId"], result["decision"]) == ("refused", stored_lead, "reject")
    assert "PARTNER_CENTRAL_WRITE_RATE" in result["message"]
    assert result["message"].endswith("nothing was sent")
    assert writes(local_aws) == []
    assert "ana@example.com" not in log_lines.text
