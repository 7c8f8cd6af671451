"""Fault-injection run: hundreds of invitation events, delivered up to three times, shuffled, on four
workers, through the real handler as event-queue records, while Partner Central throttles, fails and
answers Gets with the previous state for a while after each change (read-after-write lag), and DynamoDB
and SNS fail on the client side. A record that fails is seen again after its (scaled) retry delay, and
parked by the handler on its last receive; parked events are redriven once the faults are over. Then the
table is compared with the emulator's truth and the published events with the stored versions.

Then the answers under faults (local/answer_reliability.py).

    python -m local.reliability --seed 7            (make reliability)
"""

import argparse
import contextlib
import io
import itertools
import json
import random
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3

from invitation_sync.budgets import PUBLISH_LEASE_SECONDS, retry_delay
from invitation_sync.domain import FINAL_STATUSES
from invitation_sync.handlers.sync_handler import sync_batch
from invitation_sync.models.event import STATUS_BY_DETAIL_TYPE
from invitation_sync.models.stored import content_hash
from invitation_sync.normalize import iso_utc, normalize
from invitation_sync.observability import logger
from local.answer_reliability import AnswerFaultsConfig
from local.answer_reliability import run as run_answers
from local.aws_resources import LocalResources, drain_published
from local.environment import local_aws
from local.faults import ClientFaults
from local.lambda_context import lambda_context
from local.partner_central_emulator import FaultPlan, PartnerCentralEmulator
from local.samples import (
    account_planning_invitation,
    invitation_event,
    lead_invitation,
    opportunity_invitation,
    sqs_event,
)

DETAIL_TYPE = {status: detail_type for detail_type, status in STATUS_BY_DETAIL_TYPE.items()}


@dataclass(frozen=True)
class ReliabilityConfig:
    seed: int = 7
    invitations: int = 60
    min_events: int = 600
    workers: int = 4
    max_deliveries: int = 3
    retry_delay_scale: float = 0.005  # the queue's retry delays (30 s ... 240 s) played 200 times faster
    read_lag_seconds: float = 0.5  # Gets answer the previous state this long after each change
    throttle_rate: float = 0.20
    internal_error_rate: float = 0.05
    quota_per_second: float = 10.0
    dynamodb_fault_rate: float = 0.03
    sns_fault_rate: float = 0.05
    change_interval: float = 0.3  # seconds between Partner Central changes: lets versions interleave with syncs


@dataclass(frozen=True)
class Change:
    """One change Partner Central makes to one invitation, and the event it sends for it."""

    response: dict[str, Any]
    inaccessible: bool = False

    @property
    def event(self) -> dict[str, Any]:
        return invitation_event(self.response, DETAIL_TYPE[self.response["Status"]])


@dataclass
class Delivery:
    event: dict[str, Any]
    receives: int = 1  # the record's ApproximateReceiveCount
    last_error: str = ""


@dataclass
class ReliabilityReport:
    events: int = 0
    deliveries: int = 0
    invocations: int = 0
    queue_retries: int = 0
    parked: int = 0
    redriven: int = 0
    unexpected_errors: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    still_failing: Counter[str] = field(default_factory=Counter)  # after redrive, by error type
    outcomes: Counter[str] = field(default_factory=Counter)
    stored_versions: int = 0
    lost_changes: int = 0
    regressions: int = 0
    published_zero_times: int = 0
    published_more_than_once: int = 0
    unpublished: list[str] = field(default_factory=list)  # what the table says of each unpublished version
    elapsed_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.lost_changes or self.regressions or self.published_zero_times or self.unexpected_errors)

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("events", str(self.events)),
            ("deliveries (incl. duplicates)", str(self.deliveries)),
            ("handler invocations", str(self.invocations)),
            *((f"faults injected: {kind}", str(count)) for kind, count in sorted(self.faults.items())),
            ("records seen again after their retry delay", str(self.queue_retries)),
            ("parked on their last receive, then redriven", f"{self.parked}, {self.redriven}"),
            *(
                (f"still failing after redrive: {kind}", str(count))
                for kind, count in sorted(self.still_failing.items())
            ),
            *((f"outcome: {name}", str(count)) for name, count in sorted(self.outcomes.items())),
            ("stored versions (changes)", str(self.stored_versions)),
            ("lost changes", str(self.lost_changes)),
            ("regressions", str(self.regressions)),
            ("changes published zero times", str(self.published_zero_times)),
            ("changes published more than once", str(self.published_more_than_once)),
            *(("unpublished", line) for line in self.unpublished),
            ("unexpected errors", str(self.unexpected_errors)),
            ("elapsed", f"{self.elapsed_seconds:.1f} s"),
        ]

    def markdown(self) -> str:
        return markdown(self.rows())


def markdown(rows: list[tuple[str, str]]) -> str:
    lines = ["| measure | value |", "| --- | ---: |", *(f"| {name} | {value} |" for name, value in rows)]
    return "\n".join(lines)


def plan_timelines(config: ReliabilityConfig, rng: random.Random) -> list[list[Change]]:
    """Per invitation: created, content updates, then maybe a final status (a rejection makes it inaccessible)."""
    builders = (opportunity_invitation, lead_invitation, account_planning_invitation)
    updates_each = max(1, config.min_events // config.invitations - 2)
    timelines = []
    for number in range(1, config.invitations + 1):
        response = rng.choice(builders)(number, catalog=rng.choice(["AWS", "Sandbox"]))
        changes = [Change(response)]
        for update in range(rng.randint(updates_each, updates_each + 2)):
            response = {**response, "EngagementTitle": f"Engagement {number} rev {update + 1}"}
            changes.append(Change(response))
        final = rng.choice(["ACCEPTED", "REJECTED", "EXPIRED", None])
        if final:
            changes.append(Change({**response, "Status": final}, inaccessible=final == "REJECTED"))
        timelines.append(changes)
    return timelines


class _Run:
    def __init__(self, config: ReliabilityConfig, emulator: PartnerCentralEmulator) -> None:
        self.config = config
        self.emulator = emulator
        self.rng = random.Random(config.seed)
        self.report = ReliabilityReport()
        self.pending: list[Delivery] = []
        self.dead: list[Delivery] = []
        self.lock = threading.Condition()
        self.in_flight = 0
        self.scheduled = 0  # records waiting out their retry delay
        self.driver_done = False

    def drive(self, timelines: list[list[Change]]) -> None:
        """Apply changes in an interleaved order and release each event's deliveries as it happens."""
        cursors = [0] * len(timelines)
        live = [i for i, t in enumerate(timelines) if t]
        while live:
            index = self.rng.choice(live)
            change = timelines[index][cursors[index]]
            self.emulator.put(change.response)
            if change.inaccessible:
                self.emulator.make_inaccessible(change.response["Catalog"], change.response["Id"])
            copies = self.rng.randint(1, self.config.max_deliveries)
            with self.lock:
                self.report.events += 1
                self.report.deliveries += copies
                self.pending += [Delivery(change.event) for _ in range(copies)]
                self.lock.notify_all()
            cursors[index] += 1
            if cursors[index] == len(timelines[index]):
                live.remove(index)
            time.sleep(self.config.change_interval)
        with self.lock:
            self.driver_done = True
            self.lock.notify_all()

    def work(self) -> None:
        while True:
            with self.lock:
                while not self.pending and not (self.driver_done and self.in_flight == 0 and self.scheduled == 0):
                    self.lock.wait(0.05)
                if not self.pending:
                    return
                delivery = self.pending.pop(self.rng.randrange(len(self.pending)))
                self.in_flight += 1
            try:
                self.invoke(delivery)
            finally:
                with self.lock:
                    self.in_flight -= 1
                    self.lock.notify_all()

    def invoke(self, delivery: Delivery) -> None:
        with self.lock:
            self.report.invocations += 1
        try:
            outcome = _sync(delivery)
        except Exception as error:  # a bug: counted and named, and the worker carries on
            self._unexpected(error)
            return
        with self.lock:
            if outcome["outcome"] == "retry":  # back in the queue, visible after its retry delay
                self.report.queue_retries += 1
                self.scheduled += 1
                delay = retry_delay(delivery.receives) * self.config.retry_delay_scale
                threading.Timer(delay, self._seen_again, [Delivery(delivery.event, delivery.receives + 1)]).start()
            elif outcome["outcome"] == "parked":  # the handler parked it on its last receive
                self.report.parked += 1
                self.dead.append(delivery)
            else:
                self.report.outcomes[str(outcome["outcome"])] += 1

    def _unexpected(self, error: Exception) -> None:
        with self.lock:
            self.report.unexpected_errors += 1
            self.report.still_failing[f"unexpected {type(error).__name__}: {error}"] += 1

    def _seen_again(self, delivery: Delivery) -> None:
        with self.lock:
            self.scheduled -= 1
            self.pending.append(delivery)
            self.lock.notify_all()

    def redrive(self, pause: float = 1.0) -> None:
        """What an operator does with `invitation-sync redrive` after the outage: move every parked event
        back to the event queue, where it is retried as a fresh record; what still fails there comes back
        parked (a late event may need its successor first, or a publish lease that a failed release left
        behind must run out: the records' retry delays are scaled down, the lease is not). Passes go on
        until none is left or none has succeeded for longer than a lease."""
        remaining = self.dead
        last_progress = time.monotonic()
        while remaining and time.monotonic() - last_progress <= PUBLISH_LEASE_SECONDS + 5 * pause:
            left: list[Delivery] = []
            for delivery in remaining:
                try:
                    outcome = _sync(Delivery(delivery.event))
                except Exception as error:  # a bug: counted and named, and the redrive carries on
                    self._unexpected(error)
                    continue
                if outcome["outcome"] in {"retry", "parked"}:
                    left.append(delivery)
                    delivery.last_error = f"{outcome['errorType']}: {outcome['reason']}"
                    continue
                last_progress = time.monotonic()
                self.report.redriven += 1
                self.report.outcomes[str(outcome["outcome"])] += 1
            remaining = left
            if remaining:
                time.sleep(pause)
        self.report.still_failing.update(delivery.last_error for delivery in remaining)


def run(config: ReliabilityConfig) -> ReliabilityReport:
    plan = FaultPlan(
        throttle_rate=config.throttle_rate,
        internal_error_rate=config.internal_error_rate,
        quota_per_second=config.quota_per_second,
        read_lag_seconds=config.read_lag_seconds,
        seed=config.seed,
    )
    with PartnerCentralEmulator(faults=plan) as emulator, local_aws(emulator.url, POWERTOOLS_LOG_LEVEL="ERROR") as aws:
        faults = ClientFaults(seed=config.seed)
        faults.fail_randomly("dynamodb.UpdateItem", config.dynamodb_fault_rate, "InternalServerError", 500)
        faults.fail_randomly("sns.Publish", config.sns_fault_rate, "InternalError", 500)
        faults.install()
        level = logger.log_level
        logger.setLevel("ERROR")  # the figures are the output; per-event lines would drown them
        runner = _Run(config, emulator)
        timelines = plan_timelines(config, runner.rng)
        started = time.monotonic()
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # EMF metric lines; set once for all threads
                workers = [threading.Thread(target=runner.work) for _ in range(config.workers)]
                for worker in workers:
                    worker.start()
                runner.drive(timelines)
                for worker in workers:
                    worker.join()
                # The operator redrives once the outage is over: the injected failures stop, while the quota
                # and the read lag stay (they are how the service always behaves). With failures still on,
                # any finite redrive could end with a version a failed take-over had just leased again.
                faults.stop()
                emulator.faults = FaultPlan(
                    quota_per_second=config.quota_per_second, read_lag_seconds=config.read_lag_seconds
                )
                runner.redrive()
        finally:
            faults.uninstall()
            logger.setLevel(level)
        report = runner.report
        report.elapsed_seconds = time.monotonic() - started
        report.faults.update(emulator.faults_injected)
        report.faults.update({f"client {k}": v for k, v in faults.injected.items()})
        _verify(report, timelines, emulator, aws)
    return report


def _sync(delivery: Delivery) -> dict[str, Any]:
    """One record through the sync handler's batch processing, as the event source mapping delivers it."""
    batch = sync_batch(sqs_event(delivery.event, receive_count=delivery.receives), lambda_context())
    [outcome] = batch.outcomes.values()
    return dict(outcome)


def _verify(
    report: ReliabilityReport, timelines: list[list[Change]], emulator: PartnerCentralEmulator, aws: LocalResources
) -> None:
    """Compare the table with the emulator's truth, and the published events with the stored versions."""
    dynamodb = boto3.client("dynamodb")
    published: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for message in drain_published(boto3.client("sqs"), aws.probe_queue_url):
        invitation = message.body["invitation"]
        published[(invitation["catalog"], invitation["id"])].append(message.body)
    for timeline in timelines:
        last = timeline[-1]
        key = (last.response["Catalog"], last.response["Id"])
        item = dynamodb.get_item(
            TableName=aws.table_name, Key={"catalog": {"S": key[0]}, "id": {"S": key[1]}}, ConsistentRead=True
        ).get("Item")
        truth = emulator.truth(*key)
        if item is None:
            report.lost_changes += 1
            continue
        version = int(item["version"]["N"])
        report.stored_versions += version
        if last.inaccessible:
            current = (
                item["status"]["S"] == truth["Status"] and not item["invitation"]["M"]["detailsRetrievable"]["BOOL"]
            )
        else:
            current = item["contentHash"]["S"] == content_hash(normalize(truth))
        report.lost_changes += not current
        counts = Counter(body["version"] for body in published[key])
        unpublished = [v for v in range(1, version + 1) if counts[v] == 0]
        report.published_zero_times += len(unpublished)
        if unpublished:
            marker = {name: item[name] for name in ("publishPending", "publishLeaseUntil") if name in item}
            report.unpublished.append(
                f"{key[0]}/{key[1]} versions {unpublished} of {version}, at {iso_utc(datetime.now(UTC))}: {marker}"
            )
        report.published_more_than_once += sum(1 for v in range(1, version + 1) if counts[v] > 1)
        statuses = [body["invitation"]["status"] for body in sorted(published[key], key=lambda b: b["version"])]
        report.regressions += sum(
            1
            for before, after in itertools.pairwise(statuses)
            if before in FINAL_STATUSES and after not in FINAL_STATUSES
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=ReliabilityConfig.seed)
    parser.add_argument("--invitations", type=int, default=ReliabilityConfig.invitations)
    parser.add_argument("--events", type=int, default=ReliabilityConfig.min_events, help="at least this many events")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    report = run(ReliabilityConfig(seed=args.seed, invitations=args.invitations, min_events=args.events))
    answers = run_answers(AnswerFaultsConfig(seed=args.seed))
    rows = report.rows() + answers.rows()
    print(markdown(rows))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(dict(rows), handle, indent=2)
    if not report.ok:
        raise SystemExit("reliability: lost, regressed, unpublished changes or unexpected errors (must all be 0)")
    if not answers.ok:
        raise SystemExit("reliability: double, lost or contradicting answers, or outcomes not published once")


if __name__ == "__main__":
    main()
