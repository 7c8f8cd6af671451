"""The emulator speaks botocore's wire protocol and refuses data botocore's model does not allow."""

import re
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local.emulated_answers import TaskScript
from local.partner_central_emulator import ModelViolation, PartnerCentralEmulator
from local.samples import account_planning_invitation, invitation_event, lead_invitation, opportunity_invitation

ACCEPTED = "Engagement Invitation Accepted"


def partner_central(*, parameter_validation: bool = True) -> Any:
    """A client of the endpoint AWS_ENDPOINT_URL_PARTNERCENTRAL_SELLING names, without retries."""
    return boto3.client(
        "partnercentral-selling",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}, parameter_validation=parameter_validation),
    )


@pytest.fixture
def client(emulator: PartnerCentralEmulator, monkeypatch: pytest.MonkeyPatch) -> Any:
    emulator.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL_PARTNERCENTRAL_SELLING", emulator.url)
    return partner_central()


def test_get_answers_what_botocore_parses_back(client: Any, emulator: PartnerCentralEmulator) -> None:
    invitation = opportunity_invitation(1)
    emulator.put(invitation)
    answer = client.get_engagement_invitation(Catalog="AWS", Identifier=invitation["Id"])
    assert answer["InvitationDate"] == invitation["InvitationDate"]
    assert answer["Payload"] == invitation["Payload"]
    [call] = emulator.calls
    assert (call.operation, call.params, call.error) == (
        "GetEngagementInvitation",
        {"Catalog": "AWS", "Identifier": invitation["Id"]},
        None,
    )


def test_fixtures_that_break_the_model_are_refused(emulator: PartnerCentralEmulator) -> None:
    with pytest.raises(ModelViolation, match="Catalog"):
        emulator.put({"Id": "engi-0000000000001"})
    with pytest.raises(ModelViolation, match="Status"):
        emulator.put({**lead_invitation(2), "Status": 7})


@pytest.mark.parametrize(
    "code", ["ThrottlingException", "InternalServerException", "ResourceNotFoundException", "AccessDeniedException"]
)
def test_injected_faults_arrive_as_botocore_errors(client: Any, emulator: PartnerCentralEmulator, code: str) -> None:
    emulator.put(opportunity_invitation(3))
    emulator.fail_next(code, operation="GetEngagementInvitation")
    with pytest.raises(ClientError) as raised:
        client.get_engagement_invitation(Catalog="AWS", Identifier=opportunity_invitation(3)["Id"])
    assert raised.value.response["Error"]["Code"] == code
    assert client.get_engagement_invitation(Catalog="AWS", Identifier=opportunity_invitation(3)["Id"])["Id"]


def test_inaccessible_invitations_answer_like_aws_after_a_rejection(
    client: Any, emulator: PartnerCentralEmulator
) -> None:
    emulator.put(opportunity_invitation(4))
    emulator.make_inaccessible("AWS", opportunity_invitation(4)["Id"], "AccessDeniedException")
    with pytest.raises(ClientError, match="AccessDeniedException"):
        client.get_engagement_invitation(Catalog="AWS", Identifier=opportunity_invitation(4)["Id"])


def test_list_pages_filters_and_sorts(client: Any, emulator: PartnerCentralEmulator) -> None:
    for number in range(1, 8):
        emulator.put(opportunity_invitation(number, status="ACCEPTED" if number % 2 else "PENDING"))
    emulator.put(opportunity_invitation(50), participant_type="SENDER")
    pages = client.get_paginator("list_engagement_invitations").paginate(
        Catalog="AWS",
        ParticipantType="RECEIVER",
        Sort={"SortOrder": "DESCENDING", "SortBy": "InvitationDate"},
        PaginationConfig={"PageSize": 3},
    )
    summaries = [s for page in pages for s in page["EngagementInvitationSummaries"]]
    assert [s["Id"][-1] for s in summaries] == list("7654321")
    assert len(emulator.calls_to("ListEngagementInvitations")) == 3
    accepted = client.list_engagement_invitations(Catalog="AWS", ParticipantType="RECEIVER", Status=["ACCEPTED"])
    assert {s["Status"] for s in accepted["EngagementInvitationSummaries"]} == {"ACCEPTED"}


def test_quota_mode_throttles_above_the_rate(client: Any, emulator: PartnerCentralEmulator) -> None:
    emulator.put(opportunity_invitation(5))
    emulator.faults.quota_per_second = 3
    codes = []
    for _ in range(5):
        try:
            client.get_engagement_invitation(Catalog="AWS", Identifier=opportunity_invitation(5)["Id"])
            codes.append("ok")
        except ClientError as error:
            codes.append(error.response["Error"]["Code"])
    assert codes == ["ok", "ok", "ok", "ThrottlingException", "ThrottlingException"]


def test_a_union_member_the_model_lacks_reaches_botocore_as_aws_would_send_it(
    client: Any, emulator: PartnerCentralEmulator
) -> None:
    invitation = opportunity_invitation(6)
    emulator.put(invitation)
    emulator.serve_unknown_member("AWS", invitation["Id"], "Payload", "PartnerReferralInvitation", {"Score": 7})
    emulator.serve_unknown_member("AWS", invitation["Id"], "Receiver", "Group", {"GroupId": "grp-1"})

    answer = client.get_engagement_invitation(Catalog="AWS", Identifier=invitation["Id"])
    assert answer["Payload"] == {"SDK_UNKNOWN_MEMBER": {"name": "PartnerReferralInvitation"}}
    assert answer["Receiver"] == {"SDK_UNKNOWN_MEMBER": {"name": "Group"}}
    assert answer["InvitationDate"] == invitation["InvitationDate"]  # the rest as before
    [summary] = client.list_engagement_invitations(Catalog="AWS", ParticipantType="RECEIVER")[
        "EngagementInvitationSummaries"
    ]
    assert summary["Receiver"] == {"SDK_UNKNOWN_MEMBER": {"name": "Group"}}


def test_only_the_unknown_member_skips_the_model_check(emulator: PartnerCentralEmulator) -> None:
    emulator.reset()
    invitation = lead_invitation(7)
    emulator.put(invitation)
    with pytest.raises(ModelViolation, match="in botocore's model"):
        emulator.serve_unknown_member("AWS", invitation["Id"], "Payload", "LeadInvitation", {})
    with pytest.raises(ModelViolation, match="not a union"):
        emulator.serve_unknown_member("AWS", invitation["Id"], "Status", "Unheard", {})
    emulator.serve_unknown_member("AWS", invitation["Id"], "Payload", "PartnerReferralInvitation", {})
    with pytest.raises(ModelViolation, match="Status"):
        emulator.update("AWS", invitation["Id"], Status=7)


def refusal(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, list[tuple[str, str]]]:
    """(error code, Reason, [(FieldName, Code)]) as botocore parsed the ValidationException."""
    response: Any = raised.value.response
    errors = [(error["FieldName"], error["Code"]) for error in response.get("ErrorList", [])]
    return response["Error"]["Code"], response.get("Reason", ""), errors


@pytest.fixture
def unvalidated(client: Any) -> Any:
    """The same endpoint without botocore's own checks, to send what botocore would refuse itself."""
    return partner_central(parameter_validation=False)


@pytest.mark.parametrize(
    ("request_params", "field", "code"),
    [
        ({"Catalog": "AWS", "ParticipantType": "OWNER"}, "ParticipantType", "INVALID_ENUM_VALUE"),
        ({"Catalog": "AWS", "ParticipantType": "RECEIVER", "Status": ["OPEN"]}, "Status[0]", "INVALID_ENUM_VALUE"),
        ({"Catalog": "AWS", "ParticipantType": "RECEIVER", "MaxResults": 101}, "MaxResults", "VALUE_OUT_OF_RANGE"),
        ({"Catalog": "AWS", "ParticipantType": "RECEIVER", "Status": ["PENDING"] * 11}, "Status", "TOO_MANY_VALUES"),
        ({"Catalog": "Foo", "ParticipantType": "RECEIVER"}, "Catalog", "INVALID_VALUE"),
        ({"Catalog": "AWS-1", "ParticipantType": "RECEIVER"}, "Catalog", "INVALID_STRING_FORMAT"),
        (
            {"Catalog": "AWS", "ParticipantType": "RECEIVER", "Sort": {"SortOrder": "UP", "SortBy": "InvitationDate"}},
            "Sort.SortOrder",
            "INVALID_ENUM_VALUE",
        ),
        (
            {"Catalog": "AWS", "ParticipantType": "RECEIVER", "EngagementIdentifier": ["eng-1"]},
            "EngagementIdentifier[0]",
            "INVALID_STRING_FORMAT",
        ),
    ],
)
def test_list_requests_outside_the_model_are_refused_like_partner_central(
    client: Any, emulator: PartnerCentralEmulator, request_params: dict[str, Any], field: str, code: str
) -> None:
    emulator.put(opportunity_invitation(1))
    with pytest.raises(ClientError) as raised:
        client.list_engagement_invitations(**request_params)
    assert refusal(raised) == ("ValidationException", "REQUEST_VALIDATION_FAILED", [(field, code)])
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize(
    ("identifier", "catalog", "code"),
    [
        ("engi-NOT-AN-ID", "AWS", "INVALID_STRING_FORMAT"),
        ("engi-0000000000001x", "AWS", "INVALID_STRING_FORMAT"),
        ("arn:aws:partnercentral:us-east-1::catalog/Sandbox/engagement-invitation/engi-0000000000001", "AWS", None),
    ],
)
def test_get_refuses_identifiers_outside_the_pattern_and_arns_of_another_catalog(
    client: Any, emulator: PartnerCentralEmulator, identifier: str, catalog: str, code: str | None
) -> None:
    emulator.put(opportunity_invitation(1))
    emulator.put(opportunity_invitation(1, catalog="Sandbox"))
    with pytest.raises(ClientError) as raised:
        client.get_engagement_invitation(Catalog=catalog, Identifier=identifier)
    assert refusal(raised) == (
        "ValidationException",
        "REQUEST_VALIDATION_FAILED",
        [("Identifier", code or "INVALID_VALUE")],
    )
    arn = opportunity_invitation(1, catalog="Sandbox")["Arn"]
    assert client.get_engagement_invitation(Catalog="Sandbox", Identifier=arn)["Catalog"] == "Sandbox"


def test_missing_members_and_wrong_types_are_refused_even_when_botocore_does_not_check(unvalidated: Any) -> None:
    with pytest.raises(ClientError) as raised:
        unvalidated.list_engagement_invitations(ParticipantType="RECEIVER", MaxResults="ten")
    assert refusal(raised) == (
        "ValidationException",
        "REQUEST_VALIDATION_FAILED",
        [("Catalog", "REQUIRED_FIELD_MISSING"), ("MaxResults", "INVALID_VALUE")],
    )


@pytest.mark.parametrize("token", ["not-a-token", "bm90IGpzb24=", "eyJvZmZzZXQiOiAtNX0="])
def test_an_undecodable_next_token_is_a_validation_exception_not_a_dropped_connection(
    client: Any, emulator: PartnerCentralEmulator, token: str
) -> None:
    emulator.put(opportunity_invitation(1))
    with pytest.raises(ClientError) as raised:
        client.list_engagement_invitations(Catalog="AWS", ParticipantType="RECEIVER", NextToken=token)
    assert refusal(raised) == ("ValidationException", "REQUEST_VALIDATION_FAILED", [("NextToken", "INVALID_VALUE")])


def test_next_tokens_expire_and_belong_to_their_query(client: Any, emulator: PartnerCentralEmulator) -> None:
    for number in range(1, 6):
        emulator.put(opportunity_invitation(number))
    query = {"Catalog": "AWS", "ParticipantType": "RECEIVER", "MaxResults": 2}
    token = client.list_engagement_invitations(**query)["NextToken"]
    assert len(client.list_engagement_invitations(**query, NextToken=token)["EngagementInvitationSummaries"]) == 2
    with pytest.raises(ClientError) as other_query:
        client.list_engagement_invitations(**query, Status=["PENDING"], NextToken=token)
    emulator.expire_list_tokens()
    with pytest.raises(ClientError) as expired:
        client.list_engagement_invitations(**query, NextToken=token)
    for raised in (other_query, expired):
        assert refusal(raised) == ("ValidationException", "REQUEST_VALIDATION_FAILED", [("NextToken", "INVALID_VALUE")])
    assert client.list_engagement_invitations(**query)["NextToken"]  # a new listing works


# --- answering invitations ---------------------------------------------------------------------


class Clock:
    """The emulator's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def clocked(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[PartnerCentralEmulator]:
    """An emulator of its own whose quotas, read lag and tasks follow `clock`."""
    with PartnerCentralEmulator(clock=clock) as running:
        monkeypatch.setenv("AWS_ENDPOINT_URL_PARTNERCENTRAL_SELLING", running.url)
        yield running


@pytest.fixture
def writer(clocked: PartnerCentralEmulator) -> Any:
    return partner_central()


def error_code(call: Callable[[], object]) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return str(raised.value.response["Error"]["Code"])


def listed(writer: Any, task_id: str) -> dict[str, Any]:
    [summary] = writer.list_engagement_by_accepting_invitation_tasks(Catalog="AWS", TaskIdentifier=[task_id])[
        "TaskSummaries"
    ]
    return dict(summary)


def test_an_opportunity_task_accepts_the_invitation_at_once_and_creates_the_opportunity_after(
    writer: Any, clocked: PartnerCentralEmulator
) -> None:
    """The task accepts the invitation first (status ACCEPTED and its event while the task is IN_PROGRESS), then
    creates the opportunity: a subscriber hears `Accepted` before the opportunity id exists."""
    invitation = opportunity_invitation(1)
    clocked.put(invitation)
    started = writer.start_engagement_by_accepting_invitation_task(
        Catalog="AWS", Identifier=invitation["Id"], ClientToken="answer-1"
    )
    assert (started["TaskStatus"], started["EngagementInvitationId"]) == ("IN_PROGRESS", invitation["Id"])
    assert re.fullmatch(r"task-[0-9a-z]{13}", started["TaskId"])
    assert writer.get_engagement_invitation(Catalog="AWS", Identifier=invitation["Id"])["Status"] == "ACCEPTED"
    assert clocked.take_events() == [invitation_event(clocked.truth("AWS", invitation["Id"]), ACCEPTED)]
    in_progress = listed(writer, started["TaskId"])  # TaskScript(): read once in progress
    assert (in_progress["TaskStatus"], in_progress.get("OpportunityId")) == ("IN_PROGRESS", None)

    done = listed(writer, started["TaskId"])
    assert done["TaskStatus"] == "COMPLETE"
    assert re.fullmatch(r"O[0-9]{1,19}", done["OpportunityId"])
    assert clocked.take_events() == []


def test_the_same_client_token_answers_the_same_task_and_accepts_once(
    writer: Any, clocked: PartnerCentralEmulator, clock: Clock
) -> None:
    invitation = opportunity_invitation(2)
    clocked.put(invitation)
    request = {"Catalog": "AWS", "Identifier": invitation["Id"], "ClientToken": "answer-2"}
    first = writer.start_engagement_by_accepting_invitation_task(**request)
    clock.now += 1  # the write quota
    again = writer.start_engagement_by_accepting_invitation_task(**request)
    clock.now += 1
    after_completion = writer.start_engagement_by_accepting_invitation_task(**request)
    assert first["TaskId"] == again["TaskId"] == after_completion["TaskId"]
    assert after_completion["TaskStatus"] == "COMPLETE"
    assert len(clocked.tasks()) == 1
    assert len(clocked.take_events()) == 1
    clock.now += 1
    another_token = {**request, "ClientToken": "answer-2-again"}
    assert error_code(lambda: writer.start_engagement_by_accepting_invitation_task(**another_token)) == (
        "ConflictException"
    )
    clock.now += 1
    other_invitation = {**request, "Identifier": opportunity_invitation(3)["Id"]}
    assert error_code(lambda: writer.start_engagement_by_accepting_invitation_task(**other_invitation)) == (
        "ConflictException"
    )


def test_a_scripted_task_fails_with_its_reason_code_and_leaves_the_invitation_pending(
    writer: Any, clocked: PartnerCentralEmulator, clock: Clock
) -> None:
    invitation = opportunity_invitation(4)
    clocked.put(invitation)
    clocked.script_tasks("AWS", invitation["Id"], TaskScript(reads_in_progress=0, reason_code="RequestThrottled"))
    task = writer.start_engagement_by_accepting_invitation_task(
        Catalog="AWS", Identifier=invitation["Id"], ClientToken="answer-4"
    )
    failed = listed(writer, task["TaskId"])
    assert (failed["TaskStatus"], failed["ReasonCode"]) == ("FAILED", "RequestThrottled")
    assert "OpportunityId" not in failed
    assert clocked.truth("AWS", invitation["Id"])["Status"] == "PENDING"
    assert clocked.take_events() == []

    clock.now += 1
    retried = writer.start_engagement_by_accepting_invitation_task(
        Catalog="AWS", Identifier=invitation["Id"], ClientToken="answer-4-second"
    )
    assert retried["TaskId"] != task["TaskId"]  # a new task after a failed one: the script queue is empty
    listed(writer, retried["TaskId"])
    assert listed(writer, retried["TaskId"])["TaskStatus"] == "COMPLETE"


def test_a_task_stays_in_progress_until_its_time_on_the_emulators_clock(
    writer: Any, clocked: PartnerCentralEmulator, clock: Clock
) -> None:
    invitation = opportunity_invitation(5)
    clocked.put(invitation)
    clocked.script_tasks("AWS", invitation["Id"], TaskScript(reads_in_progress=0, seconds_in_progress=30))
    task = writer.start_engagement_by_accepting_invitation_task(
        Catalog="AWS", Identifier=invitation["Id"], ClientToken="answer-5"
    )
    clock.now += 29
    assert [listed(writer, task["TaskId"])["TaskStatus"] for _ in range(3)] == ["IN_PROGRESS"] * 3
    assert (
        error_code(
            lambda: writer.reject_engagement_invitation(  # a task in progress holds the invitation
                Catalog="AWS", Identifier=invitation["Id"], RejectionReason="Other"
            )
        )
        == "ConflictException"
    )
    clock.now += 1
    assert clocked.truth("AWS", invitation["Id"])["Status"] == "ACCEPTED"  # done without anybody listing
    assert listed(writer, task["TaskId"])["TaskStatus"] == "COMPLETE"


def test_writes_above_one_per_second_are_throttled_across_every_write_operation(
    writer: Any, clocked: PartnerCentralEmulator, clock: Clock
) -> None:
    for number in (6, 7, 8):
        clocked.put(lead_invitation(number))
    writer.accept_engagement_invitation(Catalog="AWS", Identifier=lead_invitation(6)["Id"])
    clock.now += 0.5
    reject = {"Catalog": "AWS", "Identifier": lead_invitation(7)["Id"], "RejectionReason": "Other"}
    assert error_code(lambda: writer.reject_engagement_invitation(**reject)) == "ThrottlingException"
    assert writer.get_engagement_invitation(Catalog="AWS", Identifier=lead_invitation(8)["Id"])  # reads: own bucket
    clock.now += 0.5
    writer.reject_engagement_invitation(**reject)
    assert clocked.faults_injected["write quota throttle"] == 1
    assert clocked.truth("AWS", lead_invitation(7)["Id"])["Status"] == "REJECTED"  # the throttled call did nothing


def test_a_rejection_keeps_its_reason_and_hides_the_invitation_as_partner_central_does(
    writer: Any, clocked: PartnerCentralEmulator
) -> None:
    invitation = opportunity_invitation(9)
    clocked.put(invitation)
    writer.reject_engagement_invitation(Catalog="AWS", Identifier=invitation["Id"], RejectionReason="Unable to support")
    truth = clocked.truth("AWS", invitation["Id"])
    assert (truth["Status"], truth["RejectionReason"]) == ("REJECTED", "Unable to support")
    assert error_code(lambda: writer.get_engagement_invitation(Catalog="AWS", Identifier=invitation["Id"])) == (
        "ResourceNotFoundException"
    )
    assert clocked.take_events() == [invitation_event(truth, "Engagement Invitation Rejected")]


@pytest.mark.parametrize("status", ["ACCEPTED", "REJECTED", "EXPIRED"])
def test_an_invitation_that_is_not_pending_answers_conflict_to_every_write(
    writer: Any, clocked: PartnerCentralEmulator, clock: Clock, status: str
) -> None:
    lead, opportunity = lead_invitation(10, status=status), opportunity_invitation(11, status=status)
    clocked.put(lead)
    clocked.put(opportunity)
    calls = [
        lambda: writer.accept_engagement_invitation(Catalog="AWS", Identifier=lead["Id"]),
        lambda: writer.reject_engagement_invitation(Catalog="AWS", Identifier=lead["Id"], RejectionReason="Other"),
        lambda: writer.start_engagement_by_accepting_invitation_task(
            Catalog="AWS", Identifier=opportunity["Id"], ClientToken="late"
        ),
    ]
    codes = []
    for call in calls:
        clock.now += 1
        codes.append(error_code(call))
    assert codes == ["ConflictException"] * 3
    assert clocked.tasks() == []
    assert clocked.events == []


def test_each_payload_type_is_accepted_with_the_operation_aws_documents_for_it(
    writer: Any, clocked: PartnerCentralEmulator, clock: Clock
) -> None:
    opportunity, lead, plan = opportunity_invitation(12), lead_invitation(13), account_planning_invitation(14)
    for invitation in (opportunity, lead, plan):
        clocked.put(invitation)
    with pytest.raises(ClientError) as wrong_for_opportunity:
        writer.accept_engagement_invitation(Catalog="AWS", Identifier=opportunity["Id"])
    clock.now += 1
    with pytest.raises(ClientError) as wrong_for_lead:
        writer.start_engagement_by_accepting_invitation_task(Catalog="AWS", Identifier=lead["Id"], ClientToken="t")
    for raised in (wrong_for_opportunity, wrong_for_lead):
        assert refusal(raised)[:2] == ("ValidationException", "BUSINESS_VALIDATION_FAILED")
    assert "StartEngagementByAcceptingInvitationTask" in str(wrong_for_opportunity.value)
    clock.now += 1
    writer.accept_engagement_invitation(Catalog="AWS", Identifier=plan["Id"])
    assert clocked.truth("AWS", plan["Id"])["Status"] == "ACCEPTED"


def test_only_the_receiver_answers(writer: Any, clocked: PartnerCentralEmulator) -> None:
    sent = lead_invitation(15)
    clocked.put(sent, participant_type="SENDER")
    assert error_code(lambda: writer.accept_engagement_invitation(Catalog="AWS", Identifier=sent["Id"])) == (
        "AccessDeniedException"
    )
    assert clocked.truth("AWS", sent["Id"])["Status"] == "PENDING"


@pytest.mark.parametrize(
    ("operation", "request_params", "field", "code"),
    [
        (
            "start_engagement_by_accepting_invitation_task",
            {"Catalog": "AWS", "Identifier": "engi-000000000000g", "ClientToken": "x" * 65},
            "ClientToken",
            "INVALID_STRING_FORMAT",
        ),
        (
            "start_engagement_by_accepting_invitation_task",
            {"Catalog": "AWS", "Identifier": "engi-000000000000g", "ClientToken": "with space"},
            "ClientToken",
            "INVALID_STRING_FORMAT",
        ),
        (
            "reject_engagement_invitation",
            {"Catalog": "AWS", "Identifier": "engi-000000000000g", "RejectionReason": "x" * 81},
            "RejectionReason",
            "INVALID_STRING_FORMAT",
        ),
        ("accept_engagement_invitation", {"Catalog": "AWS"}, "Identifier", "REQUIRED_FIELD_MISSING"),
        (
            "list_engagement_by_accepting_invitation_tasks",
            {"Catalog": "AWS", "TaskStatus": ["DONE"]},
            "TaskStatus[0]",
            "INVALID_ENUM_VALUE",
        ),
    ],
)
def test_write_requests_outside_the_model_or_the_api_reference_are_refused(
    clocked: PartnerCentralEmulator, operation: str, request_params: dict[str, Any], field: str, code: str
) -> None:
    clocked.put(lead_invitation(16))
    unchecked = partner_central(parameter_validation=False)
    with pytest.raises(ClientError) as raised:
        getattr(unchecked, operation)(**request_params)
    assert refusal(raised) == ("ValidationException", "REQUEST_VALIDATION_FAILED", [(field, code)])
    assert clocked.truth("AWS", lead_invitation(16)["Id"])["Status"] == "PENDING"


def test_an_answer_lost_after_the_write_took_effect(writer: Any, clocked: PartnerCentralEmulator, clock: Clock) -> None:
    lead = lead_invitation(17)
    clocked.put(lead)
    clocked.fail_next("InternalServerException", "AcceptEngagementInvitation", after_effect=True)
    assert error_code(lambda: writer.accept_engagement_invitation(Catalog="AWS", Identifier=lead["Id"])) == (
        "InternalServerException"
    )
    assert clocked.truth("AWS", lead["Id"])["Status"] == "ACCEPTED"
    assert len(clocked.take_events()) == 1
    clock.now += 1
    assert error_code(lambda: writer.accept_engagement_invitation(Catalog="AWS", Identifier=lead["Id"])) == (
        "ConflictException"
    )


def test_get_lags_behind_an_answer_like_any_other_change(
    writer: Any, clocked: PartnerCentralEmulator, clock: Clock
) -> None:
    lead = lead_invitation(18)
    clocked.put(lead)
    clocked.faults.read_lag_seconds = 2.0
    writer.accept_engagement_invitation(Catalog="AWS", Identifier=lead["Id"])
    assert writer.get_engagement_invitation(Catalog="AWS", Identifier=lead["Id"])["Status"] == "PENDING"
    clock.now += 2
    assert writer.get_engagement_invitation(Catalog="AWS", Identifier=lead["Id"])["Status"] == "ACCEPTED"


def test_task_scripts_name_reason_codes_of_the_model(clocked: PartnerCentralEmulator) -> None:
    with pytest.raises(ModelViolation, match="NotAReason"):
        clocked.script_tasks("AWS", "engi-0000000000001", TaskScript(reason_code="NotAReason"))
