"""Normalization of every payload type, straight from botocore-shaped responses."""

from datetime import UTC, datetime, timedelta

import botocore.session
import pytest

from invitation_sync.models.invitation import (
    AccountPlanningPayload,
    LeadPayload,
    OpportunityPayload,
    UnknownPayload,
)
from invitation_sync.normalize import camelize, normalize
from local.samples import (
    INVITED_AT,
    account_planning_invitation,
    lead_invitation,
    minimal_invitation,
    opportunity_invitation,
)

pytestmark = pytest.mark.clock

RESPONSE_MEMBERS = (
    botocore.session.get_session()
    .get_service_model("partnercentral-selling")
    .operation_model("GetEngagementInvitation")
    .output_shape.members  # type: ignore[union-attr]
)


def test_every_response_member_has_a_field_in_json() -> None:
    names = set(normalize(opportunity_invitation(1)).model_dump(by_alias=True))
    expected = {name[0].lower() + name[1:] for name in RESPONSE_MEMBERS}
    assert expected <= names, f"missing: {expected - names}"


def test_opportunity_invitation_is_flattened_with_exact_amounts_and_utc_dates() -> None:
    invitation = normalize(opportunity_invitation(1, amount="1234567890123.05"))
    payload = invitation.payload
    assert isinstance(payload, OpportunityPayload)
    assert payload.customer is not None
    assert payload.customer.company_name == "Globex Corporation"
    assert payload.project is not None
    assert payload.project.title == "Data platform migration"
    assert payload.project.expected_customer_spend[0].amount == "1234567890123.05"
    assert payload.sender_contacts[0].email == "pat.doe@example.com"
    assert payload.receiver_responsibilities == ["Software Partner"]
    assert invitation.invitation_date == (INVITED_AT + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert invitation.receiver is not None
    assert invitation.receiver.aws_account_id == "111122223333"
    assert invitation.project_title == "Data platform migration"
    dumped = invitation.model_dump(mode="json", by_alias=True)
    assert dumped["payload"]["project"]["expectedCustomerSpend"][0]["currencyCode"] == "USD"
    assert dumped["existingMembers"][0]["companyName"] == "Example Partner Ltd"


def test_lead_invitation_is_flattened() -> None:
    payload = normalize(lead_invitation(2)).payload
    assert isinstance(payload, LeadPayload)
    assert payload.customer is not None
    assert payload.customer.market_segment == "Mid-Market"
    assert payload.interaction is not None
    assert payload.interaction.usecase == "Analytics"


def test_account_planning_invitation_is_flattened() -> None:
    payload = normalize(account_planning_invitation(3)).payload
    assert isinstance(payload, AccountPlanningPayload)
    assert payload.account_identifier == "cust-acc-0000000000001"
    assert payload.preferred_contact is not None
    assert payload.preferred_contact.timezone == "Europe/London"


def test_minimal_invitation_has_only_id_and_catalog() -> None:
    invitation = normalize(minimal_invitation(4))
    assert (invitation.id, invitation.catalog, invitation.status, invitation.payload) == (
        "engi-0000000000004",
        "AWS",
        None,
        None,
    )
    assert invitation.project_title is None


def test_unknown_payload_type_is_kept_raw() -> None:
    response = {
        **minimal_invitation(5),
        "Payload": {"PartnerReferral": {"Score": "High", "When": datetime(2026, 1, 1)}},
    }
    payload = normalize(response).payload
    assert isinstance(payload, UnknownPayload)
    assert payload.type == "PartnerReferral"
    assert payload.raw == {"score": "High", "when": "2026-01-01T00:00:00.000Z"}


def test_sdk_unknown_member_never_crashes() -> None:
    response = {**minimal_invitation(6), "Payload": {"SDK_UNKNOWN_MEMBER": {"name": "FutureInvitation"}}}
    payload = normalize(response).payload
    assert isinstance(payload, UnknownPayload)
    assert payload.type == "FutureInvitation"


def test_unknown_top_level_members_are_kept() -> None:
    response = {**minimal_invitation(7), "BrandNewMember": {"NestedValue": 1}}
    assert normalize(response).model_dump(by_alias=True)["brandNewMember"] == {"nestedValue": 1}


def test_an_arn_identifier_in_the_answer_keys_like_an_id() -> None:
    response = {"Id": "arn:aws:partnercentral:us-east-1::catalog/AWS/engagement-invitation/engi-0000000000008"}
    assert normalize({**response, "Catalog": "AWS"}).id == "engi-0000000000008"


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC), "2026-03-01T12:00:00.123Z"),
        (datetime(2026, 3, 1, 12, 0), "2026-03-01T12:00:00.000Z"),
    ],
)
def test_timestamps_become_fixed_width_iso_utc(moment: datetime, text: str) -> None:
    assert camelize({"When": moment}) == {"when": text}
