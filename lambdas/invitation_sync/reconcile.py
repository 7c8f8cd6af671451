"""The reconcile use case: page ListEngagementInvitations, compare each summary with the stored item,
and send only missing or changed invitations through the same sync path as events.

An unchanged invitation costs no Get: one List call per 100 invitations and one BatchGetItem per page.
The run stops before its time is up and stores a cursor, so the next run resumes where it stopped.
"""

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from invitation_sync.adapters.partner_central import PartnerCentralInvitations
from invitation_sync.adapters.store import InvitationStore
from invitation_sync.domain import FINAL_STATUSES
from invitation_sync.errors import InvitationSyncError
from invitation_sync.models.invitation import Invitation
from invitation_sync.models.stored import StoredInvitation
from invitation_sync.normalize import iso_utc, normalize_summary
from invitation_sync.observability import logger
from invitation_sync.sync import InvitationSync, SyncOutcome

SECONDS_PER_PAGE: Final = 15.0  # a List call, a BatchGetItem, and room to stop cleanly
SECONDS_PER_SYNC: Final = 5.0  # one Get, one write, one publish, with retries


@dataclass
class PlannedChange:
    catalog: str
    invitation_id: str
    reason: str  # "missing" or "status PENDING -> ACCEPTED" / "content changed"


@dataclass
class ReconcileReport:
    complete: bool = False
    list_calls: int = 0
    listed: int = 0
    unchanged: int = 0
    synced: int = 0  # Get calls made
    drift_repaired: int = 0  # changed, or new since the last complete run: an event was missed
    backfilled: int = 0  # missing before the first complete run: never delivered as events
    pending_published: int = 0
    failed: list[str] = field(default_factory=list)  # "<catalog>/<id>: <error type>"
    planned: list[PlannedChange] = field(default_factory=list)  # dry runs only

    def summary(self) -> dict[str, Any]:
        return asdict(self)


def _now() -> datetime:
    return datetime.now(UTC)


class Reconciler:
    def __init__(
        self,
        partner_central: PartnerCentralInvitations,
        store: InvitationStore,
        sync: InvitationSync,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._partner_central = partner_central
        self._store = store
        self._sync = sync
        self._clock = clock

    def run(
        self,
        catalogs: Sequence[str],
        participant_types: Sequence[str],
        time_left: Callable[[], float],
        run_id: str,
        *,
        dry_run: bool = False,
        on_page: Callable[[ReconcileReport], None] | None = None,
    ) -> ReconcileReport:
        report = ReconcileReport()
        cursor = self._store.get_reconcile_cursor()
        baseline = cursor.get("lastCompletedAt")
        pairs = [f"{catalog}#{participant}" for catalog in catalogs for participant in participant_types]
        first = pairs.index(cursor["pair"]) if cursor.get("pair") in pairs else 0
        token: str | None = cursor.get("nextToken") if cursor.get("pair") in pairs else None
        for pair in pairs[first:]:
            catalog, participant = pair.split("#")
            while True:
                if time_left() < SECONDS_PER_PAGE:
                    return self._pause(report, pair, token, baseline, dry_run)
                summaries, next_token = self._partner_central.list_page(catalog, participant, token)
                report.list_calls += 1
                report.listed += len(summaries)
                stored = self._store.get_many(catalog, [summary["Id"] for summary in summaries])
                for summary in summaries:
                    if time_left() < SECONDS_PER_SYNC:
                        return self._pause(report, pair, token, baseline, dry_run)  # this page again
                    self._reconcile_one(
                        summary,
                        stored.get(summary["Id"]),
                        baseline=baseline,
                        run_id=run_id,
                        report=report,
                        dry_run=dry_run,
                    )
                if on_page:
                    on_page(report)
                if not next_token:
                    break
                token = next_token
                self._save_progress(pair, token, baseline, dry_run)
            token = None
        if not dry_run:
            self._store.put_reconcile_cursor({"lastCompletedAt": iso_utc(self._clock())})
        report.complete = True
        return report

    def _pause(
        self, report: ReconcileReport, pair: str, token: str | None, baseline: str | None, dry_run: bool
    ) -> ReconcileReport:
        self._save_progress(pair, token, baseline, dry_run)
        logger.info("reconcile paused before the time limit", pair=pair, listed=report.listed)
        return report

    def _save_progress(self, pair: str, token: str | None, baseline: str | None, dry_run: bool) -> None:
        """Where the next run resumes; a dry run leaves no trace."""
        if not dry_run:
            self._store.put_reconcile_cursor({"pair": pair, "nextToken": token, "lastCompletedAt": baseline})

    def _reconcile_one(
        self,
        summary: dict[str, Any],
        stored: StoredInvitation | None,
        *,
        baseline: str | None,
        run_id: str,
        report: ReconcileReport,
        dry_run: bool,
    ) -> None:
        listed = normalize_summary(summary)
        if stored and stored.publish_pending and not dry_run:
            report.pending_published += self._sync.finish_pending_publish(stored)
        difference = _difference(summary, listed, stored)
        if difference is None:
            report.unchanged += 1
            return
        if dry_run:
            report.planned.append(PlannedChange(listed.catalog, listed.id, difference))
            return
        try:
            result = self._sync.sync_invitation(
                listed.catalog, listed.id, f"reconcile:{run_id}", announced_status=listed.status, known=listed
            )
        except InvitationSyncError as error:  # one bad invitation must not stop the run
            report.failed.append(f"{listed.catalog}/{listed.id}: {type(error).__name__}")
            logger.warning("reconcile could not sync", invitation_id=listed.id, error_type=type(error).__name__)
            return
        finally:
            report.synced += 1
        if result.outcome != SyncOutcome.STORED:
            return
        new_since_baseline = baseline is not None and (listed.invitation_date or "") >= baseline
        if stored is None and not new_since_baseline:
            report.backfilled += 1
        else:
            report.drift_repaired += 1
            logger.info("drift repaired: an event was missed", invitation_id=listed.id, catalog=listed.catalog)


def _difference(summary: dict[str, Any], listed: Invitation, stored: StoredInvitation | None) -> str | None:
    """Why the stored item is not current according to the summary, or None if it is."""
    if stored is None:
        return "missing"
    kept = stored.invitation
    if kept.status != listed.status:
        # Final is final: a summary that contradicts a stored final status can change nothing.
        return None if kept.status in FINAL_STATUSES else f"status {kept.status} -> {listed.status}"
    if not kept.details_retrievable:  # the details are gone: only what the summary adds can still change it
        more = sorted(name for name, value in listed if value not in (None, []) and getattr(kept, name) in (None, []))
        return f"summary has more: {', '.join(more)}" if more else None
    compared = {key[:1].lower() + key[1:] for key in summary if key != "ParticipantType"}
    new, old = listed.model_dump(mode="json", by_alias=True), stored.invitation.model_dump(mode="json", by_alias=True)
    changed = sorted(key for key in compared if new.get(key) != old.get(key))
    return f"changed: {', '.join(changed)}" if changed else None
