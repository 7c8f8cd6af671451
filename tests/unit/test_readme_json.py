"""Every JSON block in the README is JSON a reader can paste, and every event shown there is a valid event."""

import json
import re

import jsonschema

from local.published_contract import SCHEMA_PATH
from tests.conftest import REPO

JSON_BLOCK = re.compile(r"^```json\n(.*?)^```", re.MULTILINE | re.DOTALL)


def readme_json_blocks() -> list[str]:
    return JSON_BLOCK.findall((REPO / "README.md").read_text())


def test_every_json_block_in_the_readme_parses() -> None:
    blocks = readme_json_blocks()
    assert blocks, "no JSON block found: the pattern no longer matches the README"
    broken = []
    for block in blocks:
        try:
            json.loads(block)
        except json.JSONDecodeError as error:
            broken.append(f"{error}: {block[:80]!r}")
    assert broken == []


def test_every_event_in_the_readme_validates_against_the_schema() -> None:
    schema = json.loads((REPO / SCHEMA_PATH).read_text())
    events = [json.loads(block) for block in readme_json_blocks() if '"schemaVersion"' in block]
    assert len(events) >= 2  # the full event and the reminder
    for event in events:
        jsonschema.validate(event, schema)
