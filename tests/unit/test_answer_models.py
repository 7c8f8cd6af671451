"""The answer function's request and result: what is refused, and the committed schemas."""

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from invitation_sync.models.answer import AnswerRequest, AnswerResult
from local.published_contract import MODEL_SCHEMAS, schema_text

REPO = Path(__file__).resolve().parents[2]
ACCEPT = {"catalog": "AWS", "invitationId": "engi-0123456789abc", "decision": "accept", "requestedBy": "ana@example"}
REJECT = {**ACCEPT, "decision": "reject", "reason": "Unable to support"}


@pytest.mark.parametrize("path", list(MODEL_SCHEMAS))
def test_committed_schemas_match_their_models(path: Path) -> None:
    assert (REPO / path).read_text() == schema_text(MODEL_SCHEMAS[path]), f"{path} drifted: run `make schema`"


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        ({**REJECT, "reason": None}, "reason"),
        ({key: value for key, value in REJECT.items() if key != "reason"}, "a reject needs a reason"),
        ({**REJECT, "reason": ""}, "reason"),
        ({**REJECT, "reason": "x" * 81}, "reason"),
        ({**REJECT, "reason": "two\nlines"}, "reason"),
        ({**REJECT, "reason": "$reason"}, "unfilled chat variable"),  # a Reject button run without asking
        ({**ACCEPT, "reason": "Other"}, "only a reject takes a reason"),
        ({**ACCEPT, "decision": "maybe"}, "decision"),
        ({**ACCEPT, "catalog": "Live"}, "catalog"),
        ({**ACCEPT, "invitationId": "engi-ABC"}, "invitationId"),
        ({**ACCEPT, "requestedBy": ""}, "requestedBy"),
        ({**ACCEPT, "requestedBy": "x" * 257}, "requestedBy"),
        ({**ACCEPT, "requestedBy": "ana\r\nforged: log line"}, "requestedBy"),
        ({**ACCEPT, "invitation_id": "engi-0123456789abc"}, "invitation_id"),
        ({**ACCEPT, "force": True}, "force"),
    ],
)
def test_a_bad_request_is_refused_by_the_model_and_the_schema_naming_the_member(
    payload: dict[str, Any], named: str
) -> None:
    present = {key: value for key, value in payload.items() if value is not None}
    with pytest.raises(ValidationError, match=named):
        AnswerRequest.model_validate(payload)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(present, json.loads((REPO / "schemas/answer-request.schema.json").read_text()))


@pytest.mark.parametrize("payload", [ACCEPT, REJECT])
def test_a_good_request_passes_model_and_schema(payload: dict[str, Any]) -> None:
    assert AnswerRequest.model_validate(payload).model_dump(by_alias=True) == payload
    jsonschema.validate(payload, json.loads((REPO / "schemas/answer-request.schema.json").read_text()))


def test_a_result_leaves_out_what_it_does_not_know_and_fits_its_schema() -> None:
    result = AnswerResult(outcome="refused", message="decision: Input should be 'accept' or 'reject'")
    body = result.model_dump(mode="json", by_alias=True)
    assert body == {"outcome": "refused", "message": "decision: Input should be 'accept' or 'reject'"}
    schema = json.loads((REPO / "schemas/answer-result.schema.json").read_text())
    jsonschema.validate(body, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**body, "outcome": "maybe"}, schema)
