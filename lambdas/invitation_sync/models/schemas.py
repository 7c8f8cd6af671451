"""Every committed JSON Schema and the model it is generated from (`make schema` writes them)."""

from pathlib import Path
from typing import Final

from pydantic import BaseModel

from invitation_sync.models.answer import AnswerRequest, AnswerResult
from invitation_sync.models.base import json_schema_text
from invitation_sync.models.published import SCHEMA_PATH, InvitationChangedEvent

SCHEMAS: Final[dict[Path, type[BaseModel]]] = {
    SCHEMA_PATH: InvitationChangedEvent,
    Path("schemas/answer-request.schema.json"): AnswerRequest,
    Path("schemas/answer-result.schema.json"): AnswerResult,
}

if __name__ == "__main__":
    for path, model in SCHEMAS.items():
        path.write_text(json_schema_text(model))
        print(f"wrote {path}")  # noqa: T201
