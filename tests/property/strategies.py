"""Hypothesis strategies derived from botocore's service model, so generated data is what AWS may send."""

from datetime import UTC
from typing import Any

import botocore.session
from botocore.model import Shape
from hypothesis import strategies as st

MODEL = botocore.session.get_session().get_service_model("partnercentral-selling")
GET_RESPONSE = MODEL.operation_model("GetEngagementInvitation").output_shape


def from_shape(shape: Shape | None, depth: int = 0) -> st.SearchStrategy[Any]:  # noqa: PLR0911
    """Any value botocore's parser can hand us for `shape` (lengths capped to keep examples small)."""
    assert shape is not None
    metadata = shape.metadata
    match shape.type_name:
        case "structure":
            members = shape.members  # type: ignore[attr-defined]
            if metadata.get("union"):
                return st.one_of(
                    *(st.fixed_dictionaries({name: from_shape(m, depth + 1)}) for name, m in members.items())
                )
            required = set(shape.required_members)
            return st.fixed_dictionaries(
                {name: from_shape(m, depth + 1) for name, m in members.items() if name in required},
                optional={name: from_shape(m, depth + 1) for name, m in members.items() if name not in required},
            )
        case "list":
            low = int(metadata.get("min", 0))
            member = shape.member  # type: ignore[attr-defined]
            return st.lists(from_shape(member, depth + 1), min_size=low, max_size=max(low, 3))
        case "map":
            return st.dictionaries(st.text(max_size=8), from_shape(shape.value, depth + 1), max_size=3)  # type: ignore[attr-defined]
        case "string":
            if shape.enum:  # type: ignore[attr-defined]
                return st.sampled_from(shape.enum)  # type: ignore[attr-defined]
            low = int(metadata.get("min", 0))
            return st.text(min_size=low, max_size=max(low, 40))
        case "timestamp":
            return st.datetimes(timezones=st.just(UTC))
        case "integer" | "long":
            return st.integers(min_value=int(metadata.get("min", -(2**31))), max_value=int(metadata.get("max", 2**31)))
        case "boolean":
            return st.booleans()
        case "double" | "float":
            return st.floats(allow_nan=False)
        case _:
            return st.binary(max_size=16)


def get_engagement_invitation_responses() -> st.SearchStrategy[dict[str, Any]]:
    return from_shape(GET_RESPONSE)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@st.composite
def mutated_events(draw: st.DrawFn, valid: dict[str, Any]) -> Any:
    """A valid event with one field (at any depth) replaced, removed or retyped; or random JSON."""
    if draw(st.booleans()):
        return draw(JSON)
    event: Any = {
        **valid,
        "detail": {**valid["detail"], "engagementInvitation": dict(valid["detail"]["engagementInvitation"])},
    }
    paths = [(), ("detail",), ("detail", "engagementInvitation")]
    path = draw(st.sampled_from(paths))
    target = event
    for key in path:
        target = target[key]
    key = draw(st.sampled_from(sorted(target)))
    if draw(st.booleans()):
        del target[key]
    else:
        target[key] = draw(JSON | st.text(min_size=256, max_size=300))
    return event
