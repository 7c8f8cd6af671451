"""Property-based: no answer botocore's model allows crashes normalization; no malformed event has a side effect."""

import json
from typing import Any

from hypothesis import HealthCheck, given, settings

from invitation_sync.errors import InvalidEventError
from invitation_sync.models.event import parse_invitation_event
from invitation_sync.models.published import InvitationChangedEvent
from invitation_sync.models.stored import StoredInvitation, changed_paths, content_hash
from invitation_sync.normalize import normalize
from local.event_source import deliver
from local.samples import invitation_event, opportunity_invitation
from tests.conftest import LocalAws
from tests.property.strategies import get_engagement_invitation_responses, mutated_events

VALID_EVENT = invitation_event(opportunity_invitation(1))


@settings(max_examples=300, deadline=None)
@given(get_engagement_invitation_responses())
def test_every_model_valid_answer_normalizes_and_publishes(response: dict[str, Any]) -> None:
    invitation = normalize(response)
    fingerprint = content_hash(invitation)
    assert fingerprint == content_hash(normalize(response))
    stored = StoredInvitation(
        invitation=invitation, version=1, content_hash=fingerprint, synced_at="2026-01-01T00:00:00.000Z"
    )
    body = json.loads(InvitationChangedEvent.from_stored(stored).model_dump_json(by_alias=True))
    assert body["invitation"]["catalog"] == response["Catalog"]
    assert body["eventType"] == "invitation.created"


@settings(max_examples=400, deadline=None)
@given(mutated_events(VALID_EVENT))
def test_parsing_either_succeeds_or_names_the_problem(event: Any) -> None:
    try:
        outcome = parse_invitation_event(event).invitation_id
    except InvalidEventError as error:
        outcome = str(error)
    assert outcome.startswith("engi-") or ":" in outcome  # an id, or "<field>: <problem>"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event=mutated_events(VALID_EVENT))
def test_a_malformed_event_has_no_side_effect(local_aws: LocalAws, event: Any) -> None:
    try:
        parse_invitation_event(event)
    except InvalidEventError:
        pass
    else:
        return  # still valid after the mutation: not this property's concern
    calls_before = len(local_aws.emulator.calls)
    result = deliver(event)
    assert result["outcome"] == "parked"
    assert len(local_aws.emulator.calls) == calls_before
    assert local_aws.item_count() == 0
    assert local_aws.published() == []


@settings(max_examples=200, deadline=None)
@given(get_engagement_invitation_responses(), get_engagement_invitation_responses())
def test_changed_fields_are_empty_exactly_when_the_content_is_equal(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    before, after = normalize(first), normalize({**second, "Id": first["Id"], "Catalog": first["Catalog"]})
    paths = changed_paths(before, after)
    assert (paths == []) == (content_hash(before) == content_hash(after))
    assert paths == sorted(set(paths))
    old, new = before.model_dump(mode="json", by_alias=True), after.model_dump(mode="json", by_alias=True)
    for path in paths:  # each path names a member whose value differs
        assert _member(old, path) != _member(new, path), path


def _member(document: Any, path: str) -> Any:
    for name in path.split("."):
        document = document.get(name) if isinstance(document, dict) else None
    return document
