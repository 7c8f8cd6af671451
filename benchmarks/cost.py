"""The monthly cost of one deployment for a typical partner, counted from the synthesized template (keys,
alarms and the metrics they read, the dashboard and the metrics it charts, functions, schedules, log
retention) and the workload below. `make synth && .venv/bin/python -m benchmarks.cost` prints the table
the README's Cost section shows; a test synthesizes the default stack and requires exactly that table there.

Prices: us-east-1 list prices as recorded on PRICES_RECORDED, without the free tier (most of the request
and compute lines below fit inside it). Sources: aws.amazon.com/{kms,cloudwatch,lambda,dynamodb,sns,sqs}/pricing.
"""

import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from invitation_sync.observability import METRIC_NAMESPACE

PRICES_RECORDED: Final = "2026-12-08"
KMS_KEY_MONTH: Final = 1.00
KMS_REQUEST: Final = 0.03 / 10_000
CUSTOM_METRIC_MONTH: Final = 0.30  # first 10,000 metrics; prorated by the hours a metric receives data
ALARM_METRIC_MONTH: Final = 0.10  # standard resolution; a metric math alarm pays for each metric it reads
DASHBOARD_MONTH: Final = 3.00
LOG_INGESTED_GB: Final = 0.50
LOG_STORED_GB_MONTH: Final = 0.03
LAMBDA_ARM_GB_SECOND: Final = 0.0000133334
LAMBDA_REQUEST: Final = 0.20 / 1_000_000
DYNAMODB_WRITE_UNIT: Final = 0.625 / 1_000_000  # on-demand
DYNAMODB_READ_UNIT: Final = 0.125 / 1_000_000
DYNAMODB_STORED_GB_MONTH: Final = 0.25
DYNAMODB_BACKUP_GB_MONTH: Final = 0.20  # continuous backups (point-in-time recovery)
SNS_PUBLISH: Final = 0.50 / 1_000_000
SQS_REQUEST: Final = 0.40 / 1_000_000
XRAY_TRACE: Final = 5.00 / 1_000_000

# The typical partner: 200 invitations a month. Each brings two Partner Central events (Created, then
# Accepted, Rejected or Expired) and three stored changes (created, one content update, the answer); a
# quarter are still PENDING when each expiry reminder threshold passes. Every answer is given through the
# answer function (the CLI's accept/reject or a chat button): the ceiling, one invocation per invitation.
INVITATIONS: Final = 200
EVENTS_PER_INVITATION: Final = 2
CHANGES_PER_INVITATION: Final = 3
REMINDED_SHARE: Final = 0.25
MONTHS_OF_HISTORY: Final = 12  # stored invitations: a year of them
HOURS_PER_MONTH: Final = 730

# Per change: the write and the clear, each rewriting the item (~1.5 KB, twice that while the previous
# version is kept) in the table and in every index holding it (README: Cost). A reminder: record, clear
# and its share of the index writes. A scheduled run: its lock, its state, a Query per catalog.
WRITE_UNITS_PER_CHANGE: Final = 20
WRITE_UNITS_PER_REMINDER: Final = 24
WRITE_UNITS_PER_RECONCILE_RUN: Final = 3
READ_UNITS_PER_SCHEDULED_RUN: Final = 2
# An answer: the claim and its recorded steps (claimed, writing, written, answered), each rewriting the item in
# the table and its indexes, and one write slot. Its change is one of the three above.
WRITE_UNITS_PER_ANSWER: Final = 50
STORED_KB_PER_INVITATION: Final = 1.5 * 5  # the table and four indexes projecting every attribute

# The event queue: EventBridge's SendMessage and Lambda's DeleteMessage per event, and the event source
# mapping's long polls of an idle queue (assumed: 5 pollers, one 20-second poll each at a time).
SQS_REQUESTS_PER_EVENT: Final = 2
IDLE_POLLERS: Final = 5
IDLE_POLLS_PER_POLLER_MONTH: Final = 3 * 60 * HOURS_PER_MONTH

# Per invocation, by function (the logical id's start): billed seconds and log bytes (START, END and
# REPORT lines, the function's own lines, one metric line).
# An answer waits for its write slot (up to ~1.35 s) and follows an accept's task with List calls.
SECONDS: Final = {"SyncFunction": 0.4, "ReconcilerFunction": 3.0, "RemindersFunction": 0.3, "AnswersFunction": 3.0}
LOG_BYTES: Final = {
    "SyncFunction": 2500,
    "ReconcilerFunction": 3000,
    "RemindersFunction": 1500,
    "AnswersFunction": 3000,
}

Metric = tuple[str, str, frozenset[tuple[str, str]]]  # namespace, name, dimensions (name, value)


@dataclass(frozen=True)
class Line:
    item: str
    quantity: float
    unit: str
    price: float

    @property
    def monthly(self) -> float:
        return self.quantity * self.price

    @property
    def unit_text(self) -> str:
        return self.unit.removesuffix("s") if self.quantity == 1 else self.unit


def resources(template: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def alarmed(template: dict[str, Any]) -> set[Metric]:
    """The metric of every alarm on our namespace, whether read directly or inside a math expression."""
    found = set()
    for alarm in resources(template, "AWS::CloudWatch::Alarm").values():
        for metric in _alarm_metrics(alarm["Properties"]):
            if metric.get("Namespace") == METRIC_NAMESPACE:
                dimensions = frozenset((d["Name"], d["Value"]) for d in metric.get("Dimensions", []))
                found.add((metric["Namespace"], metric["MetricName"], dimensions))
    return found


def _alarm_metrics(properties: dict[str, Any]) -> list[dict[str, Any]]:
    """The metrics one alarm reads: its own, or each of its math expression's (the expression has none)."""
    queries = properties.get("Metrics", [])
    return [query["MetricStat"]["Metric"] for query in queries if "MetricStat" in query] or [properties]


def charted(template: dict[str, Any]) -> set[Metric]:
    """The metrics of the dashboard's graphs on our namespace: `[namespace, name, dim, value, ..., {options}]`."""
    found = set()
    for dashboard in resources(template, "AWS::CloudWatch::Dashboard").values():
        source = dashboard["Properties"]["DashboardBody"]
        parts = [source] if isinstance(source, str) else source["Fn::Join"][1]  # tokens sit inside JSON strings
        body = json.loads("".join(part if isinstance(part, str) else "token" for part in parts))
        for widget in body["widgets"]:
            for line in widget["properties"].get("metrics", []):
                fields = [field for field in line if isinstance(field, str)]
                if fields and fields[0] == METRIC_NAMESPACE:
                    pairs = zip(fields[2::2], fields[3::2], strict=True)
                    found.add((fields[0], fields[1], frozenset(pairs)))
    return found


def custom_metrics(template: dict[str, Any]) -> set[Metric]:
    """Each metric CloudWatch bills: a name under one set of dimension values. The functions' counts come
    per catalog, the scheduled runs' without one; the dashboard charts each (tests/infra checks they match
    what the functions emit)."""
    return charted(template) | alarmed(template)


_RATE: Final = re.compile(r"rate\((\d+) (minute|hour|day)s?\)")
_UNIT_HOURS: Final = {"minute": 1 / 60, "hour": 1.0, "day": 24.0}


def runs_per_month(expression: str) -> float:
    """How often a schedule fires in a month; the cost model reads rate() expressions only."""
    match = _RATE.fullmatch(expression)
    if not match:
        raise ValueError(f"schedule {expression!r}: the cost model counts rate(<n> minutes|hours|days) only")
    return HOURS_PER_MONTH / (int(match[1]) * _UNIT_HOURS[match[2]])


def _function_of(logical_id: str) -> str:
    kinds = [kind for kind in SECONDS if logical_id.startswith(kind)]
    if len(kinds) != 1:
        raise ValueError(f"function {logical_id}: no invocation figures in benchmarks/cost.py for it")
    return kinds[0]


def invocations(template: dict[str, Any]) -> dict[str, float]:
    """Invocations a month per function logical id: the sync per event (one record per batch at this rate),
    the answer function per invitation, the others per schedule tick."""
    functions = resources(template, "AWS::Lambda::Function")
    counts = dict.fromkeys(functions, 0.0)
    for rule in resources(template, "AWS::Events::Rule").values():
        expression = rule["Properties"].get("ScheduleExpression")
        for target in rule["Properties"]["Targets"] if expression else []:
            counts[target["Arn"]["Fn::GetAtt"][0]] += runs_per_month(expression)
    for mapping in resources(template, "AWS::Lambda::EventSourceMapping").values():
        counts[mapping["Properties"]["FunctionName"]["Ref"]] += INVITATIONS * EVENTS_PER_INVITATION
    for name in functions:
        if _function_of(name) == "AnswersFunction":
            counts[name] += INVITATIONS
    return counts


def reminder_thresholds(template: dict[str, Any]) -> int:
    hours = {
        variables.get("EXPIRY_REMINDER_HOURS")
        for function in resources(template, "AWS::Lambda::Function").values()
        for variables in [function["Properties"]["Environment"]["Variables"]]
    } - {None, ""}
    return sum(len(value.split(",")) for value in hours)


def lines(template: dict[str, Any]) -> list[Line]:
    functions = resources(template, "AWS::Lambda::Function")
    calls = invocations(template)
    gb_seconds = sum(
        calls[name] * SECONDS[_function_of(name)] * function["Properties"]["MemorySize"] / 1024
        for name, function in functions.items()
    )
    log_gb = sum(calls[name] * LOG_BYTES[_function_of(name)] for name in functions) / 1e9
    retention_months = max(
        group["Properties"].get("RetentionInDays", 3653)
        for group in resources(template, "AWS::Logs::LogGroup").values()
    ) / (HOURS_PER_MONTH / 24)
    traced = sum(
        calls[name]
        for name, function in functions.items()
        if function["Properties"].get("TracingConfig", {}).get("Mode") == "Active"
    )
    events = INVITATIONS * EVENTS_PER_INVITATION
    changes = INVITATIONS * CHANGES_PER_INVITATION
    reminders = INVITATIONS * REMINDED_SHARE * reminder_thresholds(template)
    answers = sum(count for name, count in calls.items() if _function_of(name) == "AnswersFunction")
    scheduled_runs = sum(calls.values()) - events - answers
    reconcile_runs = sum(count for name, count in calls.items() if _function_of(name) == "ReconcilerFunction")
    alarm_metrics = sum(
        len(_alarm_metrics(alarm["Properties"])) for alarm in resources(template, "AWS::CloudWatch::Alarm").values()
    )
    stored_gb = INVITATIONS * MONTHS_OF_HISTORY * STORED_KB_PER_INVITATION / 1e6
    sqs_requests = events * SQS_REQUESTS_PER_EVENT + IDLE_POLLERS * IDLE_POLLS_PER_POLLER_MONTH
    kms_requests = events * SQS_REQUESTS_PER_EVENT + changes + reminders  # at most one per message
    return [
        Line("KMS keys", len(resources(template, "AWS::KMS::Key")), "keys", KMS_KEY_MONTH),
        Line("KMS requests (at most one per message)", kms_requests, "requests", KMS_REQUEST),
        Line(
            "CloudWatch custom metrics (every hour: the ceiling)",
            len(custom_metrics(template)),
            "metrics",
            CUSTOM_METRIC_MONTH,
        ),
        Line("CloudWatch alarm metrics", alarm_metrics, "alarm metrics", ALARM_METRIC_MONTH),
        Line(
            "CloudWatch dashboards",
            len(resources(template, "AWS::CloudWatch::Dashboard")),
            "dashboards",
            DASHBOARD_MONTH,
        ),
        Line("CloudWatch Logs ingested", log_gb, "GB", LOG_INGESTED_GB),
        Line("CloudWatch Logs stored (at the retention)", log_gb * retention_months, "GB-months", LOG_STORED_GB_MONTH),
        Line("Lambda requests", sum(calls.values()), "requests", LAMBDA_REQUEST),
        Line("Lambda compute (arm64)", gb_seconds, "GB-seconds", LAMBDA_ARM_GB_SECOND),
        Line("X-Ray traces", traced, "traces", XRAY_TRACE),
        Line(
            "DynamoDB writes",
            changes * WRITE_UNITS_PER_CHANGE
            + reminders * WRITE_UNITS_PER_REMINDER
            + reconcile_runs * WRITE_UNITS_PER_RECONCILE_RUN
            + answers * WRITE_UNITS_PER_ANSWER,
            "write units",
            DYNAMODB_WRITE_UNIT,
        ),
        Line("DynamoDB reads", scheduled_runs * READ_UNITS_PER_SCHEDULED_RUN, "read units", DYNAMODB_READ_UNIT),
        Line(
            "DynamoDB storage and backups", stored_gb, "GB-months", DYNAMODB_STORED_GB_MONTH + DYNAMODB_BACKUP_GB_MONTH
        ),
        Line("SNS publishes", changes + reminders, "publishes", SNS_PUBLISH),
        Line("SQS requests (events and idle polling)", sqs_requests, "requests", SQS_REQUEST),
    ]


def total(items: Iterable[Line]) -> float:
    return sum(line.monthly for line in items)


def table(items: list[Line]) -> str:
    """The README's table: one row per line, then the total."""
    rows = ["| item | per month | USD per unit | USD per month |", "| --- | ---: | ---: | ---: |"]
    rows += [
        f"| {line.item} | {_quantity(line.quantity)} {line.unit_text} | {_price(line.price)} | {line.monthly:.2f} |"
        for line in items
    ]
    rows.append(f"| **total** | | | **{total(items):.2f}** |")
    return "\n".join(rows) + "\n"


def _price(value: float) -> str:
    return f"{value:.10f}".rstrip("0").rstrip(".")


def _quantity(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def main() -> None:
    """The table for the template `make synth` wrote (or the one named on the command line)."""
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "cdk.out/InvitationSync.template.json")
    if not path.is_file():
        raise SystemExit(f"{path}: no synthesized template; run `make synth` first")
    template = json.loads(path.read_text())
    print(f"us-east-1 list prices recorded {PRICES_RECORDED}, no free tier; {INVITATIONS} invitations a month")
    print(table(lines(template)), end="")


if __name__ == "__main__":
    main()
