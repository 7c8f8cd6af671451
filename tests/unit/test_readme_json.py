"""Every JSON block in the README and docs/ is JSON a reader can paste, and every event shown there is a valid event."""

import json
import re

import jsonschema

from local.published_contract import SCHEMA_PATH
from tests.conftest import REPO

JSON_BLOCK = re.compile(r"^```json\n(.*?)^```", re.MULTILINE | re.DOTALL)


DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def readme_json_blocks() -> list[str]:
    return [block for document in DOCUMENTS for block in JSON_BLOCK.findall(document.read_text())]


def test_every_json_block_in_the_readme_parses() -> None:
    blocks = readme_json_blocks()
    assert blocks, "no JSON block found: the pattern no longer matches the documents"
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
