"""What the commands print: rich tables on stdout, or one JSON document with --json (progress and
errors go to stderr either way)."""

import json
import sys
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from invitation_sync.normalize import iso_utc
from invitation_sync_cli.backfill import BackfillProgress
from invitation_sync_cli.redrive import ParkedEvent
from invitation_sync_cli.status import STATUSES, StackStatus
from invitation_sync_cli.verify import Step


def json_document(document: Mapping[str, Any]) -> None:
    """Plain JSON, not rich's: no colour codes or wrapping in what a script parses."""
    sys.stdout.write(json.dumps(document, indent=2, default=_number) + "\n")


def _number(value: object) -> int | float:
    """DynamoDB's numbers arrive as Decimal."""
    if not isinstance(value, Decimal):
        raise TypeError(f"{type(value).__name__} is not JSON")
    return int(value) if value == value.to_integral_value() else float(value)


def backfill_summary(out: Console, progress: BackfillProgress, *, dry_run: bool) -> None:
    if dry_run:
        table = Table(title=f"would change ({len(progress.planned)})")
        for column in ("catalog", "invitation", "why"):
            table.add_column(column)
        for change in progress.planned:
            table.add_row(change.get("catalog", ""), change.get("invitation_id", ""), change.get("reason", ""))
        out.print(table)
    summary = Table(title="backfill" + (" (dry run)" if dry_run else "") + (" complete" if progress.complete else ""))
    summary.add_column("measure")
    summary.add_column("value", justify="right")
    counts = progress.counts
    for name, value in (
        ("invocations", progress.invocations),
        ("List calls", counts["list_calls"]),
        ("invitations listed", counts["listed"]),
        ("unchanged", counts["unchanged"]),
        ("synced (Get calls)", counts["synced"]),
        ("Partner Central requests", progress.reads),
        ("stored (backfill)", counts["backfilled"]),
        ("stored (drift)", counts["drift_repaired"]),
        ("pending publishes finished", counts["pending_published"]),
        ("failed", len(progress.failed)),
    ):
        summary.add_row(name, str(value))
    out.print(summary)
    for failure in progress.failed:
        out.print(f"failed: {failure}", highlight=False, soft_wrap=True)


def parked(out: Console, events: list[ParkedEvent], queue: str = "failed-events queue") -> None:
    """One line each, invitation events first: long reasons stay whole and greppable."""
    if not events:
        out.print(f"nothing stays parked in the {queue}")
        return
    out.print(f"still parked in the {queue} ({len(events)}):")
    for event in sorted(events, key=lambda event: (not event.is_invitation, event.what)):
        out.print(f"  {event.what}: {event.reason} (message {event.message_id})", highlight=False, soft_wrap=True)


def status(out: Console, stack: str, catalogs: list[str], state: StackStatus) -> None:
    counts = Table(title=f"{stack}: invitations")
    counts.add_column("catalog")
    for name in STATUSES:
        counts.add_column(name, justify="right")
    for catalog in catalogs:
        counts.add_row(catalog, *(str(state.counts[(catalog, name)]) for name in STATUSES))
    out.print(counts)

    expiring = Table(title=f"PENDING, expiring within 72 hours ({len(state.expiring)})")
    for column in ("catalog", "invitation", "expires", "hours left"):
        expiring.add_column(column)
    for item in state.expiring:
        expiring.add_row(item.catalog, item.invitation_id, item.expires_at, str(item.hours_left))
    out.print(expiring)

    if not state.scheduled_runs:
        out.print("last complete scheduled reconcile: none yet")
    for run in state.scheduled_runs:
        repaired = run.repaired
        out.print(
            f"last complete scheduled reconcile ({run.mode}): {run.completed_at or 'never'}; "
            f"drift repaired {repaired.get('drift_repaired', 0)}, backfilled {repaired.get('backfilled', 0)}, "
            f"failed {len(repaired.get('failed') or [])}",
            highlight=False,
            soft_wrap=True,
        )

    if state.sweep_due_since:
        out.print(
            f"full sweep due since {state.sweep_due_since} (skipped: another run held the lock); "
            "the next complete incremental run carries it out",
            highlight=False,
            soft_wrap=True,
        )

    age, measured = state.oldest_failed_event_seconds, state.oldest_failed_event_measured_at
    if age is None or measured is None:
        oldest = "age of the oldest not measured: no CloudWatch datapoint in the last 15 minutes"
    else:
        oldest = f"oldest {age / 3600:.1f} h, measured by CloudWatch at {iso_utc(measured)}"
    out.print(
        f"failed events waiting: {state.failed_events_waiting} ({oldest}; in flight {state.failed_events_in_flight})",
        highlight=False,
        soft_wrap=True,
    )
    if not state.alarms_in_alarm:
        out.print("alarms in ALARM: none")
    for name, reason in state.alarms_in_alarm:
        out.print(f"[red]ALARM[/red] {name}: {reason}", highlight=False, soft_wrap=True)


def verify_step(out: Console, step: Step) -> None:
    """`PASS|FAIL|SKIP <step>: <what>`, then the fix of a failure on its own line."""
    mark = {True: "[green]PASS[/green]", False: "[red]FAIL[/red]", None: "SKIP"}[step.passed]
    out.print(f"{mark} {step.name}: {step.detail}", highlight=False, soft_wrap=True)
    if step.fix:
        out.print(f"     fix: {step.fix}", highlight=False, soft_wrap=True)
