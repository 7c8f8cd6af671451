"""The real handler against moto (DynamoDB, SNS, SQS) and the Partner Central emulator over HTTP."""

import threading
from typing import Any

import boto3
import pytest

from invitation_sync.adapters.partner_central import PartnerCentralInvitations
from invitation_sync.adapters.publisher import InvitationEventPublisher
from invitation_sync.adapters.store import InvitationStore
from invitation_sync.normalize import normalize
from invitation_sync.sync import InvitationSync, SyncOutcome
from local import event_source
from local.faults import ClientFaults
from local.samples import invitation_event, lead_invitation, opportunity_invitation
from tests.conftest import LocalAws

pytestmark = pytest.mark.clock

CREATED, ACCEPTED = "Engagement Invitation Created", "Engagement Invitation Accepted"
REJECTED, EXPIRED = "Engagement Invitation Rejected", "Engagement Invitation Expired"


def deliver(response: dict[str, Any], detail_type: str = CREATED, event_id: str | None = None) -> dict[str, Any]:
    return event_source.deliver(invitation_event(response, detail_type, event_id))


def stored_item(local_aws: LocalAws, catalog: str, invitation_id: str) -> dict[str, Any]:
    key = {"catalog": {"S": catalog}, "id": {"S": invitation_id}}
    item: dict[str, Any] = local_aws.dynamodb.get_item(TableName=local_aws.resources.table_name, Key=key)["Item"]
    return item


def test_created_invitation_is_stored_and_published(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(1)
    local_aws.emulator.put(invitation)

    result = deliver(invitation)

    assert result["outcome"] == "stored"
    assert result["version"] == 1
    item = stored_item(local_aws, "AWS", invitation["Id"])
    assert item["version"] == {"N": "1"}
    assert item["status"] == {"S": "PENDING"}
    assert item["invitation"]["M"]["payload"]["M"]["project"]["M"]["title"] == {"S": "Data platform migration"}
    assert "publishPending" not in item  # cleared after the publish
    assert item["sourceEventId"] == {"S": f"evt-{invitation['Id']}-created"}
    [message] = local_aws.published()
    assert message.attributes == {
        "eventType": "invitation.created",
        "catalog": "AWS",
        "status": "PENDING",
        "payloadType": "OpportunityInvitation",
    }
    body = message.body
    assert (body["schemaVersion"], body["eventType"], body["version"]) == ("1.0", "invitation.created", 1)
    assert body["invitation"]["id"] == invitation["Id"]
    assert body["invitation"]["payload"]["project"]["expectedCustomerSpend"][0]["amount"] == "12500.50"
    assert body["occurredAt"] == item["syncedAt"]["S"]


@pytest.mark.parametrize(
    ("status", "detail_type", "event_type"),
    [
        ("ACCEPTED", ACCEPTED, "invitation.accepted"),
        ("REJECTED", REJECTED, "invitation.rejected"),
        ("EXPIRED", EXPIRED, "invitation.expired"),
    ],
)
def test_status_changes_publish_their_event_type(
    local_aws: LocalAws, status: str, detail_type: str, event_type: str
) -> None:
    invitation = opportunity_invitation(2)
    local_aws.emulator.put(invitation)
    deliver(invitation)
    local_aws.emulator.update("AWS", invitation["Id"], Status=status)

    result = deliver(invitation, detail_type)

    assert (result["outcome"], result["version"], result["event_type"]) == ("stored", 2, event_type)
    created, changed = local_aws.published()
    assert created.body["eventType"] == "invitation.created"
    assert (changed.body["eventType"], changed.body["previousStatus"], changed.attributes["status"]) == (
        event_type,
        "PENDING",
        status,
    )
    assert created.body["eventId"] != changed.body["eventId"]
    assert stored_item(local_aws, "AWS", invitation["Id"])["catalogStatus"] == {"S": f"AWS#{status}"}


def test_a_content_update_publishes_invitation_updated(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(3)
    local_aws.emulator.put(invitation)
    deliver(invitation)
    local_aws.emulator.update("AWS", invitation["Id"], EngagementTitle="Renamed engagement")

    assert deliver(invitation)["event_type"] == "invitation.updated"
    assert [m.body["eventType"] for m in local_aws.published()] == [
        "invitation.created",
        "invitation.updated",
    ]


def test_a_cleared_field_is_removed_from_the_item(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(4)
    local_aws.emulator.put(invitation)
    deliver(invitation)
    without_engagement = {k: v for k, v in invitation.items() if k != "EngagementId"}
    local_aws.emulator.put(without_engagement)

    deliver(invitation)

    item = stored_item(local_aws, "AWS", invitation["Id"])
    assert "engagementId" not in item
    assert "engagementId" not in item["invitation"]["M"]


def test_duplicate_delivery_publishes_nothing(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(5)
    local_aws.emulator.put(invitation)
    deliver(invitation)

    again = deliver(invitation)
    through_another_event = deliver(invitation, event_id="some-other-event")

    assert again["outcome"] == through_another_event["outcome"] == "unchanged"
    assert len(local_aws.published()) == 1
    assert stored_item(local_aws, "AWS", invitation["Id"])["version"] == {"N": "1"}


def test_a_late_pending_answer_never_moves_a_final_status_back(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(6)
    local_aws.emulator.put({**invitation, "Status": "ACCEPTED"})
    deliver(invitation, ACCEPTED)
    local_aws.emulator.put(invitation)  # a stale read answers PENDING again

    result = deliver(invitation, CREATED)

    assert result["outcome"] == "stale"
    assert stored_item(local_aws, "AWS", invitation["Id"])["status"] == {"S": "ACCEPTED"}
    assert len(local_aws.published()) == 1


def sync_for(local_aws: LocalAws) -> InvitationSync:
    return InvitationSync(
        PartnerCentralInvitations(boto3.client("partnercentral-selling", region_name="us-east-1")),
        InvitationStore(boto3.client("dynamodb"), local_aws.resources.table_name),
        InvitationEventPublisher(boto3.client("sns"), local_aws.resources.topic_arn),
        catalogs=frozenset({"AWS", "Sandbox"}),
    )


def test_an_older_fetch_never_overwrites_a_newer_one(local_aws: LocalAws) -> None:
    sync = sync_for(local_aws)
    pending = normalize(opportunity_invitation(7))
    accepted = normalize({**opportunity_invitation(7), "Status": "ACCEPTED"})
    renamed = normalize({**opportunity_invitation(7), "EngagementTitle": "Older fetch"})

    assert sync.store_and_publish(pending, "2026-11-26T10:00:00.000Z", "e1").outcome == SyncOutcome.STORED
    assert sync.store_and_publish(accepted, "2026-11-26T10:00:02.000Z", "e2").outcome == SyncOutcome.STORED
    # Fetched between the two, delivered last: refused although its content is new.
    assert sync.store_and_publish(renamed, "2026-11-26T10:00:01.000Z", "e3").outcome == SyncOutcome.STALE

    assert [m.body["version"] for m in local_aws.published()] == [1, 2]


def test_concurrent_deliveries_of_two_changes_store_and_publish_each_version_once(
    local_aws: LocalAws,
) -> None:
    invitation = opportunity_invitation(8)
    local_aws.emulator.put(invitation)
    deliver(invitation)
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def worker(index: int) -> None:
        barrier.wait()
        outcomes.append(deliver(invitation, ACCEPTED, event_id=f"concurrent-{index}")["outcome"])

    local_aws.emulator.update("AWS", invitation["Id"], Status="ACCEPTED", EngagementTitle="Accepted title")
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    published = local_aws.published()
    assert sorted(m.body["version"] for m in published) == [1, 2]
    assert outcomes.count("stored") == 1
    item = stored_item(local_aws, "AWS", invitation["Id"])
    assert (item["status"], item["version"]) == ({"S": "ACCEPTED"}, {"N": "2"})


def test_sandbox_catalog_syncs_into_its_own_partition(local_aws: LocalAws) -> None:
    invitation = lead_invitation(9, catalog="Sandbox")
    local_aws.emulator.put(invitation)

    deliver(invitation)

    item = stored_item(local_aws, "Sandbox", invitation["Id"])
    assert item["catalogStatus"] == {"S": "Sandbox#PENDING"}
    [message] = local_aws.published()
    assert (message.attributes["catalog"], message.attributes["payloadType"]) == ("Sandbox", "LeadInvitation")
    assert local_aws.emulator.calls_to("GetEngagementInvitation")[-1].params["Catalog"] == "Sandbox"


def test_a_failed_publish_is_finished_by_the_retry(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(10)
    local_aws.emulator.put(invitation)
    with ClientFaults() as faults:
        faults.fail_next("sns.Publish", code="InternalError", status=500)
        failed = deliver(invitation)
        assert (failed["outcome"], failed["errorType"]) == ("retry", "PublishError")
        assert "SNS Publish" in str(failed["reason"])
        assert stored_item(local_aws, "AWS", invitation["Id"])["publishPending"] == {"BOOL": True}
        assert local_aws.published() == []

        retried = deliver(invitation)  # Lambda's async retry of the same event

    assert (retried["outcome"], retried["completed_pending"]) == ("unchanged", 1)
    [message] = local_aws.published()
    assert (message.body["eventType"], message.body["version"]) == ("invitation.created", 1)
    assert "publishPending" not in stored_item(local_aws, "AWS", invitation["Id"])


def test_a_pending_publish_is_finished_before_the_next_change_is_stored(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(11)
    local_aws.emulator.put(invitation)
    with ClientFaults() as faults:
        faults.fail_next("sns.Publish")
        assert deliver(invitation)["errorType"] == "PublishError"
        local_aws.emulator.update("AWS", invitation["Id"], Status="ACCEPTED")
        result = deliver(invitation, ACCEPTED)

    assert (result["outcome"], result["version"], result["completed_pending"]) == ("stored", 2, 1)
    assert [m.body["eventType"] for m in local_aws.published()] == [
        "invitation.created",
        "invitation.accepted",
    ]
    assert local_aws.emulator.calls_to("GetEngagementInvitation")[-1].params["Identifier"] == invitation["Id"]
