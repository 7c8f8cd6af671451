"""The answer function's contract: what a caller sends and what it gets back. Both JSON Schemas are
generated from these models (schemas/answer-request.schema.json, schemas/answer-result.schema.json)."""

from typing import Annotated, Any, Final, Literal, Self

from pydantic import AfterValidator, ConfigDict, Field, JsonValue, StringConstraints, model_validator
from pydantic.json_schema import SkipJsonSchema

from invitation_sync.domain import Catalog
from invitation_sync.models.base import CamelModel, absent_unless_set, absent_when_none, optional_member

Decision = Literal["accept", "reject"]
Outcome = Literal["accepted", "rejected", "in-progress", "already-answered", "refused", "failed"]
DECIDED_OUTCOME: Final[dict[str, Outcome]] = {"accept": "accepted", "reject": "rejected"}

# RejectEngagementInvitation's RejectionReason, as botocore's model writes it: 1-80 characters of this set.
REJECTION_REASON_PATTERN: Final = r"^[\u0020-\u007E\u00A0-\uD7FF\uE000-\uFFFD]{1,80}$"
# A chat Reject button's command carries this variable for the person to fill in (infra/chat_buttons.py).
# Should the service ever run the command with it unfilled, the literal is refused, never sent to Partner
# Central as the reason.
UNFILLED_REASON: Final = "$reason"


def _filled(reason: str) -> str:
    if reason == UNFILLED_REASON:
        raise ValueError(f"the reason is the unfilled chat variable {UNFILLED_REASON}: give the reason itself")
    return reason


def _reason_schema(schema: dict[str, Any]) -> None:
    optional_member(schema)
    schema["not"] = {"const": UNFILLED_REASON}


RejectionReason = Annotated[str, StringConstraints(pattern=REJECTION_REASON_PATTERN), AfterValidator(_filled)]
# Who asks: an IAM identity's ARN, a chat user, a name. One line, no control characters.
Requester = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^[^\x00-\x1f\x7f]+$")]


_REASON_FOR_REJECT_ONLY: Final[dict[str, JsonValue]] = {
    "if": {"properties": {"decision": {"const": "reject"}}},
    "then": {"required": ["reason"]},
    "else": {"not": {"required": ["reason"]}},
}


class AnswerRequest(CamelModel):
    """Accept or reject one invitation. Anything else in the payload is refused, never ignored."""

    # Members by their camelCase names only: `invitation_id` is an unknown member, refused like any other.
    model_config = ConfigDict(
        extra="forbid", populate_by_name=False, title="AnswerRequest", json_schema_extra=_REASON_FOR_REJECT_ONLY
    )

    catalog: Catalog
    invitation_id: str = Field(pattern=r"^engi-[0-9a-z]{13}$")
    decision: Decision
    reason: RejectionReason | SkipJsonSchema[None] = Field(
        None,
        exclude_if=absent_when_none,
        json_schema_extra=_reason_schema,
        description="Required for reject (sent to Partner Central as the RejectionReason, 1-80 characters, e.g. "
        "'Customer problem unclear', 'Next steps unclear', 'Unable to support', 'Duplicate of partner referral', "
        "'Other'); refused with accept, which takes none.",
    )
    requested_by: Requester = Field(
        description="Who asks: kept in the invitation's audit record and published in the event's `answer`."
    )

    @model_validator(mode="after")
    def _reason_for_reject_only(self) -> Self:
        if self.decision == "reject" and self.reason is None:
            raise ValueError("a reject needs a reason (1-80 characters)")
        if self.decision == "accept" and self.reason is not None:
            raise ValueError("reason: only a reject takes a reason")
        return self


# A member that is absent rather than null when there is nothing to say.
Optional = Annotated[str | SkipJsonSchema[None], Field(exclude_if=absent_when_none, json_schema_extra=optional_member)]


class AnswerResult(CamelModel):
    """What the answer function returns (it never raises for a request): the outcome and what the caller
    needs to act on it."""

    model_config = ConfigDict(extra="forbid", title="AnswerResult")

    outcome: Outcome = Field(
        description="accepted/rejected: Partner Central shows the answer. in-progress: the answer is claimed and "
        "not finished yet (send the same request again to follow it). already-answered: answered before (see "
        "answeredBy, answeredAt, decision). refused: nothing was sent to Partner Central (see message). failed: "
        "Partner Central refused the answer (see reasonCode)."
    )
    catalog: Optional = Field(None, description="As requested; absent only when the payload lacked it.")
    invitation_id: Optional = Field(None, description="As requested; absent only when the payload lacked it.")
    decision: Decision | SkipJsonSchema[None] = absent_unless_set(
        "The requested decision; on already-answered, the decision that holds."
    )
    message: str = Field(description="One line for a person: what happened, or why not.")
    task_id: Optional = Field(None, description="The accept task (opportunity invitations).")
    opportunity_id: Optional = Field(
        None, description="The opportunity the accept task created in the partner's account."
    )
    reason_code: Optional = Field(
        None,
        description="Why Partner Central refused: the task's ReasonCode or the error code (ConflictException, ...).",
    )
    answered_by: Optional = Field(None, description="Who asked for the answer that holds.")
    answered_at: Optional = Field(None, description="When that answer was asked for, ISO-8601 UTC.")
