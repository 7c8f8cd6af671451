"""Answers in `make bench`: Partner Central calls per answer against their floor, and the write rate that
concurrent answers reach. The answer function's use case runs as deployed (fresh instances, the write slots
in DynamoDB) against moto and the emulator, all on one sped-up clock (local/sped_up_clock.py): the figures
are in the clock's seconds, as AWS would see them, while a run waits a fraction of them."""

import itertools
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Final

import boto3

from benchmarks.api_calls import CallCounter
from invitation_sync.answer import InvitationAnswers
from invitation_sync.budgets import ANSWER_TIMEOUT_SECONDS, AWS_CALL_WORST_CASE
from invitation_sync.models.answer import AnswerResult
from invitation_sync.settings import AnswerSettings
from invitation_sync.wiring.answer import build_answers
from local.answer_reliability import RECEIVER, peak_per_second
from local.aws_resources import drain_published
from local.emulated_answers import LIST_TASKS, START_TASK, WRITE_OPERATIONS, TaskScript
from local.environment import local_aws
from local.partner_central_emulator import PartnerCentralEmulator
from local.samples import dated, lead_invitation, opportunity_invitation
from local.sped_up_clock import SpedUpClock

INVOCATION_SECONDS: Final = ANSWER_TIMEOUT_SECONDS - AWS_CALL_WORST_CASE  # the handler keeps one call
SPEED: Final = 2.0  # clock seconds per real second: a write slot's send window stays 125 ms of real time
TASK_SECONDS: Final = 10.0  # a slower accept task, counted by time rather than by reads


class _Answering:
    def __init__(self, emulator: PartnerCentralEmulator, clock: SpedUpClock, probe_queue_url: str) -> None:
        self.emulator, self.clock, self.probe_queue_url = emulator, clock, probe_queue_url

    def instance(self) -> InvitationAnswers:
        """A fresh function instance (its own clients), as another execution environment would be."""
        return build_answers(AnswerSettings.from_environment(), clock=self.clock.time, sleep=self.clock.sleep)

    def put(self, response: dict[str, Any]) -> str:
        """An invitation sent yesterday, in Partner Central and stored by the sync (its event drained)."""
        response = dated(response, self.clock.now() - timedelta(days=1))
        self.emulator.put(response)
        self.instance()._sync.sync_invitation(response["Catalog"], response["Id"], "seed")
        drain_published(boto3.client("sqs"), self.probe_queue_url)
        return str(response["Id"])

    def answer(self, ident: str, decision: str, instance: InvitationAnswers | None = None) -> AnswerResult:
        payload = {"catalog": "AWS", "invitationId": ident, "decision": decision, "requestedBy": "bench"}
        reason = {"reason": "Unable to support"} if decision == "reject" else {}
        return (instance or self.instance()).answer(
            payload | reason, RECEIVER, time_left=lambda: ANSWER_TIMEOUT_SECONDS - AWS_CALL_WORST_CASE
        )

    def published(self) -> int:
        return len(drain_published(boto3.client("sqs"), self.probe_queue_url))


def _answering(run: Callable[[_Answering], dict[str, Any]]) -> dict[str, Any]:
    clock = SpedUpClock(SPEED)
    with (
        PartnerCentralEmulator(clock=clock.time) as emulator,
        local_aws(emulator.url, POWERTOOLS_LOG_LEVEL="ERROR") as aws,
    ):
        return run(_Answering(emulator, clock, aws.probe_queue_url))


def per_answer() -> dict[str, Any]:
    """Each answer once, its calls counted. The floor: 1 Get before the write (Partner Central, not the table,
    says PENDING), 1 write, the task's List calls until it shows COMPLETE
    (the emulator's default task answers IN_PROGRESS to its first read: 2; a task that runs TASK_SECONDS
    could be seen done by 1 List at the right moment), 1 Get for the event; a repeat needs none."""
    return _answering(_per_answer)


def _per_answer(answering: _Answering) -> dict[str, Any]:
    boto3.client("sts")  # the default session exists before the counter hooks in, the clients after
    counter = CallCounter(answering.emulator)
    counter.install()
    slow = answering.put(opportunity_invitation(4))
    answering.emulator.script_tasks("AWS", slow, TaskScript(reads_in_progress=0, seconds_in_progress=TASK_SECONDS))
    scenarios = (
        ("accept of an opportunity (task)", answering.put(opportunity_invitation(1)), "accept", 1 + 1 + 2 + 1),
        (f"accept of an opportunity (task of {TASK_SECONDS:g} s)", slow, "accept", 1 + 1 + 1 + 1),
        ("accept of a lead", answering.put(lead_invitation(2)), "accept", 1 + 1 + 1),
        ("reject", answering.put(lead_invitation(3)), "reject", 1 + 1 + 1),
        ("repeat of a completed answer", answering.put(lead_invitation(5)), "accept", 0),
    )
    figures: dict[str, Any] = {}
    for label, ident, decision, floor in scenarios:
        if label.startswith("repeat"):
            answering.answer(ident, decision)
            answering.published()
        with counter.measure() as counts:
            result = answering.answer(ident, decision)
        partner_central = {k: v for k, v in counts.items() if k.startswith("partnercentral.")}
        figures[label] = {
            "outcome": result.outcome,
            "partner_central": partner_central,
            "partner_central_calls": sum(partner_central.values()),
            "floor": floor,
            "writes": sum(counts[f"partnercentral.{operation}"] for operation in WRITE_OPERATIONS),
            "task_lists": counts[f"partnercentral.{LIST_TASKS}"],
            "aws": {k: v for k, v in counts.items() if not k.startswith("partnercentral.")},
            "published": answering.published(),
        }
    return figures


def concurrent_write_rate(invocations: int = 8) -> dict[str, Any]:
    """`invocations` answers at once, each its own function instance and invitation (opportunities, leads,
    accepts and rejects): the write calls Partner Central receives, on its clock."""
    return _answering(lambda answering: _concurrent(answering, invocations))


def _concurrent(answering: _Answering, invocations: int) -> dict[str, Any]:
    kinds = ((opportunity_invitation, "accept"), (lead_invitation, "accept"), (lead_invitation, "reject"))
    work = [
        (answering.put(sample(10 + n)), decision)
        for n, (sample, decision) in enumerate(itertools.islice(itertools.cycle(kinds), invocations))
    ]
    outcomes: Counter[str] = Counter()
    lock, barrier = threading.Lock(), threading.Barrier(len(work))

    def answer(ident: str, decision: str, instance: InvitationAnswers) -> None:
        barrier.wait()
        result = answering.answer(ident, decision, instance)
        with lock:
            outcomes[result.outcome] += 1

    threads = [threading.Thread(target=answer, args=(*job, answering.instance())) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writes = [call for call in answering.emulator.calls if call.operation in WRITE_OPERATIONS]
    sent = sorted(call.at for call in writes)
    spacing = [later - earlier for earlier, later in itertools.pairwise(sent)]
    return {
        "invocations": invocations,
        "outcomes": dict(outcomes),
        "write_calls": len(writes),
        "task_starts": sum(1 for call in writes if call.operation == START_TASK),
        "throttled": sum(1 for call in writes if call.error == "ThrottlingException"),
        "peak_writes_per_second": peak_per_second(sent),
        "min_spacing_s": min(spacing) if spacing else None,
        "span_s": sent[-1] - sent[0] if sent else 0.0,
    }
