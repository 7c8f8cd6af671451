"""`invitation-sync`: backfill the table and redrive failed events from your machine.

Uses your AWS credentials (AWS_PROFILE, ...) and honours the standard endpoint variables, so the
same commands run against the local emulator and moto.
"""

import argparse
import os
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Final

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)
from pydantic import ValidationError
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from invitation_sync.adapters.aws import error_code, sqs_client
from invitation_sync.adapters.failed_events import FailedEventQueue
from invitation_sync.errors import InvitationSyncError
from invitation_sync.models.base import describe
from invitation_sync.models.reconcile_request import ReconcileRequest
from invitation_sync.reconcile import Budget, ReconcileReport
from invitation_sync.redrive import redrive
from invitation_sync.settings import ReconcileSettings
from invitation_sync.wiring import build_reconcile_services

REGION: Final = "us-east-1"
console = Console(stderr=True)


class CommandError(Exception):
    """Printed as one line, exit status 1."""


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"] = args.region
    command: Callable[[argparse.Namespace], None] = args.run
    try:
        command(args)
    except (CommandError, InvitationSyncError) as error:
        console.print(f"[red]invitation-sync {args.command}:[/red] {error}", soft_wrap=True)
        return 1
    except (NoCredentialsError, PartialCredentialsError):
        console.print(
            f"[red]invitation-sync {args.command}:[/red] no AWS credentials found: set AWS_PROFILE (or the "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY pair) for the account linked to Partner Central",
            soft_wrap=True,
        )
        return 1
    except (ClientError, EndpointConnectionError, NoRegionError, BotoCoreError) as error:
        console.print(f"[red]invitation-sync {args.command}:[/red] {_explain(error, args)}", soft_wrap=True)
        return 1
    return 0


def _explain(error: Exception, args: argparse.Namespace) -> str:
    if isinstance(error, ClientError):
        code = error_code(error)
        if code == "ResourceNotFoundException":
            return (
                f"{getattr(args, 'table', 'the table')} was not found in {args.region}: the stack deploys to "
                f"{REGION}; check --region and --table (stack output TableName)"
            )
        if code in {"AccessDeniedException", "AccessDenied", "UnrecognizedClientException"}:
            return f"access denied ({code}): these credentials cannot use the table, topic, queue or Partner Central"
        return f"{code}: {error.response.get('Error', {}).get('Message', '')}"
    return f"{type(error).__name__}: {error}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="invitation-sync", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--table",
            default=os.environ.get("INVITATIONS_TABLE_NAME"),
            help="table name (stack output TableName; env INVITATIONS_TABLE_NAME)",
        )
        sub.add_argument(
            "--topic-arn",
            default=os.environ.get("INVITATION_EVENTS_TOPIC_ARN"),
            help="event topic (stack output TopicArn; env INVITATION_EVENTS_TOPIC_ARN)",
        )
        sub.add_argument(
            "--catalog", action="append", choices=["AWS", "Sandbox"], help="catalog to sync (repeatable; default AWS)"
        )
        sub.add_argument(
            "--region",
            default=REGION,
            help=f"region of the stack (default {REGION}, the only one Partner Central serves)",
        )

    backfill = commands.add_parser(
        "backfill",
        help="make the table match Partner Central now (the reconcile run, from your machine)",
        description="Pages ListEngagementInvitations and syncs every missing or changed invitation through the same "
        "conditional write and publish as events. Unchanged invitations cost no Get call.",
    )
    common(backfill)
    backfill.add_argument("--participant-type", action="append", choices=["RECEIVER", "SENDER"], help="default: both")
    backfill.add_argument(
        "--rate-cap",
        type=float,
        default=5.0,
        help="Partner Central requests/second (default 5; the shared quota is 10)",
    )
    backfill.add_argument("--dry-run", action="store_true", help="print what would change; write and publish nothing")
    backfill.set_defaults(run=_backfill)

    redrive_parser = commands.add_parser(
        "redrive",
        help="re-process events from the failed-events queue; delete only those that succeed",
        description="Reads failed events (ours, Lambda on-failure records, EventBridge dead letters), syncs each "
        "through the normal path, deletes the ones that succeed and lists the rest with their reasons.",
    )
    common(redrive_parser)
    redrive_parser.add_argument(
        "--queue-url", default=os.environ.get("FAILED_EVENTS_QUEUE_URL"), help="stack output FailedEventsQueueUrl"
    )
    redrive_parser.add_argument("--max-messages", type=int, default=100)
    redrive_parser.set_defaults(run=_redrive)
    return parser


def _settings(
    args: argparse.Namespace, participant_types: Sequence[str] = ("RECEIVER",), rate_cap: float = 5.0
) -> ReconcileSettings:
    missing = [flag for flag, value in (("--table", args.table), ("--topic-arn", args.topic_arn)) if not value]
    if missing:
        raise CommandError(f"{' and '.join(missing)} required (or the matching environment variables)")
    try:
        return ReconcileSettings.model_validate(
            {
                "INVITATIONS_TABLE_NAME": args.table,
                "INVITATION_EVENTS_TOPIC_ARN": args.topic_arn,
                "SYNC_CATALOGS": ",".join(args.catalog or ["AWS"]),
                "RECONCILE_PARTICIPANT_TYPES": ",".join(participant_types),
                "PARTNER_CENTRAL_RATE_CAP": rate_cap,
            }
        )
    except ValidationError as error:
        raise CommandError(describe(error)) from None


def _backfill(args: argparse.Namespace) -> None:
    participant_types = args.participant_type or ["RECEIVER", "SENDER"]
    settings = _settings(args, participant_types, args.rate_cap)
    services = build_reconcile_services(settings)
    started = time.monotonic()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("listing invitations", total=None)

        def on_page(report: ReconcileReport) -> None:
            progress.update(
                task, description=f"listed {report.listed}, synced {report.synced}, unchanged {report.unchanged}"
            )

        report = services.reconciler.run(
            ReconcileRequest(mode="backfill", dry_run=args.dry_run),
            sorted(settings.catalogs),
            participant_types,
            Budget(lambda: 86_400.0),
            f"backfill-{uuid.uuid4()}",
            lock_seconds=86_400.0,
            on_page=on_page,
        )
    if report.skipped:
        raise CommandError(report.skipped)
    out = Console()
    if args.dry_run:
        table = Table(title=f"would change ({len(report.planned)})")
        for column in ("catalog", "invitation", "why"):
            table.add_column(column)
        for change in report.planned:
            table.add_row(change.catalog, change.invitation_id, change.reason)
        out.print(table)
    summary = Table(title="backfill" + (" (dry run)" if args.dry_run else ""))
    summary.add_column("measure")
    summary.add_column("value", justify="right")
    for name, value in (
        ("List calls", report.list_calls),
        ("invitations listed", report.listed),
        ("unchanged", report.unchanged),
        ("Get calls", report.synced),
        ("stored (backfill)", report.backfilled),
        ("stored (drift)", report.drift_repaired),
        ("pending publishes finished", report.pending_published),
        ("failed", len(report.failed)),
        ("seconds", f"{time.monotonic() - started:.1f}"),
    ):
        summary.add_row(name, str(value))
    out.print(summary)
    for failure in report.failed:
        out.print(f"failed: {failure}")


def _redrive(args: argparse.Namespace) -> None:
    if not args.queue_url:
        raise CommandError("--queue-url required (stack output FailedEventsQueueUrl, env FAILED_EVENTS_QUEUE_URL)")
    services = build_reconcile_services(_settings(args))
    report = redrive(FailedEventQueue(sqs_client(), args.queue_url), services.sync, args.max_messages)
    out = Console()
    out.print(f"redriven and deleted: {len(report.redriven)}")
    if report.left:
        table = Table(title=f"left in the queue ({len(report.left)})")
        table.add_column("message")
        table.add_column("why it still fails")
        for message_id, reason in report.left:
            table.add_row(message_id, reason)
        out.print(table)


if __name__ == "__main__":
    sys.exit(main())
