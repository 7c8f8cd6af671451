"""Every alarm and dashboard line on one of our own metrics reads a metric the functions really emit.
CloudWatch matches a metric by namespace, name and the exact set of dimensions: an alarm whose dimensions
differ from the EMF lines by one key stays at OK forever, and nothing in moto (or a deploy) would say so.
So the functions run through their real handlers, under the Powertools variables the template gives them,
their EMF output is parsed, and each alarm's metric is looked up among the emitted ones."""

import uuid
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from benchmarks.cost import Metric, alarmed, charted
from infra.reminders import TIMEOUT as REMINDERS_TIMEOUT
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
from tests.fixtures.emf import emf_records
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("cdk")]


def emitted(output: str) -> set[Metric]:
    """Each metric of each EMF line, with the dimension set CloudWatch files it under."""
    found = set()
    for record in emf_records(output):
        for directive in record["_aws"]["CloudWatchMetrics"]:
            for dimension_set in directive["Dimensions"]:
                dimensions = frozenset((name, str(record[name])) for name in dimension_set)
                found |= {(directive["Namespace"], metric["Name"], dimensions) for metric in directive["Metrics"]}
    return found


def template_powertools_variables(stack: Synthesized) -> dict[str, str]:
    """What every function's Powertools reads from its environment, as the template sets it (one value each)."""
    values: defaultdict[str, set[str]] = defaultdict(set)
    for function in stack.resources("AWS::Lambda::Function").values():
        for name, value in function["Properties"]["Environment"]["Variables"].items():
            if name in ("POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"):
                values[name].add(value)
    assert all(len(distinct) == 1 for distinct in values.values()), values
    return {name: distinct.pop() for name, distinct in values.items()}


@pytest.fixture
def functions_as_deployed(default_stack: Synthesized, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The template's Powertools variables; the reconciler's and the reminders' own as the stack sets
    them by default; each function's clients built inside the test, so injected faults reach them."""
    for name, value in template_powertools_variables(default_stack).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("RECONCILE_PARTICIPANT_TYPES", "RECEIVER,SENDER")
    monkeypatch.setenv("PARTNER_CENTRAL_RATE_CAP", "5")
    monkeypatch.setenv("EXPIRY_REMINDER_HOURS", "72,24")
    for services in (sync_services, reconcile_services, reminder_services):
        services.cache_clear()
    yield
    for services in (sync_services, reconcile_services, reminder_services):
        services.cache_clear()


@pytest.fixture
def emitted_metrics(
    functions_as_deployed: None, local_aws: LocalAws, capsys: pytest.CaptureFixture[str]
) -> set[Metric]:
    """One run of each function through its handler: a sync throttled once that succeeds, a sync per
    catalog whose publish fails, a reconcile run throttled once, a reminder run."""
    failing = [opportunity_invitation(1), opportunity_invitation(2, catalog="Sandbox")]
    for invitation in [*failing, opportunity_invitation(3)]:
        local_aws.emulator.put(invitation)
    with ClientFaults() as faults:
        local_aws.emulator.fail_next("ThrottlingException")  # the sync's PartnerCentralThrottled, per catalog
        assert event_source.deliver(invitation_event(opportunity_invitation(3)))["outcome"] == "stored"
        for invitation in failing:
            faults.fail_next("sns.Publish", times=3)  # every attempt botocore makes: PublishFailures
            assert event_source.deliver(invitation_event(invitation))["errorType"] == "PublishError"
    local_aws.emulator.fail_next("ThrottlingException")  # the reconciler's PartnerCentralThrottled
    context = FakeLambdaContext(aws_request_id=str(uuid.uuid4()), timeout_seconds=900)
    assert reconcile_handler({"mode": "incremental"}, context)["complete"]
    assert reminder_handler(
        {"source": "aws.events"}, FakeLambdaContext(timeout_seconds=REMINDERS_TIMEOUT.to_seconds())
    )["complete"]
    return emitted(capsys.readouterr().out)


def test_every_alarm_on_our_metrics_reads_a_metric_the_functions_emit(
    default_stack: Synthesized, configured_stack: Synthesized, emitted_metrics: set[Metric]
) -> None:
    ours = {"PublishFailures", "DriftRepaired", "ReconcileFailures", "ReminderFailures"}
    for stack in (default_stack, configured_stack):  # one catalog; two (each alarm reads both)
        alarms = alarmed(stack.raw)
        assert {name for _, name, _ in alarms} == ours
        assert alarms - emitted_metrics == set(), f"alarms on metrics nothing emits; emitted: {sorted(emitted_metrics)}"


@pytest.mark.parametrize("stack", ["default_stack", "configured_stack"])
def test_every_dashboard_line_on_a_metric_the_functions_emitted_has_its_dimensions(
    request: pytest.FixtureRequest, stack: str, emitted_metrics: set[Metric]
) -> None:
    """A line under a metric name with dimensions it is never emitted under draws nothing. Lines for
    metrics these runs did not emit (a lagging read, an invalid event) are not checked here."""
    charted_metrics = charted(request.getfixturevalue(stack).raw)
    emitted_keys: defaultdict[str, set[frozenset[str]]] = defaultdict(set)
    for _, name, dimensions in emitted_metrics:
        emitted_keys[name].add(frozenset(key for key, _ in dimensions))
    checked = [(name, dimensions) for _, name, dimensions in charted_metrics if name in emitted_keys]
    wrong = [(name, sorted(d)) for name, d in checked if frozenset(key for key, _ in d) not in emitted_keys[name]]
    assert wrong == []
    assert len(checked) >= 12, checked  # the runs above reach most lines: the check is not vacuous
    service_only: Any = frozenset({("service", "invitation-sync")})
    for name in ("EventsPublished", "PartnerCentralThrottled", "RemindersPublished"):  # the reconciler's own
        assert (METRIC_NAMESPACE, name, service_only) in charted_metrics & emitted_metrics


def test_every_function_lets_the_metric_lines_through_lambdas_log_level_filter(
    default_stack: Synthesized, configured_stack: Synthesized
) -> None:
    """EMF lines carry no `level`, which Lambda's log-level filter counts as INFO: a function whose
    ApplicationLogLevel is WARN or ERROR would drop every metric the alarms read."""
    for stack in (default_stack, configured_stack):
        functions = stack.resources("AWS::Lambda::Function").values()
        levels = {function["Properties"]["LoggingConfig"]["ApplicationLogLevel"] for function in functions}
        assert levels <= {"DEBUG", "INFO"}, levels
