"""Expiry reminders: one `invitation.expiring` event per configured threshold before a PENDING
invitation's expirationDate, found in the table alone (no Partner Central call).

Each reminder is recorded on the invitation's item by a conditional write before it is published,
with the same discipline as a change (record with a lease, publish, clear): duplicate and concurrent
runs record it once, and a publish that fails or never happens is repeated by a later run with the
same eventId (or, once the invitation has changed, reminded anew for its new version), never skipped.
"""

from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from invitation_sync.adapters.publisher import InvitationEventPublisher
from invitation_sync.adapters.reminder_store import ReminderCandidate, ReminderStore
from invitation_sync.budgets import AWS_CALL_WORST_CASE, PUBLISH_LEASE_SECONDS
from invitation_sync.domain import hours_left
from invitation_sync.errors import InvitationSyncError, PublishError, StoreUnavailableError
from invitation_sync.models.published import ExpiryReminder, InvitationChangedEvent
from invitation_sync.models.stored import RecordedReminder
from invitation_sync.normalize import iso_utc
from invitation_sync.observability import logger

# One reminder at its worst: take over a lapsed lease, publish, clear; record a nearer threshold, publish,
# clear; then the next query page, fetched before the next check. A run stops taking new reminders when
# less time than this is left; the next run continues.
SECONDS_PER_REMINDER: Final = 7 * AWS_CALL_WORST_CASE
_LEASE: Final = timedelta(seconds=PUBLISH_LEASE_SECONDS)


@dataclass
class ReminderReport:
    complete: bool = False  # every catalog was checked (False: time ran out, the next run continues)
    checked: int = 0  # PENDING invitations expiring within the longest threshold
    published: int = 0  # reminders recorded and published by this run
    repeated: int = 0  # recorded reminders whose earlier publish failed or never happened
    outdated: int = 0  # such reminders dropped because the invitation changed since: reminded anew if still due
    recorded_unpublished: int = 0  # thresholds crossed together with a nearer one: recorded, not sent
    refused: int = 0  # the item changed since the index answered, or another run recorded it first
    failed: list[str] = field(default_factory=list)  # "<catalog>/<id>: <error type>"

    def summary(self) -> dict[str, Any]:
        return asdict(self)


def _now() -> datetime:
    return datetime.now(UTC)


class ExpiryReminders:
    def __init__(
        self,
        store: ReminderStore,
        publisher: InvitationEventPublisher,
        thresholds_hours: Collection[int],
        *,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        if not thresholds_hours:
            raise ValueError("thresholds_hours: at least one threshold (an empty list deploys no reminders)")
        self._store = store
        self._publisher = publisher
        self._thresholds = frozenset(thresholds_hours)
        self._clock = clock

    def run(self, catalogs: Sequence[str], time_left: Callable[[], float]) -> ReminderReport:
        report = ReminderReport()
        start = self._clock()
        horizon = start + timedelta(hours=max(self._thresholds))
        for catalog in catalogs:
            try:
                if time_left() < SECONDS_PER_REMINDER:  # its first query page is a call too
                    return _stopped(report)
                for candidate in self._store.expiring(catalog, iso_utc(start), iso_utc(horizon)):
                    if time_left() < SECONDS_PER_REMINDER:
                        return _stopped(report)
                    report.checked += 1
                    self._remind_safely(candidate, report)
            except InvitationSyncError as error:  # the query itself: the next run tries again
                report.failed.append(f"{catalog}: {type(error).__name__}")
                logger.warning("reminder query failed", catalog=catalog, error_type=type(error).__name__)
        report.complete = True
        return report

    def _remind_safely(self, candidate: ReminderCandidate, report: ReminderReport) -> None:
        """One invitation's failure must not stop the others; its recorded reminder waits for the next run."""
        try:
            self._remind(candidate, report)
        except InvitationSyncError as error:
            invitation = candidate.stored.invitation
            report.failed.append(f"{invitation.catalog}/{invitation.id}: {type(error).__name__}")
            logger.warning("reminder not published", invitation_id=invitation.id, error_type=type(error).__name__)

    def _remind(self, candidate: ReminderCandidate, report: ReminderReport) -> None:
        if candidate.pending is not None:
            settled = self._settle_recorded(candidate, candidate.pending, report)
            if settled is None:
                return
            candidate = settled
        now = self._clock()  # after any repeat: the next reminder's lease runs from here
        expires_at = candidate.stored.invitation.expiration_date
        if expires_at is None:
            return
        left = datetime.fromisoformat(expires_at) - now
        crossed = _crossed(self._thresholds, left) - candidate.reminded_hours
        if candidate.pending is not None:
            crossed.discard(candidate.pending.threshold_hours)
        if not crossed:
            return
        # Only the nearest threshold is published; the others crossed with it are recorded as done.
        reminder = RecordedReminder(
            threshold_hours=min(crossed),
            expires_at=expires_at,
            hours_left=hours_left(left),
            version=candidate.stored.version,
            occurred_at=iso_utc(now),
            lease_until=iso_utc(now + _LEASE),
        )
        if not self._store.record(candidate, reminder, frozenset(crossed)):
            report.refused += 1
            return
        self._publish(candidate, reminder)
        report.published += 1
        report.recorded_unpublished += len(crossed) - 1

    def _settle_recorded(
        self, candidate: ReminderCandidate, pending: RecordedReminder, report: ReminderReport
    ) -> ReminderCandidate | None:
        """A reminder recorded earlier and never confirmed published: published again under a new lease (same
        eventId), or dropped if the invitation changed since. None while another run is at it."""
        at = self._clock()
        now = iso_utc(at)
        if pending.lease_until > now:
            return None  # its publisher is at it now
        if pending.version != candidate.stored.version:
            # That version's content is gone and its expiry may have moved: the current version is reminded
            # instead, if the threshold is still crossed.
            if not self._store.forget(candidate, pending, now):
                return None  # another run dropped or took it first
            report.outdated += 1
            return replace(candidate, pending=None, reminded_hours=candidate.reminded_hours - {pending.threshold_hours})
        if not self._store.lease(candidate, pending, now, iso_utc(at + _LEASE)):
            return None  # another run took it over first
        self._publish(candidate, pending)
        report.repeated += 1
        return candidate

    def _publish(self, candidate: ReminderCandidate, reminder: RecordedReminder) -> None:
        event = InvitationChangedEvent.expiring(
            candidate.stored.invitation,
            reminder.version,
            ExpiryReminder(
                threshold_hours=reminder.threshold_hours, expires_at=reminder.expires_at, hours_left=reminder.hours_left
            ),
            reminder.occurred_at,
        )
        try:
            self._publisher.publish(event)
        except PublishError:
            try:
                self._store.release(candidate, reminder, iso_utc(self._clock()))
            except StoreUnavailableError:
                logger.warning("reminder lease not released: the next run takes over when it expires")
            raise
        self._store.clear(candidate, reminder)


def _stopped(report: ReminderReport) -> ReminderReport:
    logger.info("reminder run stopped before the time limit", checked=report.checked)
    return report


def _crossed(thresholds: frozenset[int], left: timedelta) -> set[int]:
    """Thresholds whose moment has come: at most that many hours left, and not expired yet."""
    if left <= timedelta(0):
        return set()
    return {hours for hours in thresholds if left <= timedelta(hours=hours)}
