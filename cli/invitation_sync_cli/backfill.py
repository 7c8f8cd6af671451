"""Backfill: invoke the reconciler function in its own `backfill` mode, one short invocation after
another, until it reports the run complete. Its cursor lives in the table, so a stopped backfill
resumes where it stopped."""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from invitation_sync_cli.invoker import FunctionFailedError, FunctionInvoker

# Each invocation returns after about this long with its cursor stored: progress at least every 30 s.
INVOCATION_SECONDS: Final = 25
LOCK_RETRY_SECONDS: Final = 15.0
COUNTS: Final = ("list_calls", "listed", "synced", "unchanged", "drift_repaired", "backfilled", "pending_published")
# Get and List share 100,000 reads a day per partner account with the partner's other integrations (their
# CRM connector too): a first backfill of a long history costs one Get per invitation, so by default a run
# stops after a fifth of that and says how to go on.
DEFAULT_MAX_READS: Final = 20_000


@dataclass
class BackfillRequest:
    dry_run: bool = False
    restart: bool = False
    catalogs: Sequence[str] = ()  # empty: the function's configured catalogs
    participant_types: Sequence[str] = ()
    max_reads: int = DEFAULT_MAX_READS  # Partner Central requests (List and Get, retries included) this run may spend

    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "mode": "backfill",
            "dryRun": self.dry_run,
            "restart": self.restart,
            "maxSeconds": INVOCATION_SECONDS,
        }
        if self.catalogs:
            payload["catalogs"] = list(self.catalogs)
        if self.participant_types:
            payload["participantTypes"] = list(self.participant_types)
        return payload


@dataclass
class BackfillProgress:
    invocations: int = 0
    complete: bool = False
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    failed: list[str] = field(default_factory=list)
    planned: list[dict[str, str]] = field(default_factory=list)
    out_of_reads: bool = False  # stopped at the request's max_reads
    # Partner Central reads spent so far: every request the function sent, botocore's retries included;
    # for an answer from a function older than that count, its List and Get calls.
    reads: int = 0

    def add(self, report: dict[str, Any]) -> None:
        self.invocations += 1
        if "partner_central_requests" in report:
            self.reads += int(report["partner_central_requests"])
        else:
            self.reads += int(report.get("list_calls") or 0) + int(report.get("synced") or 0)
        self.complete = bool(report.get("complete"))
        for name in COUNTS:
            self.counts[name] += int(report.get(name) or 0)
        self.failed += [str(failure) for failure in report.get("failed") or []]
        self.planned += list(report.get("planned") or [])

    def line(self) -> str:
        counts = self.counts
        return (
            f"listed {counts['listed']}, synced {counts['synced']}, unchanged {counts['unchanged']}, "
            f"failed {len(self.failed)} ({self.invocations} invocation{'s' * (self.invocations != 1)})"
        )


def run_backfill(
    invoker: FunctionInvoker,
    function_name: str,
    request: BackfillRequest,
    *,
    report: Callable[[str], None],
    stop_requested: Callable[[], bool],
    sleep: Callable[[float], None] = time.sleep,
) -> BackfillProgress:
    """Invoke until complete, until a stop is requested between two invocations, or until the first
    invocation that ends at or past `request.max_reads` (one invocation reads for about 30 s at the
    reconciler's rate cap: ~150 requests at 5/s)."""
    progress = BackfillProgress()
    payload = request.payload()
    while not progress.complete and not stop_requested():
        answer = invoker.invoke(function_name, payload)
        if answer.get("skipped"):  # another reconcile run holds the lock: nothing ran, ask again
            report(f"{answer['skipped']}; trying again in {LOCK_RETRY_SECONDS:.0f} s (Ctrl-C to stop)")
            sleep(LOCK_RETRY_SECONDS)
            continue
        progress.add(answer)
        payload["restart"] = False  # only the first invocation that ran starts over
        report(progress.line())
        if not progress.complete and _stalled(answer):
            # Calling again at once would repeat the same failing step, spending the shared quota for nothing.
            reasons = "; ".join(str(failure) for failure in answer.get("failed") or []) or "no reason given"
            raise FunctionFailedError(function_name, "NoProgress", f"a step failed and nothing moved ({reasons})")
        if not progress.complete and progress.reads >= request.max_reads:
            progress.out_of_reads = True
            report(
                f"read budget spent: {progress.reads} Partner Central reads (--max-reads {request.max_reads}; "
                "the partner's 100,000 a day are shared with its other integrations)"
            )
            break
    return progress


def _stalled(answer: dict[str, Any]) -> bool:
    """An invocation that stopped early with failures, having settled no invitation (listing alone moves
    nothing: the next invocation lists the same page again)."""
    moved = any(int(answer.get(name) or 0) for name in ("synced", "unchanged")) or bool(answer.get("planned"))
    return not moved and bool(answer.get("failed"))
