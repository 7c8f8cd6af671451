"""What the Partner Central emulator knows about answering invitations: which write operation AWS
documents for which payload type, the ClientToken rule of the API reference, and the asynchronous task
of StartEngagementByAcceptingInvitationTask (scriptable per invitation, driven by the emulator's clock
and by how often the task is read, so tests never sleep).
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from local.samples import base36

START_TASK: Final = "StartEngagementByAcceptingInvitationTask"
LIST_TASKS: Final = "ListEngagementByAcceptingInvitationTasks"
ACCEPT: Final = "AcceptEngagementInvitation"
REJECT: Final = "RejectEngagementInvitation"
WRITE_OPERATIONS: Final = frozenset({START_TASK, ACCEPT, REJECT})  # the 1-per-second write bucket

# Developer guide "Working with opportunities from AWS": accept an opportunity invitation with the task (it
# creates the partner's opportunity), reject it with RejectEngagementInvitation. AWS's samples accept leads
# with AcceptEngagementInvitation; an account plan creates no opportunity either. The emulator refuses the
# other accept operation (BUSINESS_VALIDATION_FAILED) so code that picks the wrong one fails here first.
ACCEPTED_WITH: Final = {
    "OpportunityInvitation": START_TASK,
    "LeadInvitation": ACCEPT,
    "AccountPlanningInvitation": ACCEPT,
}
# API reference for StartEngagementByAcceptingInvitationTask: `^[!-~]{1,64}$`; botocore's model says `.{1,255}`.
CLIENT_TOKEN: Final = re.compile(r"[!-~]{1,64}")
DETAIL_TYPE_BY_STATUS: Final = {
    "ACCEPTED": "Engagement Invitation Accepted",
    "REJECTED": "Engagement Invitation Rejected",
}


@dataclass(frozen=True)
class TaskScript:
    """How one task ends: it answers IN_PROGRESS until it has been read `reads_in_progress` times (List,
    or Start again with its token) and `seconds_in_progress` have passed on the emulator's clock; then
    COMPLETE with a new opportunity, or FAILED with `reason_code` (a ReasonCode of the model). A task that
    completes accepts the invitation when it starts (status ACCEPTED, its event), as Partner Central's does:
    the opportunity comes after. A failing one leaves the invitation PENDING."""

    reads_in_progress: int = 1
    seconds_in_progress: float = 0.0
    reason_code: str | None = None
    message: str = "The engagement invitation could not be accepted."


@dataclass
class Task:
    """One StartEngagementByAcceptingInvitationTask task, as ListEngagementByAcceptingInvitationTasks shows it."""

    number: int
    catalog: str
    invitation_id: str
    client_token: str
    script: TaskScript
    started: float  # on the emulator's clock
    start_time: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    status: str = "IN_PROGRESS"
    reads: int = 0
    opportunity_id: str | None = None
    reason_code: str | None = None
    token_kept: bool = True  # a Start with its ClientToken answers this task (no documented window)

    @property
    def task_id(self) -> str:
        return f"task-{base36(self.number)}"

    def due(self, now: float) -> bool:
        """Still IN_PROGRESS, but its script says it is over."""
        script = self.script
        return (
            self.status == "IN_PROGRESS"
            and self.reads >= script.reads_in_progress
            and now - self.started >= script.seconds_in_progress
        )

    def summary(self) -> dict[str, Any]:
        """The model's ListEngagementByAcceptingInvitationTaskSummary (also Start's answer)."""
        answer: dict[str, Any] = {
            "TaskId": self.task_id,
            "TaskArn": f"arn:aws:partnercentral:us-east-1:aws:catalog/{self.catalog}/"
            f"engagement-by-accepting-invitation-task/{self.task_id}",
            "StartTime": self.start_time,
            "TaskStatus": self.status,
            "EngagementInvitationId": self.invitation_id,
        }
        if self.opportunity_id:
            answer["OpportunityId"] = self.opportunity_id
        if self.reason_code:
            answer |= {"ReasonCode": self.reason_code, "Message": self.script.message}
        return answer

    def matches(self, params: dict[str, Any]) -> bool:
        """ListEngagementByAcceptingInvitationTasks' filters (identifiers or ARNs)."""
        wanted = {
            "TaskStatus": self.status,
            "TaskIdentifier": self.task_id,
            "EngagementInvitationIdentifier": self.invitation_id,
            "OpportunityIdentifier": self.opportunity_id,
        }
        if self.catalog != params["Catalog"]:
            return False
        for name, value in wanted.items():
            allowed = params.get(name)
            if allowed and value not in {item.rsplit("/", 1)[-1] for item in allowed}:
                return False
        return True


def opportunity_id(number: int) -> str:
    """`O` + digits, as the model's OpportunityIdentifier."""
    return f"O{1_000_000 + number}"
