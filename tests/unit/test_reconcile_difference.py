"""What makes the reconciler update a stored invitation whose details Partner Central no longer serves."""

from invitation_sync.models.invitation import Invitation
from invitation_sync.models.stored import StoredInvitation
from invitation_sync.normalize import normalize_summary
from invitation_sync.reconcile import _difference

SUMMARY = {
    "Id": "engi-0000000000001",
    "Catalog": "AWS",
    "Status": "REJECTED",
    "EngagementTitle": "Data platform",
    "ParticipantType": "RECEIVER",
}


def _stored(invitation: Invitation) -> StoredInvitation:
    return StoredInvitation(invitation=invitation, version=1, content_hash="h", synced_at="2026-11-26T00:00:00.000Z")


def test_an_inaccessible_item_is_updated_with_what_only_the_summary_has() -> None:
    kept = Invitation(id="engi-0000000000001", catalog="AWS", status="REJECTED", details_retrievable=False)
    assert _difference(SUMMARY, normalize_summary(SUMMARY), _stored(kept)) == "summary has more: engagement_title"


def test_a_summary_member_this_release_does_not_declare_is_not_compared_and_stops_nothing() -> None:
    # A newer SDK model can add a summary member: it is kept on the summary, not on the stored invitation.
    summary = {**SUMMARY, "ShinyNewMember": "value"}
    kept = Invitation(
        id="engi-0000000000001",
        catalog="AWS",
        status="REJECTED",
        engagement_title="Data platform",
        details_retrievable=False,
    )
    assert _difference(summary, normalize_summary(summary), _stored(kept)) is None
