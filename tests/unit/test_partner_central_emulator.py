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
