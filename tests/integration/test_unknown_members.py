"""A union member the pinned botocore model lacks is kept whole, from the HTTP body, and its changes
are stored and published like any other (emulator serving the member over HTTP, moto for the rest)."""

from typing import Any

import boto3

from invitation_sync.adapters.partner_central import PartnerCentralInvitations
from invitation_sync.adapters.publisher import InvitationEventPublisher
from invitation_sync.adapters.store import InvitationStore
from invitation_sync.models.invitation import UnknownPayload
from invitation_sync.normalize import normalize, normalize_summary
from invitation_sync.sync import InvitationSync, SyncOutcome
from local import event_source
from local.samples import invitation_event, opportunity_invitation
from tests.conftest import LocalAws

REFERRAL = "PartnerReferralInvitation"


def referral(score: int, note: str) -> dict[str, Any]:
    """A payload type botocore does not know, in wire form (PascalCase, epoch-second timestamps)."""
    return {
        "Score": score,
        "Weight": 0.75,
        "ReferredAt": 1767225600,
        "Referrer": {"CompanyName": "Initech", "Contacts": [{"Email": "sam@example.com"}]},
        "Note": note,
        "Tags": [],
    }


def serve_referral(local_aws: LocalAws, number: int, score: int = 7, note: str = "first look") -> str:
    response = {**opportunity_invitation(number), "PayloadType": REFERRAL}
    local_aws.emulator.put(response)
    local_aws.emulator.serve_unknown_member("AWS", response["Id"], "Payload", REFERRAL, referral(score, note))
    return str(response["Id"])


def partner_central() -> PartnerCentralInvitations:
    return PartnerCentralInvitations(boto3.client("partnercentral-selling", region_name="us-east-1"))


def test_an_unknown_payload_is_normalized_whole_from_the_http_body(local_aws: LocalAws) -> None:
    invitation_id = serve_referral(local_aws, 41)

    payload = normalize(partner_central().get("AWS", invitation_id)).payload

    assert isinstance(payload, UnknownPayload)
    assert payload.type == REFERRAL
    assert payload.raw == {  # camelCase like the known members; values as on the wire
        "score": 7,
        "weight": "0.75",
        "referredAt": 1767225600,
        "referrer": {"companyName": "Initech", "contacts": [{"email": "sam@example.com"}]},
        "note": "first look",
        "tags": [],
    }


def test_a_change_inside_an_unknown_payload_is_a_new_version_and_an_update(local_aws: LocalAws) -> None:
    invitation_id = serve_referral(local_aws, 42)
    sync = InvitationSync(
        partner_central(),
        InvitationStore(boto3.client("dynamodb"), local_aws.resources.table_name),
        InvitationEventPublisher(boto3.client("sns"), local_aws.resources.topic_arn),
        catalogs=frozenset({"AWS"}),
    )
    assert sync.sync_invitation("AWS", invitation_id, "evt-1").outcome == SyncOutcome.STORED
    assert sync.sync_invitation("AWS", invitation_id, "evt-2").outcome == SyncOutcome.UNCHANGED
    local_aws.emulator.serve_unknown_member("AWS", invitation_id, "Payload", REFERRAL, referral(9, "second look"))

    result = sync.sync_invitation("AWS", invitation_id, "evt-3")

    assert (result.outcome, result.version) == (SyncOutcome.STORED, 2)
    created, updated = local_aws.published()
    assert (created.body["eventType"], updated.body["eventType"]) == ("invitation.created", "invitation.updated")
    assert updated.body["previousStatus"] == "PENDING"
    before, after = created.body["invitation"]["payload"]["raw"], updated.body["invitation"]["payload"]["raw"]
    assert (before["score"], before["note"]) == (7, "first look")
    assert (after["score"], after["note"]) == (9, "second look")
    assert (after["weight"], after["referredAt"]) == ("0.75", 1767225600)  # numbers as normalized, after the table


def test_a_number_dynamodb_cannot_hold_in_an_unknown_payload_is_parked_with_the_attribute_named(
    local_aws: LocalAws,
) -> None:
    invitation_id = serve_referral(local_aws, 44, score=10**40 + 1)  # 41 significant digits: DynamoDB has 38

    result = event_source.deliver(invitation_event(local_aws.emulator.truth("AWS", invitation_id)))

    assert (result["outcome"], result["errorType"]) == ("parked", "StoreRequestError")
    assert str(result["reason"]).startswith("invitation holds a number DynamoDB cannot take exactly")
    assert local_aws.item_count() == 0
    assert local_aws.published() == []


def test_an_unknown_receiver_in_a_list_summary_is_kept(local_aws: LocalAws) -> None:
    response = opportunity_invitation(43)
    local_aws.emulator.put(response)
    local_aws.emulator.serve_unknown_member("AWS", response["Id"], "Receiver", "Group", {"GroupId": "grp-42"})

    [summary], _ = partner_central().list_page("AWS", "RECEIVER", None)

    receiver = normalize_summary(summary).model_dump(by_alias=True)["receiver"]
    assert receiver == {"type": "Group", "awsAccountId": None, "alias": None, "raw": {"groupId": "grp-42"}}
