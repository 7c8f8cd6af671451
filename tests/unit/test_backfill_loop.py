"""The CLI's backfill loop over several invocations, with a scripted reconciler behind the invoker port
(the reconciler itself is tested through its real handler in tests/integration/test_operator_cli.py)."""

import signal
from collections.abc import Mapping
from typing import Any

import pytest

from invitation_sync_cli.backfill import BackfillRequest, run_backfill
from invitation_sync_cli.invoker import FunctionFailedError
from invitation_sync_cli.main import main

pytestmark = pytest.mark.clock


class ScriptedReconciler:
    """Answers each invocation with the next report; records the payloads it was given."""

    def __init__(self, *answers: dict[str, Any], on_invoke: Any = None) -> None:
        self.answers = list(answers)
        self.payloads: list[dict[str, Any]] = []
        self.on_invoke = on_invoke

    def invoke(self, function_name: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        self.payloads.append(dict(payload))
        if self.on_invoke:
            self.on_invoke()
        return self.answers.pop(0)


def part(complete: bool, listed: int, synced: int, failed: list[str] | None = None) -> dict[str, Any]:
    return {
        "mode": "backfill",
        "complete": complete,
        "listed": listed,
        "synced": synced,
        "unchanged": listed - synced,
        "list_calls": 1,
        "failed": failed or [],
    }


def test_a_backfill_spanning_several_invocations_adds_up_and_restarts_only_once() -> None:
    reconciler = ScriptedReconciler(
        part(False, 100, 3),
        {"skipped": "another reconcile run holds the lock until 2026-11-26T14:00:00.000Z", "complete": False},
        part(False, 100, 0),
        part(True, 40, 2, ["AWS/engi-0000000000009: PartnerCentralUnavailableError"]),
    )
    lines: list[str] = []
    waits: list[float] = []

    progress = run_backfill(
        reconciler,
        "reconciler",
        BackfillRequest(restart=True, catalogs=["AWS"]),
        report=lines.append,
        stop_requested=lambda: False,
        sleep=waits.append,
    )

    assert progress.complete
    assert progress.invocations == 3
    assert progress.counts["listed"] == 240
    assert progress.counts["synced"] == 5
    assert progress.failed == ["AWS/engi-0000000000009: PartnerCentralUnavailableError"]
    assert [payload["restart"] for payload in reconciler.payloads] == [True, False, False, False]
    assert all(
        p["mode"] == "backfill" and p["catalogs"] == ["AWS"] and p["maxSeconds"] <= 25 for p in reconciler.payloads
    )
    assert "participantTypes" not in reconciler.payloads[0]  # the function's configured ones
    assert waits == [15.0]
    assert "holds the lock" in lines[1]
    assert lines[-1] == "listed 240, synced 5, unchanged 235, failed 1 (3 invocations)"


def test_a_lock_held_before_anything_ran_keeps_the_restart() -> None:
    reconciler = ScriptedReconciler({"skipped": "another run holds the lock", "complete": False}, part(True, 1, 1))
    run_backfill(
        reconciler,
        "r",
        BackfillRequest(restart=True),
        report=lambda _: None,
        stop_requested=lambda: False,
        sleep=lambda _: None,
    )
    assert [payload["restart"] for payload in reconciler.payloads] == [True, True]


def test_ctrl_c_stops_between_invocations_and_says_how_to_resume(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    reconciler = ScriptedReconciler(
        part(False, 100, 1), part(True, 5, 0), on_invoke=lambda: signal.raise_signal(signal.SIGINT)
    )
    arguments = ["backfill", "--reconciler-function", "reconciler", "--catalog", "Sandbox", "--restart"]

    assert main(arguments, invoker=reconciler) == 130

    assert len(reconciler.payloads) == 1  # the running invocation finished; no second one started
    err = capsys.readouterr().err
    assert "stopping after the running invocation" in err
    assert "resume with `invitation-sync backfill --catalog Sandbox`" in err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


class FailingReconciler(ScriptedReconciler):
    def invoke(self, function_name: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        if self.answers:
            return super().invoke(function_name, payload)
        raise FunctionFailedError(function_name, "StoreUnavailableError", "DynamoDB GetItem: throttled")


def test_a_failed_invocation_is_one_line_that_says_how_to_resume(capsys: pytest.CaptureFixture[str]) -> None:
    reconciler = FailingReconciler(part(False, 100, 1))

    assert main(["backfill", "--reconciler-function", "reconciler"], invoker=reconciler) == 1

    assert capsys.readouterr().err.splitlines()[-1] == (
        "invitation-sync backfill: function reconciler failed: StoreUnavailableError: DynamoDB GetItem: throttled. "
        "The backfill's cursor is stored (an invocation still running finishes on its own): resume with "
        "`invitation-sync backfill`"
    )


def test_an_invocation_that_failed_without_progress_stops_the_loop() -> None:
    """A List the role may not make fails the same way every time: asking again would spend the shared
    quota forever."""
    failing = part(False, 0, 0, ["AWS#RECEIVER: PartnerCentralRequestError"])
    reconciler = ScriptedReconciler(part(False, 100, 3), failing, failing)

    with pytest.raises(FunctionFailedError, match=r"NoProgress.*AWS#RECEIVER: PartnerCentralRequestError"):
        run_backfill(reconciler, "reconciler", BackfillRequest(), report=lambda _: None, stop_requested=lambda: False)
    assert len(reconciler.payloads) == 2  # stopped after the first invocation that moved nothing


def test_a_backfill_stops_once_its_partner_central_reads_reach_the_budget() -> None:
    """A first backfill of a long history costs one Get per invitation, against the 100,000 reads a day
    the partner shares with its other integrations."""
    reconciler = ScriptedReconciler(part(False, 100, 60), part(False, 100, 60), part(False, 100, 60), part(True, 1, 1))
    lines: list[str] = []

    progress = run_backfill(
        reconciler, "r", BackfillRequest(max_reads=150), report=lines.append, stop_requested=lambda: False
    )

    assert (progress.complete, progress.out_of_reads, progress.reads) == (False, True, 183)  # 3 x (1 List + 60 Get)
    assert len(reconciler.payloads) == 3  # the third ended past the budget: no fourth
    assert lines[-1].startswith("read budget spent: 183 Partner Central reads (--max-reads 150;")


def test_the_read_budget_is_an_option_and_resuming_keeps_it(capsys: pytest.CaptureFixture[str]) -> None:
    reconciler = ScriptedReconciler(part(False, 100, 99), part(True, 1, 1))

    assert main(["backfill", "--reconciler-function", "r", "--max-reads", "50"], invoker=reconciler) == 130

    err = capsys.readouterr().err  # progress and notes; the summary table goes to standard output
    assert "stopped before the end (the read budget is spent; go on tomorrow, or with a larger --max-reads)" in err
    assert "resume with `invitation-sync backfill --max-reads 50`" in err
    assert len(reconciler.payloads) == 1
    with pytest.raises(SystemExit):
        main(["backfill", "--reconciler-function", "r", "--max-reads", "0"], invoker=reconciler)
    assert "--max-reads: must be at least 1, not 0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["backfill", "--reconciler-function", "r", "--max-reads", "lots"], invoker=reconciler)
    assert "--max-reads: must be a whole number, not 'lots'" in capsys.readouterr().err


def test_the_budget_counts_every_request_the_function_reports_retries_included() -> None:
    throttled = {**part(False, 100, 60), "partner_central_requests": 160}  # 1 List + 60 Gets, 99 retried
    reconciler = ScriptedReconciler(throttled, part(True, 1, 1))

    progress = run_backfill(
        reconciler, "r", BackfillRequest(max_reads=150), report=lambda _: None, stop_requested=lambda: False
    )

    assert (progress.out_of_reads, progress.reads, len(reconciler.payloads)) == (True, 160, 1)


def test_reads_add_up_across_answers_from_an_older_and_a_newer_function() -> None:
    """A deploy during a backfill: the older function's answers have no request count."""
    older, newer = part(False, 100, 60), {**part(False, 100, 10), "partner_central_requests": 20}
    reconciler = ScriptedReconciler(older, newer, part(True, 1, 1))

    progress = run_backfill(reconciler, "r", BackfillRequest(), report=lambda _: None, stop_requested=lambda: False)

    assert progress.reads == 61 + 20 + 2
