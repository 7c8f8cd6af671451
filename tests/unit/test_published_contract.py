"""The published contract under schemas/ is what `make schema` generates from the models, and it is complete
for a downstream team: identified schemas, readable titles, the attributes beside the body, one example per
event type, and room for the values a later 1.x adds."""

import json
from pathlib import Path
from typing import Any, get_args

import jsonschema
import pytest

from invitation_sync.models.published import EventType, InvitationChangedEvent
from local.published_contract import ATTRIBUTES_SCHEMA_PATH, EXAMPLES, SCHEMA_PATH, contract_files
from tests.conftest import REPO


def committed(path: Path) -> Any:
    return json.loads((REPO / path).read_text())


def test_the_committed_contract_is_what_make_schema_generates() -> None:
    generated = contract_files()
    drifted = [str(path) for path, text in generated.items() if (REPO / path).read_text() != text]
    assert drifted == [], "run `make schema` and commit"
    on_disk = {path.relative_to(REPO) for path in (REPO / EXAMPLES).glob("*.json")}
    assert on_disk == {path for path in generated if path.parent == EXAMPLES}, "an example no event type makes"


def test_one_example_per_event_type_each_valid_against_the_committed_schemas() -> None:
    event_schema, attributes_schema = committed(SCHEMA_PATH), committed(ATTRIBUTES_SCHEMA_PATH)
    bodies = {path.name.removesuffix(".json"): path for path in (REPO / EXAMPLES).glob("*.json")}
    bodies = {name: path for name, path in bodies.items() if not name.endswith(".attributes")}
    assert set(bodies) == set(get_args(EventType))
    for event_type, path in bodies.items():
        body = json.loads(path.read_text())
        attributes = json.loads(path.with_name(f"{event_type}.attributes.json").read_text())
        jsonschema.validate(body, event_schema)
        jsonschema.validate(attributes, attributes_schema)
        assert body["eventType"] == attributes["eventType"] == event_type
        assert InvitationChangedEvent.model_validate(body).message_attributes() == attributes


def test_each_schema_has_its_own_id_and_is_a_valid_2020_12_schema() -> None:
    schemas = [committed(SCHEMA_PATH), committed(ATTRIBUTES_SCHEMA_PATH)]
    for schema in schemas:
        jsonschema.Draft202012Validator.check_schema(schema)
    ids = [schema.get("$id") for schema in schemas]
    assert all(ids), ids
    assert len(set(ids)) == len(ids), ids


def _properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    objects = [schema, *schema.get("$defs", {}).values()]
    return [(name, member) for model in objects for name, member in model.get("properties", {}).items()]


@pytest.mark.parametrize("path", [SCHEMA_PATH, ATTRIBUTES_SCHEMA_PATH])
def test_titles_are_words(path: Path) -> None:
    """`previousStatus` is titled "Previous status", not pydantic's "Previousstatus"."""
    squashed = [
        (name, member.get("title"))
        for name, member in _properties(committed(path))
        if name != name.lower() and " " not in member.get("title", "")
    ]
    assert squashed == []


def test_a_subscriber_validating_with_the_schemas_accepts_values_a_later_1x_adds() -> None:
    """eventType, catalog, status and payloadType name their known values but stay open: an event type this
    project adds (invitation.answer-failed is planned) or a status, payload type or catalog Partner Central
    adds must not make a validating subscriber reject the event."""
    event_schema, attributes_schema = committed(SCHEMA_PATH), committed(ATTRIBUTES_SCHEMA_PATH)
    body = json.loads((REPO / EXAMPLES / "invitation.created.json").read_text())
    attributes = json.loads((REPO / EXAMPLES / "invitation.created.attributes.json").read_text())
    later = {"eventType": "invitation.answer-failed", "status": "WITHDRAWN", "payloadType": "PartnerInvitation"}
    later_invitation = {**body["invitation"], "catalog": "Gov", **{k: later[k] for k in ("status", "payloadType")}}

    jsonschema.validate({**body, "eventType": later["eventType"], "invitation": later_invitation}, event_schema)
    jsonschema.validate({**attributes, **later, "catalog": "Gov", "addedIn1x": "x"}, attributes_schema)

    known = event_schema["properties"]["eventType"]["anyOf"][0]["enum"]
    assert known == list(get_args(EventType))  # the known values are listed for readers and generators
    not_a_status = {**body, "invitation": {**body["invitation"], "status": 1}}
    for broken in ({**body, "eventType": "InvitationDeleted"}, not_a_status):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, event_schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({k: v for k, v in attributes.items() if k != "status"}, attributes_schema)
