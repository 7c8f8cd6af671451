"""Shared model configuration, optional members, error wording and schema generation."""

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel


class CamelModel(BaseModel):
    """camelCase in JSON, snake_case in Python; unknown members are kept, never dropped."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow", frozen=True)


def describe(error: ValidationError) -> str:
    """Name each failing field and the rule it broke, without echoing input values (they may be PII)."""
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "event"
        problems.append(f"{where}: {item['msg']}")
    return "; ".join(problems)


def absent_when_none(value: object) -> bool:
    """exclude_if for an optional member: absent, never null."""
    return value is None


def optional_member(schema: dict[str, Any]) -> None:
    """json_schema_extra for an optional member: the schema shows only the present form."""
    schema.pop("default", None)


def json_schema_text(model: type[BaseModel]) -> str:
    """A model's committed JSON Schema (draft 2020-12), as it serializes."""
    schema = model.model_json_schema(by_alias=True, mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
