"""Partner Central's answer operations: the writes, each sent in a write slot, and the accept task's reads.

The writer client has botocore's retries off: each attempt, retries included, must hold a write slot of
its own (write_slots.py), so the retries are ours. A ClientToken is always passed where the operation
takes one: botocore would fill a random one, and a retry would then start a second task. The token-less
writes (Accept, Reject) are sent again only when the first attempt surely did nothing: throttled, or the
connection never opened. Any other lost answer may have come after the write took effect: the caller
finds out with a Get (AnswerOutcomeUnknownError).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError

from invitation_sync.adapters.aws import error_code, is_transient
from invitation_sync.adapters.partner_central import _classify
from invitation_sync.adapters.write_slots import WriteSlots
from invitation_sync.budgets import WRITE_ATTEMPTS
from invitation_sync.errors import AnswerOutcomeUnknownError, AnswerWriteError, PartnerCentralUnavailableError
from invitation_sync.observability import tracer

if TYPE_CHECKING:
    from mypy_boto3_partnercentral_selling import PartnerCentralSellingAPIClient


@dataclass(frozen=True)
class AcceptTask:
    """A StartEngagementByAcceptingInvitationTask task as Partner Central last described it."""

    task_id: str | None  # the model requires no output member: a task may be known by its invitation only
    status: str  # IN_PROGRESS, COMPLETE or FAILED
    opportunity_id: str | None = None
    reason_code: str | None = None

    @classmethod
    def from_answer(cls, answer: Any) -> "AcceptTask":
        return cls(
            task_id=answer.get("TaskId"),
            status=str(answer.get("TaskStatus") or "IN_PROGRESS"),
            opportunity_id=answer.get("OpportunityId"),
            reason_code=answer.get("ReasonCode"),
        )


class PartnerCentralAnswers:
    def __init__(
        self,
        writer: "PartnerCentralSellingAPIClient",
        reader: "PartnerCentralSellingAPIClient",
        slots: WriteSlots,
    ) -> None:
        self._writer = writer
        self._reader = reader
        self._slots = slots

    @tracer.capture_method(capture_response=False)
    def start_accept_task(self, catalog: str, invitation_id: str, client_token: str) -> AcceptTask:
        """Start (or, with the same token, find again) the task that accepts an opportunity invitation."""
        answer = self._write(
            "StartEngagementByAcceptingInvitationTask",
            lambda: self._writer.start_engagement_by_accepting_invitation_task(
                Catalog=catalog, Identifier=invitation_id, ClientToken=client_token
            ),
            idempotent=True,
        )
        return AcceptTask.from_answer(answer)

    @tracer.capture_method(capture_response=False)
    def accept(self, catalog: str, invitation_id: str) -> None:
        self._write(
            "AcceptEngagementInvitation",
            lambda: self._writer.accept_engagement_invitation(Catalog=catalog, Identifier=invitation_id),
        )

    @tracer.capture_method(capture_response=False)
    def reject(self, catalog: str, invitation_id: str, reason: str) -> None:
        self._write(
            "RejectEngagementInvitation",
            lambda: self._writer.reject_engagement_invitation(
                Catalog=catalog, Identifier=invitation_id, RejectionReason=reason
            ),
        )

    @tracer.capture_method(capture_response=False)
    def accept_task(
        self, catalog: str, *, task_id: str | None = None, invitation_id: str | None = None
    ) -> AcceptTask | None:
        """The task with `task_id`, or the newest task accepting `invitation_id`; None if Partner Central lists
        none (yet). A read: the write quota is not touched."""
        request: dict[str, Any] = {"Catalog": catalog, "Sort": {"SortOrder": "DESCENDING", "SortBy": "StartTime"}}
        if task_id is not None:
            request["TaskIdentifier"] = [task_id]
        if invitation_id is not None:
            request["EngagementInvitationIdentifier"] = [invitation_id]
        try:
            answer = self._reader.list_engagement_by_accepting_invitation_tasks(**request)
        except (ClientError, BotoCoreError) as error:
            raise _classify(error, f"ListEngagementByAcceptingInvitationTasks {catalog}") from error
        summaries = answer.get("TaskSummaries", [])
        return AcceptTask.from_answer(summaries[0]) if summaries else None

    def _write(self, operation: str, call: Callable[[], Any], *, idempotent: bool = False) -> Any:
        """One write call: each attempt in a write slot. Throttling and connections that never opened are tried
        again; so are 5xx, timeouts and dropped connections when the call is `idempotent` (its ClientToken
        answers the same task), otherwise they raise AnswerOutcomeUnknownError. ServiceQuotaExceededException
        (too many tasks at once) passes: PartnerCentralUnavailableError. Any other refusal is an
        AnswerWriteError with its code."""
        code = ""
        for _ in range(WRITE_ATTEMPTS):
            self._slots.acquire()
            try:
                return call()
            except (ClientError, BotoCoreError) as error:
                code = error_code(error)
                if code == "ThrottlingException" or isinstance(error, ConnectTimeoutError | EndpointConnectionError):
                    continue
                if code == "ServiceQuotaExceededException":
                    raise PartnerCentralUnavailableError(f"{operation}: {code}") from error
                if not is_transient(error):
                    raise AnswerWriteError(f"{operation}: {code}{_reason(error)}", code) from error
                if not idempotent:
                    raise AnswerOutcomeUnknownError(f"{operation}: {code}, it may have taken effect") from error
        raise PartnerCentralUnavailableError(f"{operation}: {code} persisted after {WRITE_ATTEMPTS} attempts")


def _reason(error: ClientError | BotoCoreError) -> str:
    """A ValidationException's or AccessDeniedException's Reason (an enum: no request values)."""
    reason = error.response.get("Reason") if isinstance(error, ClientError) else None
    return f" ({reason})" if isinstance(reason, str) else ""
