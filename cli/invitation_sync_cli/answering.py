"""`invitation-sync accept ID` and `reject ID --reason "…"`: show what is answered (from the table), ask,
then invoke the stack's answer function, which alone holds Partner Central's write permissions and makes
the answer exactly once. The CLI itself reads the table and calls Lambda; it never calls Partner Central."""

import argparse
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Final

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from invitation_sync.adapters.store import InvitationStore
from invitation_sync.domain import CATALOGS
from invitation_sync.models.answer import AnswerRequest, AnswerResult, Decision
from invitation_sync.models.base import describe
from invitation_sync_cli.errors import CommandError
from invitation_sync_cli.invoker import FunctionInvoker
from invitation_sync_cli.pending import Summary
from invitation_sync_cli.status import now_utc

if TYPE_CHECKING:
    from mypy_boto3_sts import STSClient

    from invitation_sync_cli.main import Command

INVITATION_ID: Final = re.compile(r"engi-[0-9a-z]{13}")
# Exit statuses: the answer holds (0); Partner Central or the function said no (1); not finished yet (3).
ANSWER_HOLDS: Final = 0
NOT_ANSWERED: Final = 1
IN_PROGRESS: Final = 3


def invitation_id(text: str) -> str:
    """The ID argument, checked before anything is read."""
    if not INVITATION_ID.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not an invitation id (engi- and 13 lowercase letters or digits)")
    return text


def find(store: InvitationStore, invitation_id: str, catalogs: Sequence[str], now: datetime) -> Summary:
    """The stored invitation (consistent read) in whichever configured catalog holds it."""
    found = [stored for catalog in catalogs if (stored := store.get(catalog, invitation_id)) is not None]
    if not found:
        raise CommandError(
            f"{invitation_id} is not in the table ({', '.join(catalogs)}): check the id, or run "
            "`invitation-sync backfill` if Partner Central has it"
        )
    if len(found) > 1:
        raise CommandError(f"{invitation_id} is stored in several catalogs: name one with --catalog")
    return Summary.of(found[0].invitation, now)


def caller(sts: "STSClient") -> str:
    """Who asks, by default: the caller's IAM identity (GetCallerIdentity needs no permission)."""
    return sts.get_caller_identity()["Arn"]


def request(
    catalog: str, invitation_id: str, decision: Decision, reason: str | None, requested_by: str
) -> AnswerRequest:
    """The function's request, checked here first so a bad reason is named before anything is sent."""
    payload = {
        "catalog": catalog,
        "invitationId": invitation_id,
        "decision": decision,
        "requestedBy": requested_by,
        **({"reason": reason} if reason is not None else {}),
    }
    try:
        return AnswerRequest.model_validate(payload)
    except ValidationError as error:
        raise CommandError(f"not sent: {describe(error)}") from None


def answer(invoker: FunctionInvoker, function_name: str, answer_request: AnswerRequest) -> AnswerResult:
    body = invoker.invoke(function_name, answer_request.model_dump(mode="json", by_alias=True))
    try:
        return AnswerResult.model_validate(body)
    except ValidationError as error:
        raise CommandError(
            f"function {function_name} answered outside the AnswerResult contract: {describe(error)}"
        ) from None


def exit_status(result: AnswerResult, decision: Decision) -> int:
    if result.outcome in {"accepted", "rejected"}:
        return ANSWER_HOLDS
    if result.outcome == "already-answered":
        return ANSWER_HOLDS if result.decision == decision else NOT_ANSWERED
    return IN_PROGRESS if result.outcome == "in-progress" else NOT_ANSWERED


def outcome_line(result: AnswerResult) -> str:
    """One line for the person who asked: the opportunity, or why not, and what to do next."""
    details = [
        f"{label} {value}"
        for label, value in (
            ("opportunity", result.opportunity_id),
            ("task", result.task_id),
            ("reason code", result.reason_code),
            ("answered by", result.answered_by),
            ("at", result.answered_at),
        )
        if value
    ]
    line = f"{result.outcome}: {result.message}"
    if details:
        line += f" ({', '.join(details)})"
    if result.outcome == "in-progress":
        line += ". Run the same command again to follow it: it resumes the same answer."
    return line


def confirm_with(ask: Callable[[str], str]) -> Callable[[str], bool]:
    """A yes/no question through `ask` (input()); no answer (end of input) is a no."""

    def confirmed(question: str) -> bool:
        try:
            return ask(f"{question} [y/N] ").strip().lower() in {"y", "yes"}
        except EOFError:
            return False

    return confirmed


def show(out: "Console", summary: Summary, answer_request: AnswerRequest) -> None:
    """What is about to be answered, as the table has it."""
    table = Table(title=f"{answer_request.decision} {summary.invitation_id} ({summary.catalog})", show_header=False)
    for name, value in (
        ("status", summary.status),
        ("payload type", summary.payload_type),
        ("sender", summary.sender),
        ("customer company", summary.customer_company),
        ("project title", summary.project_title),
        ("time left", summary.time_left),
        ("reason", answer_request.reason or ""),
        ("requested by", answer_request.requested_by),
    ):
        if value:
            table.add_row(name, value)
    out.print(table)


def run(command: "Command", decision: Decision) -> int:
    args = command.args
    outputs = command.outputs("TableName", "AnswerFunctionName")
    clients, out, err = command.clients, Console(), Console(stderr=True)
    store = InvitationStore(clients.dynamodb(), outputs["TableName"])
    summary = find(store, args.invitation_id, args.catalog or sorted(CATALOGS), now_utc())
    requested_by = args.requested_by or caller(clients.sts())
    answer_request = request(summary.catalog, args.invitation_id, decision, args.reason, requested_by)
    show(out, summary, answer_request)
    if not args.yes and not confirm_with(err.input)(f"{decision} {args.invitation_id}?"):
        err.print("nothing sent")
        return NOT_ANSWERED
    function = outputs["AnswerFunctionName"]
    err.print(f"answering through {function}", highlight=False)
    result = answer(command.invoker, function, answer_request)
    out.print(outcome_line(result), highlight=False, soft_wrap=True)
    return exit_status(result, decision)
