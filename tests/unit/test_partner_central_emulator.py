"""The emulator speaks botocore's wire protocol and refuses data botocore's model does not allow."""

from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local.partner_central_emulator import ModelViolation, PartnerCentralEmulator
from local.samples import lead_invitation, opportunity_invitation


@pytest.fixture
def client(emulator: PartnerCentralEmulator, monkeypatch: pytest.MonkeyPatch) -> Any:
    emulator.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL_PARTNERCENTRAL_SELLING", emulator.url)
    return boto3.client(
        "partnercentral-selling",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


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
    return boto3.client(
        "partnercentral-selling",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}, parameter_validation=False),
    )


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
