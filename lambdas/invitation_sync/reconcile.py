"""The reconcile use case: compare Partner Central's List summaries with the stored items and send only
missing or changed invitations through the same sync path as events.

An invitation changes only while it is PENDING (ACCEPTED, REJECTED and EXPIRED are final), so the
scheduled incremental run reads what can have changed: the open invitations, the ones dated since the
last complete scheduled run began, and a Get for each stored PENDING one that is no longer listed as
PENDING. Its cost follows the open invitations, not the history. The full sweep (weekly, and the
operator's backfill) pages everything. One run at a time of any mode (a lock item); each run stops
before its time is up and keeps its state per mode, so the next invocation resumes. An unfinished or
skipped full sweep is carried on by the next complete incremental run.
"""

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from invitation_sync.adapters.partner_central import PartnerCentralInvitations
from invitation_sync.adapters.store import InvitationStore
from invitation_sync.budgets import AWS_CALL_WORST_CASE, FINISH_PENDING_WORST_CASE
from invitation_sync.domain import FINAL_STATUSES, PENDING
from invitation_sync.errors import (
    InvitationNotAccessibleError,
    InvitationSyncError,
    ListTokenRefusedError,
    StoreUnavailableError,
)
from invitation_sync.models.invitation import Invitation
from invitation_sync.models.reconcile_request import SCHEDULED_MODES, ReconcileRequest
from invitation_sync.models.stored import StoredInvitation
from invitation_sync.normalize import iso_utc, normalize_summary
from invitation_sync.observability import logger
from invitation_sync.sync import InvitationSync, SyncOutcome, SyncResult

PAGE_GRACE_SECONDS: Final = 5.0  # how far past its soft stop an invocation may go to finish its page
OPEN_WINDOW: Final = timedelta(days=15)  # an invitation is answered or expires within 15 days
# Looking back further than the last run's start covers List's indexing lag and clock skew.
RECENT_MARGIN: Final = timedelta(hours=1)
_KEPT: Final[tuple[str, ...]] = ("lastCompletedAt", "lastCompletedStartedAt", "lastReport")  # across progress
_LAST_REPORT_FAILURES: Final = 50  # the state item stays far below DynamoDB's 400 KB


@dataclass
class PlannedChange:
    catalog: str
    invitation_id: str
    reason: str  # "missing", "status PENDING -> ACCEPTED", "changed: ...", "no longer listed as PENDING"


@dataclass
class ReconcileReport:
    mode: str = "incremental"
    complete: bool = False
    list_calls: int = 0
    listed: int = 0
    unchanged: int = 0
    synced: int = 0  # Get calls made
    # Every HTTP request to Partner Central, retries included: set by the handler for the whole invocation
    # (a continued full sweep included), so not in the stored lastReport.
    partner_central_requests: int = 0
    drift_repaired: int = 0  # changed, or new since the last complete scheduled run: an event was missed
    backfilled: int = 0  # missing and older than that run: never delivered as events
    pending_published: int = 0
    failed: list[str] = field(default_factory=list)  # "<catalog>/<id>: <error type>"
    planned: list[PlannedChange] = field(default_factory=list)  # dry runs only
    restarted_pairs: list[str] = field(default_factory=list)  # "<catalog>#<participant>": resume token refused
    run_started_at: str | None = None
    skipped: str | None = None
    continued_full_sweep: "ReconcileReport | None" = None  # an unfinished full sweep this run carried on

    def summary(self) -> dict[str, Any]:
        summary = asdict(self)
        for optional in ("skipped", "continued_full_sweep"):
            if summary[optional] is None:
                del summary[optional]
        return summary

    def runs(self) -> list["ReconcileReport"]:
        """This run and the full sweep it continued, for metrics that add both."""
        return [self, *([self.continued_full_sweep] if self.continued_full_sweep else [])]


@dataclass(frozen=True)
class Budget:
    """When to stop starting work. `time_left` is the hard limit (Lambda's remaining time less a safety
    margin): a step starts only if its worst case fits. `stop_at` (time.monotonic) is the caller's soft
    one, checked between pages once the invocation has made progress (and between invitations once it is
    PAGE_GRACE_SECONDS overdue), so every call moves the cursor."""

    time_left: Callable[[], float]
    stop_at: float | None = None

    def allows(self, seconds: float) -> bool:
        return self.time_left() >= seconds

    def stop_requested(self, grace: float = 0.0) -> bool:
        return self.stop_at is not None and time.monotonic() >= self.stop_at + grace


@dataclass
class _Run:
    request: ReconcileRequest
    report: ReconcileReport
    budget: Budget
    run_id: str
    started: datetime
    baseline: str | None  # drift baseline: the start of the last complete scheduled run
    state: dict[str, Any]
    participant_types: Sequence[str]
    on_page: Callable[[ReconcileReport], None] | None

    @property
    def state_name(self) -> str:
        """Dry runs keep their cursor apart, so they never move a real run's."""
        return f"{self.request.mode}-dry-run" if self.request.dry_run else self.request.mode

    def fail(self, what: str, error: Exception) -> None:
        self.report.failed.append(f"{what}: {type(error).__name__}")
        logger.warning("reconcile could not finish one step", step=what, error_type=type(error).__name__)


class _OutOfTime(Exception):
    """Stop here; the state item says where the next invocation resumes."""


def _now() -> datetime:
    return datetime.now(UTC)


class Reconciler:
    def __init__(
        self,
        partner_central: PartnerCentralInvitations,
        store: InvitationStore,
        sync: InvitationSync,
        *,
        seconds_per_page: float,
        seconds_per_sync: float,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        """`seconds_per_page` and `seconds_per_sync` are worst cases (see budgets.py): a step starts only
        when it can finish before the budget runs out."""
        self._partner_central = partner_central
        self._store = store
        self._sync = sync
        self._per_page = seconds_per_page
        self._per_sync = seconds_per_sync
        self._clock = clock

    def run(
        self,
        request: ReconcileRequest,
        catalogs: Sequence[str],
        participant_types: Sequence[str],
        budget: Budget,
        run_id: str,
        *,
        lock_seconds: float,
        on_page: Callable[[ReconcileReport], None] | None = None,
    ) -> ReconcileReport:
        """One invocation of `request.mode`, unless another run holds the lock (then `skipped` says until when)."""
        report = ReconcileReport(mode=request.mode)
        now = self._clock()
        held_until = self._store.take_reconciler_lock(
            run_id, iso_utc(now + timedelta(seconds=lock_seconds)), iso_utc(now)
        )
        if held_until is not None:
            report.skipped = f"another reconcile run holds the lock until {held_until}"
            if request.mode == "full" and not request.dry_run:
                self._defer_sweep(now)
            return report
        try:
            scheduled: dict[str, dict[str, Any]] = {
                mode: self._store.get_reconciler_state(mode) for mode in SCHEDULED_MODES
            }
            baselines = [
                state["lastCompletedStartedAt"] for state in scheduled.values() if "lastCompletedStartedAt" in state
            ]
            run = _Run(
                request, report, budget, run_id, now, max(baselines, default=None), {}, participant_types, on_page
            )
            own = scheduled.get(run.state_name)
            run.state = own if own is not None else self._store.get_reconciler_state(run.state_name)
            self._run_locked(run, catalogs)
            if (
                request.mode == "incremental"
                and report.complete
                and not request.dry_run
                and ("pair" in scheduled["full"] or "requestedAt" in scheduled["full"])
            ):
                # A full sweep longer than one invocation, or one skipped while another run held the lock,
                # goes on hourly: not a week later (with an expired token).
                full = ReconcileReport(mode="full")
                sweep = _Run(
                    ReconcileRequest(mode="full"),
                    full,
                    budget,
                    run_id,
                    now,
                    run.baseline,
                    scheduled["full"],
                    participant_types,
                    on_page,
                )
                self._run_locked(sweep, catalogs)
                report.continued_full_sweep = full
        finally:
            try:
                self._store.release_reconciler_lock(run_id)
            except StoreUnavailableError:
                logger.warning("reconcile lock not released: it expires by itself", run_id=run_id)
        return report

    def _defer_sweep(self, now: datetime) -> None:
        """A full sweep that found the lock held (a backfill, or the hourly run it fired beside) is left to
        the next complete incremental run, like an unfinished one. If that cannot be noted, the invocation
        fails (ReconcilerErrors alarms) rather than leave the sweep silently to next week."""
        self._store.request_reconciler_run("full", iso_utc(now))
        logger.info("full sweep skipped: the next incremental run carries it out")

    def _run_locked(self, run: _Run, catalogs: Sequence[str]) -> None:
        pairs = [f"{catalog}#{participant}" for catalog in catalogs for participant in run.participant_types]
        try:
            if run.request.mode == "incremental":
                run.started = _parse(run.state.get("runStartedAt")) or run.started  # an unfinished run's start
                self._incremental(run, catalogs)
            else:
                self._sweep(run, pairs)
        except _OutOfTime:
            logger.info("reconcile paused before the time limit", mode=run.request.mode, listed=run.report.listed)
            return
        finally:
            run.report.run_started_at = iso_utc(run.started)
        run.report.complete = True
        self._store.put_reconciler_state(
            run.state_name,
            {
                "lastCompletedAt": iso_utc(self._clock()),
                "lastCompletedStartedAt": iso_utc(run.started),  # the drift baseline, for scheduled modes
                "lastReport": _last_report(run.report, run.run_id),
            },
        )

    # --- modes ----------------------------------------------------------------------------
    def _sweep(self, run: _Run, pairs: list[str]) -> None:
        """Every invitation of every pair, oldest first, resuming at the stored pair and token."""
        resume = {} if run.request.restart else run.state
        if resume.get("pairs") != pairs:  # another scope: its cursor does not apply
            resume = {}
        requested, cursor_started = resume.get("requestedAt"), resume.get("runStartedAt")
        if requested and cursor_started and requested > cursor_started:  # a new sweep is due, not last week's
            resume = {}
        run.started = _parse(resume.get("runStartedAt")) or run.started
        first = pairs.index(resume["pair"]) if resume.get("pair") in pairs else 0
        token: str | None = resume.get("nextToken")
        for pair in pairs[first:]:
            catalog = pair.split("#")[0]
            while True:
                self._save_progress(run, pairs, pair, token)
                summaries, next_token = self._list(run, pair, token)
                if summaries is None:  # the token was refused: this pair again from the start
                    token = None
                    continue
                self._compare_page(run, catalog, summaries)
                if not next_token:
                    break
                token = next_token
            token = None

    def _incremental(self, run: _Run, catalogs: Sequence[str]) -> None:
        """Per catalog and participant type: the PENDING invitations, then the newest ones down to the
        last complete run's start (less a margin); then a Get for each stored PENDING invitation that
        was not listed. With no complete run yet, it looks back one open window (15 days)."""
        self._save_progress(run, None, None, None)
        baseline = _parse(run.baseline) or run.started - OPEN_WINDOW
        since = iso_utc(baseline - RECENT_MARGIN)
        for catalog in catalogs:
            compared: set[str] = set()
            for participant in run.participant_types:
                pair = f"{catalog}#{participant}"
                for statuses, newest_first in (((PENDING,), False), ((), True)):
                    token: str | None = None
                    while True:
                        summaries, token = self._list(run, pair, token, statuses=statuses, newest_first=newest_first)
                        if summaries is None:
                            continue  # the token was refused: list again from the start
                        wanted = [s for s in summaries if s["Id"] not in compared and (statuses or _dated(s) >= since)]
                        compared.update(s["Id"] for s in wanted)
                        self._compare_page(run, catalog, wanted)
                        older = any(_dated(s) and _dated(s) < since for s in summaries)
                        if not token or (not statuses and older):
                            break
            self._resync_unlisted_pending(run, catalog, compared)
            self._find_missing_summaries(run, catalog)

    # --- steps ----------------------------------------------------------------------------
    def _list(
        self, run: _Run, pair: str, token: str | None, **filters: Any
    ) -> tuple[list[dict[str, Any]] | None, str | None]:
        """One List call within the budget; (None, None) when Partner Central refused the token."""
        if not run.budget.allows(self._per_page) or (run.report.list_calls and run.budget.stop_requested()):
            raise _OutOfTime
        catalog, participant = pair.split("#")
        try:
            summaries, next_token = self._partner_central.list_page(catalog, participant, token, **filters)
        except ListTokenRefusedError:
            run.report.restarted_pairs.append(pair)
            logger.warning("resume token refused: listing the pair from the start", pair=pair)
            return None, None
        except InvitationSyncError as error:  # Partner Central keeps failing: stop, state kept, next run resumes
            run.fail(pair, error)
            raise _OutOfTime from error
        finally:
            run.report.list_calls += 1
        run.report.listed += len(summaries)
        return summaries, next_token

    def _compare_page(self, run: _Run, catalog: str, summaries: list[dict[str, Any]]) -> None:
        if summaries:
            try:
                stored = self._store.get_many(catalog, [summary["Id"] for summary in summaries])
            except InvitationSyncError as error:  # unavailable, or an item it cannot read: reported, run ends
                run.fail(f"{catalog} BatchGetItem", error)
                raise _OutOfTime from error
            for summary in summaries:
                self._reconcile_one(run, summary, stored.get(summary["Id"]))
        if run.on_page:
            run.on_page(run.report)

    def _reconcile_one(self, run: _Run, summary: dict[str, Any], stored: StoredInvitation | None) -> None:
        self._check_time_for_sync(run, stored)
        if run.report.synced and run.budget.stop_requested(grace=PAGE_GRACE_SECONDS):
            # A page of missing invitations takes 20 s of Gets at 5/s, longer when throttled: once the
            # caller's soft stop is overdue, it is honoured between invitations too. The next invocation
            # lists this page again (one more List); what was synced compares as unchanged, at no Get.
            raise _OutOfTime
        try:
            listed = normalize_summary(summary)
        except InvitationSyncError as error:  # a summary that does not fit: reported, the run goes on
            run.fail(f"{run.request.mode} summary", error)
            return
        if not self._finish_pending(run, stored):
            return
        difference = _difference(summary, listed, stored)
        if difference is None:
            run.report.unchanged += 1
            return
        if run.request.dry_run:
            run.report.planned.append(PlannedChange(listed.catalog, listed.id, difference))
            return
        self._sync_counted(
            run, listed.catalog, listed.id, stored, announced_status=listed.status, known=listed, from_summary=True
        )

    def _resync_unlisted_pending(self, run: _Run, catalog: str, compared: set[str]) -> None:
        """Stored as PENDING but not listed as PENDING: answered or expired without an event reaching us."""
        unlisted = [s for s in self._stored_pending(run, catalog) if s.invitation.id not in compared]
        for stored in unlisted:
            self._check_time_for_sync(run, stored)
            invitation = stored.invitation
            if run.request.dry_run:
                run.report.planned.append(PlannedChange(catalog, invitation.id, "no longer listed as PENDING"))
            elif self._finish_pending(run, stored):
                self._sync_counted(
                    run, catalog, invitation.id, stored, announced_status=None, known=invitation, from_summary=False
                )

    def _find_missing_summaries(self, run: _Run, catalog: str) -> None:
        """Invitations first seen already rejected or expired, by an event naming no engagement: Get refuses
        them and List filters neither by id nor by a date we know, so no date index holds them. The
        bySummaryMissing index does, until a List of their status, newest first, shows them: each was sent
        at most OPEN_WINDOW before it was first seen, which bounds the pages. Nothing waits: one Query."""
        waiting = self._query_pages(
            run, f"{catalog} Query missing summaries", self._store.pages_without_summary(catalog)
        )
        for status in sorted({stored.invitation.status for stored in waiting if stored.invitation.status}):
            of_status = [stored for stored in waiting if stored.invitation.status == status]
            wanted = {stored.invitation.id for stored in of_status}
            first_seen = min(datetime.fromisoformat(stored.synced_at) for stored in of_status)
            oldest = iso_utc(first_seen - OPEN_WINDOW - RECENT_MARGIN)
            for participant in run.participant_types:
                token: str | None = None
                while wanted:
                    pair = f"{catalog}#{participant}"
                    summaries, token = self._list(run, pair, token, statuses=(status,), newest_first=True)
                    if summaries is None:
                        continue  # the token was refused: list again from the start
                    found = [summary for summary in summaries if summary["Id"] in wanted]
                    wanted -= {summary["Id"] for summary in found}
                    self._compare_page(run, catalog, found)
                    if not token or any(_dated(summary) and _dated(summary) < oldest for summary in summaries):
                        break

    def _stored_pending(self, run: _Run, catalog: str) -> list[StoredInvitation]:
        """The byStatus query, each page (one call) a step within the budget: the open set outgrows one
        page (1 MB) at about 500 invitations."""
        return self._query_pages(run, f"{catalog} Query", self._store.pages_with_status(catalog, PENDING))

    def _query_pages(self, run: _Run, what: str, pages: Iterator[list[StoredInvitation]]) -> list[StoredInvitation]:
        found: list[StoredInvitation] = []
        while True:
            if not run.budget.allows(AWS_CALL_WORST_CASE):
                raise _OutOfTime
            try:
                page = next(pages, None)
            except InvitationSyncError as error:
                run.fail(what, error)
                raise _OutOfTime from error
            if page is None:
                return found
            found.extend(page)

    def _check_time_for_sync(self, run: _Run, stored: StoredInvitation | None) -> None:
        """A sync at its worst fits, and before it the publish its writer left pending, if any."""
        pending = FINISH_PENDING_WORST_CASE if stored is not None and stored.publish_pending else 0.0
        if not run.budget.allows(self._per_sync + pending):
            raise _OutOfTime

    def _finish_pending(self, run: _Run, stored: StoredInvitation | None) -> bool:
        """Publish a version its writer left pending; False (counted as failed) if that fails too."""
        if stored is None or not stored.publish_pending or run.request.dry_run:
            return True
        try:
            run.report.pending_published += self._sync.finish_pending_publish(stored)
        except InvitationSyncError as error:
            run.fail(f"{stored.invitation.catalog}/{stored.invitation.id} pending publish", error)
            return False
        return True

    def _sync_counted(
        self,
        run: _Run,
        catalog: str,
        invitation_id: str,
        stored: StoredInvitation | None,
        *,
        announced_status: str | None,
        known: Invitation,
        from_summary: bool,
    ) -> None:
        """Sync one invitation; its failure is counted and reported, and the run goes on. `from_summary`:
        `known` is its List summary, so a hidden invitation needs no second List to find it."""
        source = f"reconcile:{run.run_id}"
        try:
            try:
                run.report.synced += 1
                result = self._sync.sync_invitation(
                    catalog,
                    invitation_id,
                    source,
                    announced_status=announced_status,
                    known=known,
                    known_from_summary=from_summary,
                )
            except InvitationNotAccessibleError as error:
                if announced_status is not None or (summary := self._find_summary(run, known)) is None:
                    raise
                listed = normalize_summary(summary)  # its details are gone: the List summary has the status
                result = self._sync.sync_inaccessible(
                    error,
                    catalog,
                    invitation_id,
                    source,
                    announced_status=listed.status,
                    known=listed,
                    participant_type=None,
                    known_from_summary=True,
                )
        except InvitationSyncError as error:  # one bad invitation must not stop the run
            run.fail(f"{catalog}/{invitation_id}", error)
            return
        self._count(run, result, stored, known.invitation_date)

    def _find_summary(self, run: _Run, invitation: Invitation) -> dict[str, Any] | None:
        """The List summary of one invitation, found by its engagement id (List filters by it)."""
        if not invitation.engagement_id:
            return None
        for participant in run.participant_types:
            run.report.list_calls += 1
            found = self._partner_central.find_summary(
                invitation.catalog, participant, invitation.engagement_id, invitation.id
            )
            if found is not None:
                return found
        return None

    def _count(self, run: _Run, result: SyncResult, stored: StoredInvitation | None, invited: str | None) -> None:
        if result.outcome != SyncOutcome.STORED:
            return
        new_since_baseline = run.baseline is not None and (invited or "") >= run.baseline
        if stored is None and not new_since_baseline:
            run.report.backfilled += 1
        else:
            run.report.drift_repaired += 1
            logger.info("drift repaired: an event was missed", invitation_id=result.invitation_id)

    def _save_progress(self, run: _Run, pairs: list[str] | None, pair: str | None, token: str | None) -> None:
        """Where the next invocation resumes (sweeps), the run's start, and what the last complete run did."""
        kept = {key: run.state[key] for key in _KEPT if key in run.state}
        progress: dict[str, Any] = {
            "pairs": pairs,
            "pair": pair,
            "nextToken": token,
            "runStartedAt": iso_utc(run.started),
        }
        if progress != {key: run.state.get(key) for key in progress}:
            run.state = {**kept, **{key: value for key, value in progress.items() if value is not None}}
            self._store.put_reconciler_state(run.state_name, run.state)


def _dated(summary: dict[str, Any]) -> str:
    invited = summary.get("InvitationDate")
    return iso_utc(invited) if isinstance(invited, datetime) else ""


def _parse(moment: str | None) -> datetime | None:
    return datetime.fromisoformat(moment) if moment else None


def _last_report(report: ReconcileReport, run_id: str) -> dict[str, Any]:
    """What `invitation-sync status` shows of the last complete run: counts, not the dry run's plan."""
    summary = report.summary()
    summary.pop("planned")
    summary.pop("partner_central_requests")  # known only once the invocation is over
    summary["failed"] = report.failed[:_LAST_REPORT_FAILURES]
    return {**summary, "runId": run_id}


def _difference(summary: dict[str, Any], listed: Invitation, stored: StoredInvitation | None) -> str | None:
    """Why the stored item is not current according to the summary, or None if it is."""
    if stored is None:
        return "missing"
    kept = stored.invitation
    if kept.status != listed.status:
        # Final is final: a summary that contradicts a stored final status can change nothing.
        return None if kept.status in FINAL_STATUSES else f"status {kept.status} -> {listed.status}"
    if not kept.details_retrievable:  # the details are gone: only what the summary adds can still change it
        more = sorted(kept.missing_members(listed))
        return f"summary has more: {', '.join(more)}" if more else None
    compared = {key[:1].lower() + key[1:] for key in summary if key != "ParticipantType"}
    new, old = listed.model_dump(mode="json", by_alias=True), stored.invitation.model_dump(mode="json", by_alias=True)
    changed = sorted(key for key in compared if new.get(key) != old.get(key))
    return f"changed: {', '.join(changed)}" if changed else None
