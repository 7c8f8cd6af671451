"""Every alarm on one of our own metrics reads a metric the functions really emit. CloudWatch matches a
metric by namespace, name and the exact set of dimensions: an alarm whose dimensions differ from the EMF
lines by one key stays at OK forever, and nothing in moto (or a deploy) would say so. So the functions
run through their real handlers here, their EMF output is parsed, and each alarm's metric is looked up
among the emitted ones on the synthesized template."""

import json
import uuid
from collections.abc import Iterator

import pytest

from invitation_sync.handlers.reconcile_handler import lambda_handler as reconcile_handler
from invitation_sync.handlers.reminder_handler import lambda_handler as reminder_handler
from invitation_sync.observability import METRIC_NAMESPACE
from invitation_sync.wiring.reconcile import reconcile_services
from invitation_sync.wiring.reminders import reminder_services
from invitation_sync.wiring.sync import sync_services
from local import event_source
from local.faults import ClientFaults
from local.lambda_context import FakeLambdaContext
from local.samples import invitation_event, opportunity_invitation
from tests.conftest import LocalAws
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("cdk")]

Metric = tuple[str, str, frozenset[tuple[str, str]]]  # namespace, name, dimensions (name, value)


def emitted(output: str) -> set[Metric]:
    """Each metric of each EMF line, with the dimension set CloudWatch files it under."""
    found = set()
    for line in output.splitlines():
        if '"_aws"' not in line:
            continue
        record = json.loads(line)
        for directive in record["_aws"]["CloudWatchMetrics"]:
            for dimension_set in directive["Dimensions"]:
                dimensions = frozenset((name, str(record[name])) for name in dimension_set)
                found |= {(directive["Namespace"], metric["Name"], dimensions) for metric in directive["Metrics"]}
    return found


def alarmed(stack: Synthesized) -> set[Metric]:
    """The metric of every alarm on our namespace, whether read directly or inside a math expression."""
    found = set()
    for alarm in stack.resources("AWS::CloudWatch::Alarm").values():
        properties = alarm["Properties"]
        queries = properties.get("Metrics", [])  # a math expression's own query has no MetricStat
        metrics = [properties] + [query["MetricStat"]["Metric"] for query in queries if "MetricStat" in query]
        for metric in metrics:
            if metric.get("Namespace") == METRIC_NAMESPACE:
                dimensions = frozenset((d["Name"], d["Value"]) for d in metric.get("Dimensions", []))
                found.add((metric["Namespace"], metric["MetricName"], dimensions))
    return found


@pytest.fixture
def fresh_services(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each function's clients are built inside the test, so injected faults reach them; the reconciler's
    and the reminders' own variables as the stack sets them by default."""
    monkeypatch.setenv("RECONCILE_PARTICIPANT_TYPES", "RECEIVER,SENDER")
    monkeypatch.setenv("PARTNER_CENTRAL_RATE_CAP", "5")
    monkeypatch.setenv("EXPIRY_REMINDER_HOURS", "72,24")
    for services in (sync_services, reconcile_services, reminder_services):
        services.cache_clear()
    yield
    for services in (sync_services, reconcile_services, reminder_services):
        services.cache_clear()


@pytest.mark.usefixtures("fresh_services")
def test_every_alarm_on_our_metrics_reads_a_metric_the_functions_emit(
    default_stack: Synthesized, local_aws: LocalAws, capsys: pytest.CaptureFixture[str]
) -> None:
    invitation = opportunity_invitation(1)
    local_aws.emulator.put(invitation)
    with ClientFaults() as faults:
        faults.fail_next("sns.Publish", times=3)  # every attempt botocore makes: PublishFailures
        assert event_source.deliver(invitation_event(invitation))["errorType"] == "PublishError"
    context = FakeLambdaContext(aws_request_id=str(uuid.uuid4()), timeout_seconds=900)
    assert reconcile_handler({"mode": "incremental"}, context)["complete"]  # DriftRepaired, ReconcileFailures
    assert reminder_handler({"source": "aws.events"}, FakeLambdaContext(timeout_seconds=180))["complete"]

    alarms, metrics = alarmed(default_stack), emitted(capsys.readouterr().out)

    assert {name for _, name, _ in alarms} == {
        "PublishFailures",
        "DriftRepaired",
        "ReconcileFailures",
        "ReminderFailures",
    }
    assert alarms - metrics == set(), f"alarms on metrics nothing emits; emitted: {sorted(metrics)}"
