"""Shared model configuration, optional members, error wording and schema generation."""

import re
from collections.abc import Iterable
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema
from pydantic.alias_generators import to_camel
from pydantic.fields import ComputedFieldInfo, FieldInfo

_ACRONYMS: Final = {"aws": "AWS", "arn": "ARN", "id": "ID", "url": "URL"}


def _field_title(name: str, _: FieldInfo | ComputedFieldInfo) -> str:
    """`sender_aws_account_id` -> "Sender AWS account ID": the published schema's titles read as words."""
    words = [_ACRONYMS.get(word, word) for word in name.split("_")]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


def _model_title(model: type) -> str:
    """`InvitationChangedEvent` -> "Invitation changed event"."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", model.__name__).capitalize()


class CamelModel(BaseModel):
    """camelCase in JSON, snake_case in Python; unknown members are kept, never dropped."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
        frozen=True,
        field_title_generator=_field_title,
        model_title_generator=_model_title,
    )


def known_values(
    known: Iterable[str], why: str, *, nullable: bool = False, pattern: str | None = None
) -> WithJsonSchema:
    """The JSON Schema of a string whose values today are `known` but which a later 1.x may extend (`why`).
    The schema lists them (`enum`, for readers and code generators) and still accepts any other string,
    so a subscriber that validates with it does not reject an event for a value added after it was built."""
    other: dict[str, Any] = {"type": "string", "title": "A value added later"}
    if pattern:
        other["pattern"] = pattern
    branches: list[dict[str, Any]] = [{"enum": list(known), "title": "Known values"}, other]
    if nullable:
        branches.append({"type": "null"})
    return WithJsonSchema({"anyOf": branches, "description": why})


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


def absent_unless_set(description: str) -> Any:
    """The Field of an optional member: absent rather than null when unset, present-only in the schema."""
    return Field(None, exclude_if=absent_when_none, json_schema_extra=optional_member, description=description)
