"""The content hash survives releases that add optional fields, and still sees every real change."""

from typing import Any

import pytest
from pydantic import Field

from invitation_sync.models.invitation import Customer, Invitation, OpportunityPayload
from invitation_sync.models.stored import content_hash
from invitation_sync.normalize import normalize
from local.samples import minimal_invitation, opportunity_invitation


class NextReleaseCustomer(Customer):
    employee_count: int | None = None


class NextReleaseOpportunity(OpportunityPayload):
    customer: NextReleaseCustomer | None = None
    competitors: list[str] = Field(default_factory=list)


class NextReleaseInvitation(Invitation):
    """What a later release might add: optional fields with empty and with non-empty defaults."""

    payload: NextReleaseOpportunity | None = None
    partner_notes: str | None = None
    tags: list[str] = Field(default_factory=list)
    labels: dict[str, str] = Field(default_factory=dict)
    shareable: bool = True


def as_next_release(invitation: Invitation) -> NextReleaseInvitation:
    return NextReleaseInvitation.model_validate(invitation.model_dump(by_alias=True))


def test_a_release_that_adds_optional_fields_hashes_stored_content_as_before() -> None:
    today = normalize(opportunity_invitation(1))
    tomorrow = as_next_release(today)
    assert tomorrow.model_dump(by_alias=True)["shareable"] is True  # the new fields are really there
    assert tomorrow.model_dump(by_alias=True)["payload"]["customer"]["employeeCount"] is None
    assert content_hash(tomorrow) == content_hash(today)


def test_empty_values_hash_like_absent_ones() -> None:
    bare = normalize(minimal_invitation(2))
    emptied = normalize({**minimal_invitation(2), "ExistingMembers": [], "EnrichmentContext": {}})
    assert content_hash(emptied) == content_hash(bare)


@pytest.mark.parametrize(
    "change",
    [
        {"EngagementTitle": "Renamed engagement"},
        {"Status": "ACCEPTED"},
        {"ExistingMembers": []},
        {"EnrichmentContext": {"Note": "new"}},
    ],
)
def test_every_real_change_changes_the_hash(change: dict[str, Any]) -> None:
    response = opportunity_invitation(3)
    assert content_hash(normalize({**response, **change})) != content_hash(normalize(response))


def test_a_member_set_to_its_non_empty_default_and_back_changes_the_hash() -> None:
    served = normalize(opportunity_invitation(4))
    gone = served.model_copy(update={"details_retrievable": False})
    assert content_hash(gone) != content_hash(served)
    assert content_hash(gone.model_copy(update={"details_retrievable": True})) == content_hash(served)


def test_a_change_deep_inside_the_payload_changes_the_hash() -> None:
    response = opportunity_invitation(5)
    changed = opportunity_invitation(5, amount="12500.51")
    assert content_hash(normalize(changed)) != content_hash(normalize(response))
