"""Redrive: re-process parked events through the sync path; delete only those that succeed."""

from dataclasses import dataclass, field

from invitation_sync.adapters.failed_events import FailedEventQueue
from invitation_sync.errors import InvitationSyncError
from invitation_sync.models.event import parse_invitation_event
from invitation_sync.sync import InvitationSync


@dataclass
class RedriveReport:
    redriven: list[str] = field(default_factory=list)  # "<message id>: <outcome>"
    left: list[tuple[str, str]] = field(default_factory=list)  # (message id, why it still fails)


def redrive(queue: FailedEventQueue, sync: InvitationSync, limit: int = 100) -> RedriveReport:
    report = RedriveReport()
    seen = 0
    while seen < limit and (batch := queue.receive(min(10, limit - seen))):
        for failed in batch:
            seen += 1
            if failed.event is None:
                report.left.append((failed.message_id, failed.reason))
                continue
            try:
                result = sync.sync_event(parse_invitation_event(failed.event))
            except InvitationSyncError as error:  # stays parked, visible again after the timeout
                report.left.append((failed.message_id, f"{type(error).__name__}: {error}"))
                continue
            queue.delete(failed)
            report.redriven.append(f"{failed.message_id}: {result.outcome}")
    return report
