"""The fast seeding path writes exactly the item a real store write (and its cleared marker) leaves."""

import pytest

from invitation_sync.adapters.store import InvitationStore
from invitation_sync.models.stored import content_hash
from invitation_sync.normalize import normalize
from local.samples import account_planning_invitation, lead_invitation, opportunity_invitation
from local.seeding import SEED_SOURCE, stored_item
from tests.conftest import LocalAws

pytestmark = pytest.mark.clock


@pytest.mark.parametrize(
    "response",
    [opportunity_invitation(1), lead_invitation(2, status="REJECTED"), account_planning_invitation(3)],
    ids=["opportunity", "rejected lead", "account planning"],
)
def test_a_seeded_item_equals_what_the_store_writes(local_aws: LocalAws, response: dict[str, object]) -> None:
    store = InvitationStore(local_aws.dynamodb, local_aws.resources.table_name)
    invitation = normalize(response)
    synced_at = "2026-11-26T10:00:00.000Z"
    saved = store.save(invitation, content_hash(invitation), synced_at, SEED_SOURCE, synced_at)
    assert saved.saved
    assert store.clear_publish_pending(saved.current)
    key = {"catalog": {"S": invitation.catalog}, "id": {"S": invitation.id}}
    written = local_aws.dynamodb.get_item(TableName=local_aws.resources.table_name, Key=key)["Item"]

    assert stored_item(invitation, synced_at) == written
