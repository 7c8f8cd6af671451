"""Does a resource policy (an SQS queue's, a KMS key's) let an AWS service call it on our behalf?

IAM's evaluation for one request from a service principal: an explicit Deny wins, else an Allow must
match. Only the elements these policies use are judged; anything else (NotAction, an unknown condition
operator) is reported as unjudgeable rather than guessed."""

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class UnjudgeablePolicyError(ValueError):
    """The policy uses an element or operator this check does not evaluate."""


@dataclass(frozen=True)
class ServiceRequest:
    service: str  # e.g. events.amazonaws.com
    action: str  # e.g. sqs:SendMessage
    resource: str
    context: Mapping[str, str] = field(default_factory=dict)  # condition keys the service sends


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    why: str


def judge(policy: Mapping[str, Any], request: ServiceRequest) -> Verdict:
    statements = policy.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    matching = [(index, s) for index, s in enumerate(statements) if _matches(s, request)]
    for index, statement in matching:
        if statement.get("Effect") == "Deny":
            return Verdict(False, f"statement {_name(statement, index)} denies it")
    for index, statement in matching:
        if statement.get("Effect") == "Allow":
            return Verdict(True, f"statement {_name(statement, index)} allows it")
    return Verdict(False, "no statement allows it")


def _name(statement: Mapping[str, Any], index: int) -> str:
    return str(statement.get("Sid") or f"#{index + 1}")


def _matches(statement: Mapping[str, Any], request: ServiceRequest) -> bool:
    unjudged = {"NotAction", "NotResource", "NotPrincipal"} & statement.keys()
    if unjudged:
        raise UnjudgeablePolicyError(f"a statement uses {', '.join(sorted(unjudged))}: check it by hand")
    return (
        _principal(statement.get("Principal"), request.service)
        and any(fnmatch.fnmatch(request.action.lower(), a.lower()) for a in _listed(statement.get("Action")))
        and any(fnmatch.fnmatchcase(request.resource, r) for r in _listed(statement.get("Resource", "*")))
        and all(
            _condition(operator, key, _listed(values), request.context.get(key))
            for operator, block in statement.get("Condition", {}).items()
            for key, values in block.items()
        )
    )


def _principal(principal: Any, service: str) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    return "*" in _listed(principal.get("AWS")) or service in _listed(principal.get("Service"))


def _condition(operator: str, key: str, allowed: list[str], present: str | None) -> bool:
    base, if_exists = operator.removesuffix("IfExists"), operator.endswith("IfExists")
    if present is None:  # IAM: an absent key fails a condition, except ...IfExists and the negated operators
        return if_exists or "Not" in base
    match base:
        case "StringEquals" | "ArnEquals":
            return present in allowed
        case "StringLike" | "ArnLike":
            return any(fnmatch.fnmatchcase(present, pattern) for pattern in allowed)
        case "StringNotEquals" | "ArnNotEquals":
            return present not in allowed
        case "StringNotLike" | "ArnNotLike":
            return not any(fnmatch.fnmatchcase(present, pattern) for pattern in allowed)
        case "Bool":
            return present.lower() in (value.lower() for value in allowed)
    raise UnjudgeablePolicyError(f"condition operator {operator} on {key}: check it by hand")


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]
