"""Shared model configuration and error wording."""

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
