"""`invitation-sync`: operate a deployed invitation-sync stack by its name.

  backfill  invoke the reconciler function until the table matches Partner Central
  redrive   move parked events back to the event queue (SQS dead-letter redrive); list what stays
            (--chat: parked chat notifications back to the chat notifier's queue)
  status    invitations per status, expiring ones, the last reconcile, failed events, alarms
  verify    check the event path after a deploy: rule, policies, alarms, one record through the sync
  pending   the invitations waiting for an answer, soonest expiry first
  accept    accept an invitation through the stack's answer function (reject: reject one, with a reason)

Every name comes from the stack's outputs (--stack); the functions do the writing and publishing
under their own roles. Uses your AWS credentials (AWS_PROFILE, ...) and the standard endpoint variables.
"""

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, partial
from importlib import metadata
from types import FrameType
from typing import Final

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console

from invitation_sync.domain import CATALOGS, PARTICIPANT_TYPES
from invitation_sync.errors import InvitationSyncError
from invitation_sync.models.answer import Decision
from invitation_sync_cli import answering, pending, render, verify
from invitation_sync_cli.backfill import DEFAULT_MAX_READS, BackfillRequest, run_backfill
from invitation_sync_cli.clients import Clients
from invitation_sync_cli.errors import CommandError, explain
from invitation_sync_cli.invoker import FunctionFailedError, FunctionInvoker, LambdaInvoker
from invitation_sync_cli.redrive import CHAT, EVENTS, FailedEventsRedrive
from invitation_sync_cli.stack import DEFAULT_STACK, StackOutputs, read_outputs
from invitation_sync_cli.status import StatusReader, now_utc

REGION: Final = "us-east-1"
INTERRUPTED: Final = 130
FLAGS: Final = {  # stack output -> the flag that overrides it
    "TableName": "--table",
    "ReconcilerFunctionName": "--reconciler-function",
    "FailedEventsQueueUrl": "--failed-events-queue-url",
    "EventQueueUrl": "--event-queue-url",
    "AnswerFunctionName": "--answer-function",
    "FailedNotificationsQueueUrl": "--failed-notifications-queue-url",
    "ChatQueueUrl": "--chat-queue-url",
}
console = Console(stderr=True)


@dataclass
class Command:
    args: argparse.Namespace
    clients: Clients
    invoker_factory: Callable[[], FunctionInvoker]

    def outputs(self, *needed: str) -> StackOutputs:
        overrides = {key: getattr(self.args, flag[2:].replace("-", "_"), None) for key, flag in FLAGS.items()}
        return read_outputs(self.clients.cloudformation(), self.args.stack, needed, overrides, FLAGS)

    @cached_property
    def invoker(self) -> FunctionInvoker:
        return self.invoker_factory()


def main(
    argv: Sequence[str] | None = None,
    *,
    session: boto3.Session | None = None,
    invoker: FunctionInvoker | None = None,
) -> int:
    """`session` and `invoker` are injected by the demo and the tests (moto, handlers run locally)."""
    args = _parser().parse_args(argv)
    try:
        # The session reads the profile and config file: a bad AWS_PROFILE fails here, as one line.
        clients = Clients(session or boto3.Session(region_name=args.region))
        command = Command(args, clients, lambda: invoker or LambdaInvoker(clients.lambda_()))
        run: Callable[[Command], int] = args.run
        return run(command)
    except KeyboardInterrupt:
        console.print(f"\ninterrupted. {_resume_hint(args)}", soft_wrap=True)
        return INTERRUPTED
    except (CommandError, InvitationSyncError, BotoCoreError, ClientError) as error:
        return _fail(args, explain(error))


def _fail(args: argparse.Namespace, message: str) -> int:
    console.print(f"[red]invitation-sync {args.command}:[/red] {message}", soft_wrap=True, highlight=False)
    return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="invitation-sync", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, run: Callable[[Command], int], summary: str, description: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=summary, description=description)
        sub.add_argument("--stack", default=DEFAULT_STACK, help=f"the deployed stack (default {DEFAULT_STACK})")
        sub.add_argument("--region", default=REGION, help=f"the stack's region (default {REGION})")
        sub.set_defaults(run=run)
        return sub

    backfill = command(
        "backfill",
        _backfill,
        "make the table match Partner Central now, through the reconciler function",
        "Invokes the reconciler function in backfill mode (its own cursor; the scheduled runs' cursor and "
        "drift baseline are untouched), about 25 s per invocation, until every catalog and participant type "
        "is covered. Ctrl-C stops between invocations; running it again resumes.",
    )
    backfill.add_argument("--catalog", action="append", choices=sorted(CATALOGS), help="narrow (repeatable)")
    backfill.add_argument("--participant-type", action="append", choices=list(PARTICIPANT_TYPES), help="narrow")
    backfill.add_argument("--dry-run", action="store_true", help="list what would change; write and publish nothing")
    backfill.add_argument("--restart", action="store_true", help="start over instead of resuming a stopped backfill")
    backfill.add_argument(
        "--max-reads",
        type=_positive_int,
        default=DEFAULT_MAX_READS,
        help="stop after this many Partner Central requests (List and Get, retries included; default "
        f"{DEFAULT_MAX_READS:,}, a fifth of the 100,000 a day the partner's integrations share); running it again "
        "resumes",
    )
    backfill.add_argument("--reconciler-function", help="override the stack output ReconcilerFunctionName")

    redrive = command(
        "redrive",
        _redrive,
        "move parked events back to the event queue and report what stays parked",
        "Starts SQS's dead-letter redrive (a message move task) from the failed-events queue to the event "
        "queue, follows it to the end, waits for the sync function to take the events, then lists what is "
        "parked again with the reason. Records that are not invitation events are reported as such. With "
        "--chat: the same for chat notifications, from the failed-notifications queue to the chat notifier's "
        "queue.",
    )
    redrive.add_argument(
        "--wait", type=float, default=120.0, help="seconds to wait for the sync function to take them (default 120)"
    )
    redrive.add_argument("--show", type=int, default=100, help="list at most this many parked messages")
    redrive.add_argument("--failed-events-queue-url", help="override the stack output FailedEventsQueueUrl")
    redrive.add_argument("--event-queue-url", help="override the stack output EventQueueUrl")
    redrive.add_argument(
        "--chat", action="store_true", help="redrive parked chat notifications instead (stacks with the chat setting)"
    )
    redrive.add_argument(
        "--failed-notifications-queue-url", help="with --chat: override the stack output FailedNotificationsQueueUrl"
    )
    redrive.add_argument("--chat-queue-url", help="with --chat: override the stack output ChatQueueUrl")

    status = command(
        "status",
        _status,
        "one read-only screen: invitations, expiring ones, the last reconcile, failed events, alarms",
        "Counts invitations per catalog and status (index queries, never a scan), lists PENDING invitations "
        "expiring within 72 hours, the last complete scheduled reconcile, failed events waiting and the "
        "stack's alarms in ALARM. Writes nothing.",
    )
    status.add_argument("--catalog", action="append", choices=sorted(CATALOGS), help="default: both")
    _json_option(status)
    status.add_argument("--table", help="override the stack output TableName")
    status.add_argument("--failed-events-queue-url", help="override the stack output FailedEventsQueueUrl")

    verify.add_arguments(
        command(
            "verify",
            _verify,
            "check the event path without waiting for Partner Central: PASS/FAIL per step, with the fix",
            verify.__doc__ or "",
        )
    )

    waiting = command(
        "pending",
        pending.run,
        "the invitations waiting for an answer, soonest expiry first",
        "Lists the PENDING invitations that have not expired, soonest expiry first, from the table's "
        "PENDING-by-expiry index (never Partner Central): payload type, sender, customer, project title, time left.",
    )
    waiting.add_argument("--catalog", action="append", choices=sorted(CATALOGS), help="default: both")
    waiting.add_argument("--table", help="override the stack output TableName")
    _json_option(waiting)

    decisions: tuple[tuple[Decision, str], ...] = (
        ("accept", "accept an invitation: an opportunity's accept task, or AcceptEngagementInvitation"),
        ("reject", "reject an invitation, with the reason Partner Central keeps"),
    )
    for decision, summary in decisions:
        sub = command(
            decision,
            partial(answering.run, decision=decision),
            summary,
            f"Shows the invitation from the table, asks for confirmation (unless --yes), then invokes the stack's "
            f"answer function, which sends the {decision} to Partner Central exactly once. Exit status: 0 the "
            f"answer holds, 1 not answered (the reason is printed), 3 still in progress (run it again to follow "
            f"it).",
        )
        sub.add_argument("invitation_id", metavar="ID", type=answering.invitation_id, help="engi- and 13 characters")
        if decision == "reject":
            sub.add_argument("--reason", required=True, help="1-80 characters, e.g. 'Unable to support'")
        else:
            sub.set_defaults(reason=None)
        sub.add_argument("--catalog", action="append", choices=sorted(CATALOGS), help="where to look (default: both)")
        sub.add_argument("--requested-by", help="who asks, for the audit record (default: your IAM identity's ARN)")
        sub.add_argument("--yes", action="store_true", help="answer without asking for confirmation")
        sub.add_argument("--table", help="override the stack output TableName")
        sub.add_argument("--answer-function", help="override the stack output AnswerFunctionName")
    return parser


def _json_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--json", action="store_true", help="print one JSON document on stdout, for scripts")


def _version() -> str:
    try:
        return metadata.version("invitation-sync")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def _backfill(command: Command) -> int:
    args = command.args
    function = command.outputs("ReconcilerFunctionName")["ReconcilerFunctionName"]
    request = BackfillRequest(
        args.dry_run, args.restart, args.catalog or (), args.participant_type or (), max_reads=args.max_reads
    )
    console.print(f"backfill{' (dry run)' if args.dry_run else ''} through {function}", highlight=False)
    with _stop_between_invocations() as stop:
        try:
            progress = run_backfill(
                command.invoker,
                function,
                request,
                report=lambda line: console.print(line, highlight=False),
                stop_requested=stop.is_set,
            )
        except FunctionFailedError as error:
            raise CommandError(f"{error}. {_resume_hint(args)}") from None
    render.backfill_summary(Console(), progress, dry_run=args.dry_run)
    if progress.complete:
        return 0
    why = " (the read budget is spent; go on tomorrow, or with a larger --max-reads)" if progress.out_of_reads else ""
    console.print(f"stopped before the end{why}. {_resume_hint(args)}", soft_wrap=True, highlight=False)
    return INTERRUPTED


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


@contextmanager
def _stop_between_invocations() -> Iterator[threading.Event]:
    """The first Ctrl-C asks to stop once the running invocation returns; a second one leaves now."""
    stop = threading.Event()

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        console.print("stopping after the running invocation (Ctrl-C again to leave now)")

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def _resume_hint(args: argparse.Namespace) -> str:
    if args.command == "redrive":
        return "A started move task goes on in SQS; `invitation-sync redrive` follows it again."
    if args.command != "backfill":
        return ""
    flags = [f"--stack {args.stack}"] if args.stack != DEFAULT_STACK else []
    flags += [f"--catalog {catalog}" for catalog in args.catalog or ()]
    flags += [f"--participant-type {kind}" for kind in args.participant_type or ()]
    flags += ["--dry-run"] * args.dry_run
    flags += [f"--max-reads {args.max_reads}"] * (args.max_reads != DEFAULT_MAX_READS)
    return (
        "The backfill's cursor is stored (an invocation still running finishes on its own): resume with "
        f"`{' '.join(['invitation-sync backfill', *flags])}`"
    )


def _redrive(command: Command) -> int:
    args = command.args
    queues = ("FailedNotificationsQueueUrl", "ChatQueueUrl") if args.chat else ("FailedEventsQueueUrl", "EventQueueUrl")
    parked_in, moved_to = queues
    outputs = command.outputs(parked_in, moved_to)
    if args.chat and not outputs.values.get(parked_in):
        raise CommandError(
            f"stack {args.stack} has no chat notifier (no output {parked_in}): chat is deployed only with the "
            "chat setting in cdk.json (README: Chat)"
        )
    redrive = FailedEventsRedrive(
        command.clients.sqs(),
        outputs[parked_in],
        outputs[moved_to],
        report=lambda line: console.print(line, highlight=False),
        parking=CHAT if args.chat else EVENTS,
    )
    parking, out = redrive.parking, Console()
    if not redrive.waiting():
        out.print(f"nothing is parked in the {parking.parked_in}")
        return 0
    result = redrive.move_back()
    if result.status == "FAILED":
        raise CommandError(f"SQS stopped the move after {result.moved} messages: {result.failure_reason}")
    out.print(f"moved back to the {parking.moved_to}: {result.moved} ({result.status.lower()})")
    if result.moved and (left := redrive.settle(args.wait)):
        out.print(f"still in the {parking.moved_to} after {args.wait:.0f} s (being processed or retried): {left}")
    render.parked(out, redrive.parked(args.show), parking.parked_in)
    return 0


def _status(command: Command) -> int:
    args = command.args
    outputs = command.outputs("TableName", "FailedEventsQueueUrl")
    clients = command.clients
    reader = StatusReader(clients.dynamodb(), clients.sqs(), clients.cloudwatch(), outputs["TableName"])
    catalogs = args.catalog or sorted(CATALOGS)
    status = reader.read(catalogs, outputs["FailedEventsQueueUrl"], args.stack, now_utc())
    if args.json:
        render.json_document(status.to_json(args.stack))
    else:
        render.status(Console(), args.stack, catalogs, status)
    return 0


def _verify(command: Command) -> int:
    args, out = command.args, Console()
    return verify.verify(
        command.clients,
        command.outputs(*verify.OUTPUTS),
        lambda step: render.verify_step(out, step),
        catalog=args.catalog,
        participant_type=args.participant_type,
        wait_seconds=args.wait,
    )


if __name__ == "__main__":
    sys.exit(main())
