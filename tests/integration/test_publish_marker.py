"""Publish-pending markers against moto: one without a lease timestamp never blocks its invitation, and a
lease that a failed publish could not release blocks it only until the lease runs out."""

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders

from invitation_sync.adapters.partner_central import PartnerCentralInvitations
from invitation_sync.adapters.publisher import InvitationEventPublisher
from invitation_sync.adapters.store import InvitationStore
from invitation_sync.budgets import PUBLISH_LEASE_SECONDS
from invitation_sync.errors import ConcurrentChangeError, PublishError
from invitation_sync.models.stored import content_hash
from invitation_sync.normalize import iso_utc, normalize
from invitation_sync.sync import InvitationSync, SyncOutcome
from local.faults import ClientFaults
from local.samples import opportunity_invitation
from tests.conftest import LocalAws

pytestmark = pytest.mark.clock

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


class _Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _fail_lease_release(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
    """DynamoDB refuses the release that follows a failed publish (and only that write)."""
    if b"SET publishLeaseUntil = :now" not in params["body"]:
        return None
    parsed = {"Error": {"Code": "InternalServerError", "Message": "injected"}, "ResponseMetadata": {}}
    return AWSResponse("https://fault.invalid", 500, HTTPHeaders(), None), parsed


def test_a_lease_a_failed_publish_could_not_release_blocks_until_it_runs_out(local_aws: LocalAws) -> None:
    """The CI failure's path, made deterministic: the publish fails, releasing its lease fails too; the
    next deliveries wait for the lease (no success reported, nothing published), then one takes over."""
    response = opportunity_invitation(33)
    local_aws.emulator.put(response)
    clock = _Clock()
    with ClientFaults() as faults:
        dynamodb = boto3.client("dynamodb")
        refuse_release: Any = _fail_lease_release  # botocore types hooks as returning None; before-call may answer
        dynamodb.meta.events.register("before-call.dynamodb.UpdateItem", refuse_release)
        sync = InvitationSync(
            PartnerCentralInvitations(boto3.client("partnercentral-selling", region_name="us-east-1")),
            InvitationStore(dynamodb, local_aws.resources.table_name),
            InvitationEventPublisher(boto3.client("sns"), local_aws.resources.topic_arn),
            catalogs=frozenset({"AWS"}),
            clock=clock,
            sleep=clock.sleep,
        )
        faults.fail_next("sns.Publish")
        with pytest.raises(PublishError):
            sync.sync_invitation("AWS", response["Id"], "evt-1")
        dynamodb.meta.events.unregister("before-call.dynamodb.UpdateItem", refuse_release)

        clock.now = NOW + timedelta(seconds=PUBLISH_LEASE_SECONDS - 5)
        with pytest.raises(ConcurrentChangeError):
            sync.sync_invitation("AWS", response["Id"], "evt-2")
        assert local_aws.published() == []

        clock.now = NOW + timedelta(seconds=PUBLISH_LEASE_SECONDS + 1)
        result = sync.sync_invitation("AWS", response["Id"], "evt-3")

    assert (result.outcome, result.completed_pending, result.version) == (SyncOutcome.UNCHANGED, 1, 1)
    [message] = local_aws.published()
    assert (message.body["eventType"], message.body["version"]) == ("invitation.created", 1)
    assert faults.injected["sns.Publish:InternalError"] == 1
