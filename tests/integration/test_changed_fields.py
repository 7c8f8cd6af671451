"""`changedFields` through the real handler: derived from the version the conditional write replaced,
the same whoever finishes the publish (the writer, a redelivery's take-over, the reconciler)."""

import copy
from typing import Any

import boto3
import pytest

from invitation_sync.adapters.partner_central import PartnerCentralInvitations
from invitation_sync.adapters.publisher import InvitationEventPublisher
from invitation_sync.adapters.store import InvitationStore
from invitation_sync.sync import InvitationSync
from local import event_source
from local.faults import ClientFaults
from local.samples import invitation_event, opportunity_invitation
from tests.conftest import LocalAws

ACCEPTED, REJECTED = "Engagement Invitation Accepted", "Engagement Invitation Rejected"


def deliver(response: dict[str, Any], detail_type: str = "Engagement Invitation Created") -> dict[str, Any]:
    """One event through the event queue and the sync handler; its record's outcome."""
    return event_source.deliver(invitation_event(response, detail_type))


def stored_then_changed(local_aws: LocalAws, number: int, change: Any, detail_type: str) -> dict[str, Any]:
    """Store invitation `number`, apply `change` to Partner Central's copy, deliver; the second message."""
    invitation = opportunity_invitation(number)
    local_aws.emulator.put(invitation)
    deliver(invitation)
    changed = copy.deepcopy(invitation)
    change(changed)
    local_aws.emulator.put(changed)
    deliver(changed, detail_type)
    created, update = local_aws.published()
    assert "changedFields" not in created.body  # absent on invitation.created
    body: dict[str, Any] = update.body
    return body


def opportunity(response: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = response["Payload"]["OpportunityInvitation"]
    return payload


@pytest.mark.parametrize(
    ("change", "detail_type", "event_type", "changed_fields"),
    [
        (lambda r: r.update(Status="ACCEPTED"), ACCEPTED, "invitation.accepted", ["status"]),
        (
            lambda r: opportunity(r)["Project"].update(Title="Lakehouse migration"),
            "Engagement Invitation Created",
            "invitation.updated",
            ["payload.project.title"],
        ),
        (
            lambda r: opportunity(r)["SenderContacts"][0].update(Phone="+14155550199"),
            "Engagement Invitation Created",
            "invitation.updated",
            ["payload.senderContacts"],
        ),
        (
            lambda r: r.update(Status="ACCEPTED", ExpirationDate=r["ExpirationDate"].replace(day=9)),
            ACCEPTED,
            "invitation.accepted",
            ["expirationDate", "status"],
        ),
    ],
    ids=["status only", "nested payload field", "list member", "several at once"],
)
def test_changed_fields_name_the_paths_that_changed(
    local_aws: LocalAws, change: Any, detail_type: str, event_type: str, changed_fields: list[str]
) -> None:
    body = stored_then_changed(local_aws, 1, change, detail_type)

    assert (body["eventType"], body["version"], body["changedFields"]) == (event_type, 2, changed_fields)


def test_an_inaccessible_invitation_changes_only_its_status_and_details_flag(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(2)
    local_aws.emulator.put(invitation)
    deliver(invitation)
    local_aws.emulator.make_inaccessible("AWS", invitation["Id"])

    deliver(invitation, REJECTED)

    _, rejected = local_aws.published()
    # Everything we knew is kept: no payload member reads as removed.
    assert rejected.body["changedFields"] == ["detailsRetrievable", "status"]


def sync_for(local_aws: LocalAws, store: InvitationStore) -> InvitationSync:
    return InvitationSync(
        PartnerCentralInvitations(boto3.client("partnercentral-selling", region_name="us-east-1")),
        store,
        InvitationEventPublisher(boto3.client("sns"), local_aws.resources.topic_arn),
        catalogs=frozenset({"AWS"}),
    )


@pytest.mark.parametrize("finisher", ["redelivery", "reconciler"])
def test_whoever_finishes_a_pending_publish_sends_the_same_changed_fields(local_aws: LocalAws, finisher: str) -> None:
    invitation = opportunity_invitation(3)
    local_aws.emulator.put(invitation)
    with ClientFaults() as faults:  # before the function's clients exist: they copy the session's hooks
        deliver(invitation)
        local_aws.emulator.update("AWS", invitation["Id"], Status="ACCEPTED", EngagementTitle="Accepted engagement")
        faults.fail_next("sns.Publish")
        assert deliver(invitation, ACCEPTED)["errorType"] == "PublishError"
    store = InvitationStore(boto3.client("dynamodb"), local_aws.resources.table_name)
    pending = store.get("AWS", invitation["Id"])
    assert pending is not None
    assert pending.publish_pending

    if finisher == "redelivery":
        assert deliver(invitation, ACCEPTED)["completed_pending"] == 1
    else:
        assert sync_for(local_aws, store).finish_pending_publish(pending)

    _, accepted = local_aws.published()
    assert (accepted.body["version"], accepted.body["changedFields"]) == (2, ["engagementTitle", "status"])
    item = local_aws.dynamodb.get_item(
        TableName=local_aws.resources.table_name, Key={"catalog": {"S": "AWS"}, "id": {"S": invitation["Id"]}}
    )["Item"]
    assert "previousInvitation" not in item  # kept only while the publish was pending
