"""Publish-pending markers against moto: one without a lease timestamp never blocks its invitation."""

from datetime import UTC, datetime, timedelta

import boto3

from invitation_sync.adapters.partner_central import PartnerCentralInvitations
from invitation_sync.adapters.publisher import InvitationEventPublisher
from invitation_sync.adapters.store import InvitationStore
from invitation_sync.models.stored import content_hash
from invitation_sync.normalize import iso_utc, normalize
from invitation_sync.sync import InvitationSync, SyncOutcome
from local.samples import opportunity_invitation
from tests.conftest import LocalAws

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_a_pending_marker_without_a_lease_is_taken_over_and_published(local_aws: LocalAws) -> None:
    response = opportunity_invitation(31)
    local_aws.emulator.put(response)
    store = InvitationStore(boto3.client("dynamodb"), local_aws.resources.table_name)
    invitation = normalize(response)
    # An item as a writer that crashed before its publish left it, without a lease timestamp
    # (an older release, or a hand repair that removed it).
    store.save(invitation, content_hash(invitation), iso_utc(NOW), "evt-crashed", iso_utc(NOW))
    key = {"catalog": {"S": "AWS"}, "id": {"S": invitation.id}}
    table = local_aws.resources.table_name
    local_aws.dynamodb.update_item(TableName=table, Key=key, UpdateExpression="REMOVE publishLeaseUntil")
    stored = store.get("AWS", invitation.id)
    assert stored is not None
    assert (stored.publish_pending, stored.publish_lease_until) == (True, None)

    sync = InvitationSync(
        PartnerCentralInvitations(boto3.client("partnercentral-selling", region_name="us-east-1")),
        store,
        InvitationEventPublisher(boto3.client("sns"), local_aws.resources.topic_arn),
        catalogs=frozenset({"AWS"}),
        clock=lambda: NOW + timedelta(minutes=1),
        sleep=lambda _: None,
    )
    result = sync.sync_invitation("AWS", invitation.id, "evt-next")

    assert (result.outcome, result.completed_pending, result.version) == (SyncOutcome.UNCHANGED, 1, 1)
    [message] = local_aws.published()
    assert (message.body["eventType"], message.body["version"]) == ("invitation.created", 1)
    item = local_aws.dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert "publishPending" not in item


def test_a_lease_taken_over_is_held_until_it_expires(local_aws: LocalAws) -> None:
    store = InvitationStore(boto3.client("dynamodb"), local_aws.resources.table_name)
    invitation = normalize(opportunity_invitation(32))
    store.save(invitation, content_hash(invitation), iso_utc(NOW), "evt-crashed", iso_utc(NOW))
    key = {"catalog": {"S": "AWS"}, "id": {"S": invitation.id}}
    local_aws.dynamodb.update_item(
        TableName=local_aws.resources.table_name, Key=key, UpdateExpression="REMOVE publishLeaseUntil"
    )
    stored = store.get("AWS", invitation.id)
    assert stored is not None
    lease_until = iso_utc(NOW + timedelta(seconds=15))

    assert store.lease_publish(stored, iso_utc(NOW), lease_until)
    assert not store.lease_publish(stored, iso_utc(NOW + timedelta(seconds=5)), lease_until)  # held
    assert store.lease_publish(stored, iso_utc(NOW + timedelta(seconds=15)), iso_utc(NOW + timedelta(seconds=30)))
