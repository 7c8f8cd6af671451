"""Answers under faults: several people answer the same invitations at once through the answer function's
handler, while Partner Central throttles writes (its 1-per-second quota plus random refusals), some accept
tasks fail, some invocations die right after Partner Central took the write, and one write's answer is
lost on the way back. Every requester repeats its request until the outcome is final, as a person or a
chat button would; after a crash, once the dead invocation's lease has run out (the clock jumps it). Then
Partner Central's own EventBridge events arrive at the sync, late. The function and the emulator share
one sped-up clock (local/sped_up_clock.py).

The figures: double answers (an invitation answered twice in Partner Central), lost answers (a final
outcome that Partner Central does not show, or none at all), contradicting outcomes (two requesters told
different decisions hold), and every answer outcome published exactly once.
"""

import contextlib
import io
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final

import boto3

from invitation_sync.budgets import ANSWER_LEASE_SECONDS, ANSWER_TIMEOUT_SECONDS, AWS_CALL_WORST_CASE
from invitation_sync.handlers.sync_handler import sync_batch
from invitation_sync.observability import logger
from invitation_sync.settings import AnswerSettings
from invitation_sync.wiring.answer import build_answers
from local.aws_resources import PublishedMessage, drain_published
from local.emulated_answers import ACCEPT, REJECT, WRITE_OPERATIONS, TaskScript
from local.environment import local_aws
from local.lambda_context import lambda_context
from local.partner_central_emulator import FaultPlan, PartnerCentralEmulator
from local.samples import dated, invitation_event, lead_invitation, opportunity_invitation, sqs_event
from local.sped_up_clock import SpedUpClock

FINAL_OUTCOMES: Final = frozenset({"accepted", "rejected", "already-answered", "failed", "refused"})
ANSWER_EVENTS: Final = frozenset({"invitation.accepted", "invitation.rejected", "invitation.answer-failed"})
HOLDS: Final = {"accepted": "accept", "rejected": "reject"}
RECEIVER: Final = "111122223333"  # the samples' receiver: the function's account
EVENT_AFTER: Final = {"ACCEPTED": "invitation.accepted", "REJECTED": "invitation.rejected"}
STATUS_AFTER: Final = {"accept": "ACCEPTED", "reject": "REJECTED"}


class Crash(BaseException):
    """The function's process dies (a timeout, an out-of-memory kill): nothing in it may catch this."""


@dataclass(frozen=True)
class AnswerFaultsConfig:
    seed: int = 7
    opportunities: int = 5
    leads: int = 5
    requesters: int = 3  # people answering each invitation at once
    contested: int = 2  # invitations one person accepts while another rejects
    failing_tasks: int = 1  # opportunities whose accept task ends FAILED
    crashes_after_write: int = 2  # invocations that die right after a write call succeeded
    lost_write_answers: int = 1  # writes that take effect while their answer is lost (a 500)
    write_throttle_rate: float = 0.2  # random ThrottlingException on top of the 1-per-second quota
    attempts: int = 60  # per requester, before its answer counts as lost
    # What an invocation has left when it starts: the function's timeout less the handler's reserve.
    function_seconds: float = ANSWER_TIMEOUT_SECONDS - AWS_CALL_WORST_CASE
    # Seconds a requester waits before repeating an unfinished answer: the attempts span a lost token-less
    # write's settle window (budgets.TOKEN_LESS_SETTLE_SECONDS past its last attempt) several times over.
    repeat_after: float = 10.0


@dataclass
class AnswerFaultsReport:
    invitations: int = 0
    requests: int = 0
    invocations: int = 0
    crashes: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    write_calls: int = 0
    peak_writes_per_second: int = 0
    double_answers: int = 0
    contradicting_outcomes: int = 0
    lost_answers: int = 0
    published_zero_times: int = 0
    published_more_than_once: int = 0
    # Partner Central's EventBridge events after the answers that published an outcome the answer function had
    # already published. (An answer whose read lagged past its time returns "its event follows Partner
    # Central's own": that late event is then its one publish, counted with the rest.)
    late_events_published: int = 0
    unexpected_errors: list[str] = field(default_factory=list)
    elapsed_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (
            self.double_answers
            or self.contradicting_outcomes
            or self.lost_answers
            or self.published_zero_times
            or self.published_more_than_once
            or self.late_events_published
            or self.unexpected_errors
        )

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("answers: invitations", str(self.invitations)),
            ("answers: requests (people x invitations)", str(self.requests)),
            ("answers: invocations (repeats included)", str(self.invocations)),
            ("answers: invocations that died after the write", str(self.crashes)),
            *((f"answers: fault {kind}", str(count)) for kind, count in sorted(self.faults.items())),
            *((f"answers: outcome {name}", str(count)) for name, count in sorted(self.outcomes.items())),
            ("answers: Partner Central write calls", str(self.write_calls)),
            ("answers: most write calls in one second", str(self.peak_writes_per_second)),
            ("answers: double answers", str(self.double_answers)),
            ("answers: contradicting outcomes", str(self.contradicting_outcomes)),
            ("answers: lost answers", str(self.lost_answers)),
            ("answers: outcomes published zero times", str(self.published_zero_times)),
            ("answers: outcomes published more than once", str(self.published_more_than_once)),
            ("answers: Partner Central's late events published again", str(self.late_events_published)),
            *(("answers: unexpected error", line) for line in self.unexpected_errors),
            ("answers: elapsed", f"{self.elapsed_seconds:.1f} s"),
        ]


@dataclass(frozen=True)
class Request:
    catalog: str
    invitation_id: str
    decision: str
    requested_by: str

    def payload(self) -> dict[str, Any]:
        reason = {"reason": "Unable to support"} if self.decision == "reject" else {}
        return {
            "catalog": self.catalog,
            "invitationId": self.invitation_id,
            "decision": self.decision,
            "requestedBy": self.requested_by,
            **reason,
        }


class _CrashAfterWrite:
    """botocore `after-call` hook on Partner Central's write operations: the first `times` successful
    writes are followed by the process dying, before the function records the result."""

    def __init__(self, times: int) -> None:
        self.left = times
        self.lock = threading.Lock()

    def __call__(self, http_response: Any, **_: Any) -> None:
        with self.lock:
            if self.left <= 0 or http_response.status_code != 200:
                return
            self.left -= 1
        raise Crash("the function died after Partner Central took the write")

    def install(self) -> None:
        assert boto3.DEFAULT_SESSION is not None
        for operation in WRITE_OPERATIONS:
            boto3.DEFAULT_SESSION.events.register(
                f"after-call.partnercentral-selling.{operation}", self, unique_id=f"crash-after-{operation}"
            )


def peak_per_second(moments: list[float]) -> int:
    """The most calls within any one-second window (a sliding window, as a quota counts)."""
    ordered, start, peak = sorted(moments), 0, 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= 1.0:
            start += 1
        peak = max(peak, end - start + 1)
    return peak


def plan(
    config: AnswerFaultsConfig, rng: random.Random, clock: SpedUpClock
) -> tuple[list[dict[str, Any]], list[list[Request]]]:
    """The invitations (sent yesterday), and per invitation the people who answer it at once."""
    yesterday = clock.now() - timedelta(days=1)
    invitations = [dated(opportunity_invitation(100 + n), yesterday) for n in range(config.opportunities)]
    invitations += [dated(lead_invitation(200 + n), yesterday) for n in range(config.leads)]
    rng.shuffle(invitations)
    requests = []
    for index, invitation in enumerate(invitations):
        decisions = ["accept", "reject"] if index < config.contested else [rng.choice(["accept", "reject"])]
        people = [
            Request(invitation["Catalog"], invitation["Id"], decisions[person % len(decisions)], f"person-{person}")
            for person in range(config.requesters)
        ]
        requests.append(people)
    return invitations, requests


class _Run:
    def __init__(self, config: AnswerFaultsConfig, emulator: PartnerCentralEmulator, clock: SpedUpClock) -> None:
        self.config, self.emulator, self.clock = config, emulator, clock
        self.report = AnswerFaultsReport()
        self.final: dict[str, list[dict[str, Any]]] = defaultdict(list)  # invitation id -> final results
        self.lock = threading.Lock()

    def answer(self, request: Request) -> None:
        """One person: the same request again until its outcome is final. Each invocation is a fresh
        function instance (its own clients), with the function's time ahead of it."""
        for _ in range(self.config.attempts):
            with self.lock:
                self.report.invocations += 1
            answers = build_answers(AnswerSettings.from_environment(), clock=self.clock.time, sleep=self.clock.sleep)
            try:
                result = answers.answer(request.payload(), RECEIVER, self._time_left())
            except Crash:
                with self.lock:
                    self.report.crashes += 1
                self.clock.jump(ANSWER_LEASE_SECONDS)  # the dead invocation's lease runs out
                continue
            except Exception as error:  # the function must return a result for anything: a bug, named
                with self.lock:
                    self.report.unexpected_errors.append(f"{type(error).__name__}: {error}")
                return
            with self.lock:
                self.report.outcomes[result.outcome] += 1
            if result.outcome in FINAL_OUTCOMES:
                with self.lock:
                    self.final[request.invitation_id].append(result.model_dump(mode="json", by_alias=True))
                return
            self.clock.sleep(self.config.repeat_after)
        with self.lock:
            self.report.lost_answers += 1  # never final within the attempts

    def _time_left(self) -> Callable[[], float]:
        """An invocation's remaining time, the function's whole time from now."""
        deadline = self.clock.time() + self.config.function_seconds
        return lambda: deadline - self.clock.time()

    def verify(
        self,
        outcome_events: list[PublishedMessage],
        late: list[PublishedMessage],
        invitations: list[dict[str, Any]],
        people: list[list[Request]],
    ) -> None:
        """Partner Central's truth and call log against what the requesters were told and what was published."""
        report, emulator = self.report, self.emulator
        writes = [call for call in emulator.calls if call.operation in WRITE_OPERATIONS]
        report.write_calls = len(writes)
        report.peak_writes_per_second = peak_per_second([c.at for c in writes if c.error != "ThrottlingException"])
        published: dict[str, list[str]] = defaultdict(list)
        for message in outcome_events + late:
            if message.body["eventType"] in ANSWER_EVENTS:
                published[message.body["invitation"]["id"]].append(message.body["eventType"])
        answered = {(m.body["invitation"]["id"], m.body["eventType"]) for m in outcome_events}
        report.late_events_published = sum((m.body["invitation"]["id"], m.body["eventType"]) in answered for m in late)
        completed = Counter(t["EngagementInvitationId"] for t in emulator.tasks() if t["TaskStatus"] == "COMPLETE")
        took_effect = Counter(  # a lost answer (500) took effect all the same
            call.params["Identifier"]
            for call in writes
            if call.operation in {ACCEPT, REJECT} and call.error in {None, "InternalServerException"}
        )
        for invitation, group in zip(invitations, people, strict=True):
            ident = invitation["Id"]
            report.double_answers += completed[ident] + took_effect[ident] > 1  # a FAILED task answered nothing
            finals = self.final.get(ident, [])
            holding: set[str] = {
                str(HOLDS.get(result["outcome"], result.get("decision")))
                for result in finals
                if result["outcome"] in {"accepted", "rejected", "already-answered"}
            }
            report.contradicting_outcomes += len(holding) > 1
            status = emulator.truth("AWS", ident)["Status"]
            failed = any(result["outcome"] == "failed" for result in finals)
            shown = failed or (len(holding) == 1 and status == STATUS_AFTER[next(iter(holding))])
            report.lost_answers += len(finals) == len(group) and not shown  # unfinished ones are counted already
            # Every outcome once: the answer Partner Central shows, and each failure a requester was told of.
            expected = {EVENT_AFTER[status]} if status in EVENT_AFTER else set()
            expected |= {"invitation.answer-failed"} if failed else set()
            counts = Counter(published[ident])
            report.published_zero_times += len(expected - set(counts))
            report.published_more_than_once += sum(1 for count in counts.values() if count > 1)


def run(config: AnswerFaultsConfig) -> AnswerFaultsReport:
    rng, clock = random.Random(config.seed), SpedUpClock()
    with (
        PartnerCentralEmulator(faults=FaultPlan(seed=config.seed), clock=clock.time) as emulator,
        local_aws(emulator.url, POWERTOOLS_LOG_LEVEL="ERROR") as aws,
    ):
        invitations, people = plan(config, rng, clock)
        with contextlib.redirect_stdout(io.StringIO()):  # the handlers' log and metric lines
            for invitation in invitations:
                emulator.put(invitation)
                sync_batch(sqs_event(invitation_event(invitation)), lambda_context())
        drain_published(boto3.client("sqs"), aws.probe_queue_url)
        # Failing tasks only where everyone accepts: a contested one may be rejected first, its task never started,
        # and the run would then depend on which thread wins (a seed-dependent count of answer-failed events).
        accepted_by_all = [
            invitation
            for invitation, group in zip(invitations, people, strict=True)
            if invitation["PayloadType"] == "OpportunityInvitation" and {r.decision for r in group} == {"accept"}
        ]
        for invitation in accepted_by_all[: config.failing_tasks]:
            emulator.script_tasks("AWS", invitation["Id"], TaskScript(reason_code="OpportunityValidationFailed"))
        emulator.fail_next("InternalServerException", ACCEPT, times=config.lost_write_answers, after_effect=True)
        emulator.faults.throttle_rate = config.write_throttle_rate  # reads are paced and retried as well
        _CrashAfterWrite(config.crashes_after_write).install()
        runner = _Run(config, emulator, clock)
        level = logger.log_level
        logger.setLevel("ERROR")  # the figures are the output
        started = time.monotonic()
        threads = [threading.Thread(target=runner.answer, args=(request,)) for group in people for request in group]
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                outcome_events = drain_published(boto3.client("sqs"), aws.probe_queue_url)
                emulator.faults.throttle_rate = 0.0
                for event in emulator.take_events():  # Partner Central's own events, after the answers
                    sync_batch(sqs_event(event), lambda_context())
                late = drain_published(boto3.client("sqs"), aws.probe_queue_url)
        finally:
            logger.setLevel(level)
        report = runner.report
        report.elapsed_seconds = time.monotonic() - started
        report.invitations, report.requests = len(invitations), len(threads)
        report.faults.update(emulator.faults_injected)
        runner.verify(outcome_events, late, invitations, people)
    return report
