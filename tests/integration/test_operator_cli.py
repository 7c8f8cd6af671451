"""`invitation-sync` against the synthesized stack on moto: names from the stack's outputs, the
functions' real handlers behind the invoker port, and only read clients of the CLI's own."""

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from invitation_sync.adapters.store import InvitationStore
from invitation_sync.normalize import iso_utc
from invitation_sync_cli import backfill
from invitation_sync_cli.main import main
from local.aws_resources import make_moto_item_writes_atomic
from local.environment import local_process_environment
from local.event_source_mapping import LocalEventSourceMapping
from local.faults import ClientFaults
from local.operator import LocalOperator, deploy_for_operator
from local.partner_central_emulator import PartnerCentralEmulator
from local.samples import invitation_event, lead_invitation, opportunity_invitation
from tests.fixtures.iam import AwsCall, CallRecorder
from tests.fixtures.operator_policy import refused_by_operator_policy
from tests.infra.conftest import synthesize

pytestmark = [pytest.mark.infra, pytest.mark.clock, pytest.mark.xdist_group("cdk")]
SCHEDULED_CURSOR = {"catalog": {"S": "_reconciler"}, "id": {"S": "incremental"}}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    context: dict[str, object] = {"catalogs": "AWS,Sandbox", "participantTypes": "RECEIVER,SENDER"}
    return synthesize(tmp_path_factory.mktemp("cdk-operator"), context).raw


@pytest.fixture
def stack(template: dict[str, Any], emulator: PartnerCentralEmulator) -> Iterator[LocalOperator]:
    emulator.reset()
    with local_process_environment(AWS_ENDPOINT_URL_PARTNERCENTRAL_SELLING=emulator.url), mock_aws():
        make_moto_item_writes_atomic()
        yield deploy_for_operator(template)


def cli(stack: LocalOperator, *argv: str) -> int:
    return main(list(argv), session=stack.session, invoker=stack.invoker)


def table_name(stack: LocalOperator) -> str:
    return stack.deployment.outputs["TableName"]


def invitation_items(stack: LocalOperator) -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName=table_name(stack))["Items"]
    return [item for item in items if item["catalog"]["S"] != "_reconciler"]


def test_backfill_after_a_paused_scheduled_run_covers_every_pair_and_leaves_its_cursor(
    stack: LocalOperator, emulator: PartnerCentralEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    for number in range(1, 4):
        emulator.put(opportunity_invitation(number))  # AWS, RECEIVER
    emulator.put(opportunity_invitation(4, catalog="Sandbox"))
    paused = {**SCHEDULED_CURSOR, "pair": {"S": "Sandbox#SENDER"}, "nextToken": {"S": "page-7"}}
    boto3.client("dynamodb").put_item(TableName=table_name(stack), Item=paused)

    assert cli(stack, "backfill") == 0

    assert len(invitation_items(stack)) == 4  # every pair from the start, not from Sandbox#SENDER
    cursor = boto3.client("dynamodb").get_item(TableName=table_name(stack), Key=SCHEDULED_CURSOR)["Item"]
    assert cursor == paused
    out = capsys.readouterr()
    assert "listed 4, synced 4, unchanged 0, failed 0" in out.err
    assert "backfill complete" in out.out


def test_a_backfill_spanning_several_invocations_resumes_each_time_from_its_cursor(
    stack: LocalOperator,
    emulator: PartnerCentralEmulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(backfill, "INVOCATION_SECONDS", 0.01)  # each invocation stops after one page
    for number in range(1, 4):
        emulator.put(opportunity_invitation(number))
    for number in range(4, 6):
        emulator.put(lead_invitation(number, catalog="Sandbox"))

    assert cli(stack, "backfill") == 0

    progress = [line for line in capsys.readouterr().err.splitlines() if line.startswith("listed ")]
    assert len(progress) >= 2  # several invocations (about one page each: 2 catalogs x 2 participant types)
    assert progress[-1].startswith("listed 5, synced 5, unchanged 0, failed 0")
    assert len(invitation_items(stack)) == 5
    state = boto3.client("dynamodb").get_item(
        TableName=table_name(stack), Key={"catalog": {"S": "_reconciler"}, "id": {"S": "backfill"}}
    )["Item"]
    assert "lastCompletedAt" in state


def test_backfill_dry_run_goes_through_the_function_and_writes_nothing(
    stack: LocalOperator, emulator: PartnerCentralEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.put(opportunity_invitation(1))
    emulator.put(lead_invitation(2, catalog="Sandbox"))

    assert cli(stack, "backfill", "--dry-run", "--catalog", "Sandbox") == 0

    out = capsys.readouterr().out
    assert "would change (1)" in out
    assert "engi-0000000000002" in out
    assert "engi-0000000000001" not in out  # narrowed to Sandbox
    assert invitation_items(stack) == []


def test_status_on_a_known_table(
    stack: LocalOperator, emulator: PartnerCentralEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=30)
    emulator.put({**opportunity_invitation(1), "ExpirationDate": soon})
    emulator.put(opportunity_invitation(2))  # PENDING, expiring in days
    emulator.put(opportunity_invitation(3, status="ACCEPTED"))
    emulator.put(lead_invitation(4, catalog="Sandbox", status="REJECTED"))
    assert stack.invoker.invoke(stack.deployment.outputs["ReconcilerFunctionName"], {"mode": "full"})["complete"]
    sqs, cloudwatch = boto3.client("sqs"), boto3.client("cloudwatch")
    failed_events = stack.deployment.outputs["FailedEventsQueueUrl"]
    for body in ("one", "two"):
        sqs.send_message(QueueUrl=failed_events, MessageBody=json.dumps({"event": body}))
    cloudwatch.put_metric_data(
        Namespace="AWS/SQS",
        MetricData=[
            {
                "MetricName": "ApproximateAgeOfOldestMessage",
                "Dimensions": [{"Name": "QueueName", "Value": failed_events.rsplit("/", 1)[-1]}],
                "Value": 7200,
                "Timestamp": datetime.now(UTC) - timedelta(minutes=2),
            }
        ],
    )
    own, others = (
        "InvitationSync-MonitoringDrift-1A2B3C",
        ("OtherStack-MonitoringDrift-4D5E6F", "InvitationSync-Dev-Drift-7G8H"),
    )
    for name in (own, *others):
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            AlarmDescription="invitation-sync: drift",
            MetricName="DriftRepaired",
            Namespace="InvitationSync",
            Statistic="Sum",
            Period=3600,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test")
    before = boto3.client("dynamodb").scan(TableName=table_name(stack))["Items"]

    assert cli(stack, "status") == 0

    out = capsys.readouterr().out
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") == 6}
    assert [cell.strip() for cell in rows["AWS"].split("│")[2:6]] == ["2", "1", "0", "0"]
    assert [cell.strip() for cell in rows["Sandbox"].split("│")[2:6]] == ["0", "0", "1", "0"]
    assert "PENDING, expiring within 72 hours (1)" in out
    [expiring] = [line.split("│")[1:-1] for line in out.splitlines() if "engi-0000000000001" in line]
    assert expiring[-1].strip() == "29"  # under 30 h left: rounded down, as the reminder's hoursLeft
    assert "engi-0000000000002" not in out
    assert "failed events waiting: 2 (oldest 2.0 h, measured by CloudWatch at 20" in out
    assert own in out
    assert not [name for name in others if name in out]  # another stack's, even one named "InvitationSync-Dev"
    assert boto3.client("dynamodb").scan(TableName=table_name(stack))["Items"] == before  # read-only
    assert len(boto3.client("sqs").receive_message(QueueUrl=failed_events, MaxNumberOfMessages=10)["Messages"]) == 2


def test_status_json_holds_the_same_facts_and_says_when_the_age_was_not_measured(
    stack: LocalOperator, emulator: PartnerCentralEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=30)
    emulator.put({**opportunity_invitation(1), "ExpirationDate": soon})
    emulator.put(lead_invitation(2, catalog="Sandbox", status="REJECTED"))
    assert stack.invoker.invoke(stack.deployment.outputs["ReconcilerFunctionName"], {"mode": "full"})["complete"]
    capsys.readouterr()  # the function's own log lines

    assert cli(stack, "status", "--json") == 0

    document = json.loads(capsys.readouterr().out)
    assert document["counts"] == {
        "AWS": {"PENDING": 1, "ACCEPTED": 0, "REJECTED": 0, "EXPIRED": 0},
        "Sandbox": {"PENDING": 0, "ACCEPTED": 0, "REJECTED": 1, "EXPIRED": 0},
    }
    assert document["expiring"] == [
        {"catalog": "AWS", "invitationId": "engi-0000000000001", "expiresAt": iso_utc(soon), "hoursLeft": 29}
    ]
    assert document["failedEvents"] == {
        "waiting": 0,
        "inFlight": 0,
        "oldestAgeSeconds": None,
        "oldestAgeMeasuredAt": None,
    }
    assert document["alarmsInAlarm"] == []
    assert [run["mode"] for run in document["scheduledRuns"]] == ["full"]

    assert cli(stack, "status") == 0
    assert (
        "failed events waiting: 0 (age of the oldest not measured: no CloudWatch datapoint in the last 15 minutes"
        in capsys.readouterr().out
    )


def test_status_shows_the_last_complete_scheduled_reconcile_and_what_it_repaired(
    stack: LocalOperator, emulator: PartnerCentralEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    function = stack.deployment.outputs["ReconcilerFunctionName"]
    emulator.put(opportunity_invitation(1))
    assert stack.invoker.invoke(function, {"mode": "incremental"})["backfilled"] == 1  # the baseline run
    emulator.update("AWS", "engi-0000000000001", Status="ACCEPTED")  # its event never arrived
    assert stack.invoker.invoke(function, {"mode": "incremental"})["drift_repaired"] == 1

    assert cli(stack, "status") == 0

    out = capsys.readouterr().out
    assert "last complete scheduled reconcile (incremental): 20" in out
    assert "drift repaired 1, backfilled 0, failed 0" in out
    assert "full sweep due" not in out

    now = datetime.now(UTC)
    store = InvitationStore(boto3.client("dynamodb"), table_name(stack))
    assert store.take_reconciler_lock("a-backfill", iso_utc(now + timedelta(minutes=10)), iso_utc(now)) is None
    assert stack.invoker.invoke(function, {"mode": "full"})["skipped"]  # the weekly tick, during a backfill
    assert cli(stack, "status") == 0
    assert "full sweep due since 20" in capsys.readouterr().out


def test_the_cli_creates_no_sns_partner_central_or_dynamodb_write_client(
    stack: LocalOperator, emulator: PartnerCentralEmulator
) -> None:
    emulator.put(opportunity_invitation(1))
    clients: set[str] = set()
    calls: set[tuple[str, str]] = set()
    events = stack.session.events
    events.register("creating-client-class", lambda event_name, **_: clients.add(event_name.split(".")[-1]))
    events.register("before-call", lambda model, **_: calls.add((model.service_model.service_name, model.name)))
    failed_events = stack.deployment.outputs["FailedEventsQueueUrl"]
    boto3.client("sqs").send_message(QueueUrl=failed_events, MessageBody="not json")

    for command in (["status"], ["backfill"], ["backfill", "--dry-run"]):
        assert cli(stack, *command) == 0
    cli(stack, "redrive", "--wait", "0")

    assert clients, "the hooks saw no client: the test would prove nothing"
    assert clients <= {"cloudformation", "dynamodb", "sqs", "cloudwatch", "lambda"}
    dynamodb_calls = {operation for service, operation in calls if service == "dynamodb"}
    assert dynamodb_calls <= {"Query", "GetItem"}
    assert {service for service, _ in calls} >= {"cloudformation", "dynamodb", "sqs"}


def test_a_missing_stack_is_one_readable_line(stack: LocalOperator, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(stack, "status", "--stack", "InvitationSnyc") == 1
    assert capsys.readouterr().err.strip() == (
        "invitation-sync status: stack InvitationSnyc not found in us-east-1: deploy it with `make deploy`, "
        "or name yours with --stack"
    )


def test_explicit_flags_override_the_stack_outputs(stack: LocalOperator, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(stack, "status", "--table", "no-such-table") == 1
    assert "ResourceNotFoundException" in capsys.readouterr().err


def test_a_refusal_behind_a_shared_adapter_is_one_readable_line(
    stack: LocalOperator, capsys: pytest.CaptureFixture[str]
) -> None:
    """`status` reads the reconciler's state items through the functions' store, whose errors are typed."""
    faults = ClientFaults().install(stack.session)  # the CLI's clients come from the stack's session
    faults.fail_next("dynamodb.GetItem", code="AccessDeniedException", status=400)
    try:
        assert cli(stack, "status") == 1
    finally:
        faults.uninstall(stack.session)
    assert (
        capsys.readouterr()
        .err.strip()
        .startswith(
            "invitation-sync status: access denied (AccessDeniedException): see the operator policy in the README."
        )
    )


def test_every_command_reads_its_names_from_the_outputs_of_the_template(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    for key in ("TableName", "FailedEventsQueueUrl", "SyncFunctionName", "ReconcilerFunctionName"):
        assert key in outputs, key
    assert outputs["ReconcilerFunctionName"]["Value"]["Ref"] in {
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function"
    }


def test_redrive_with_a_good_event_a_permanently_bad_one_and_a_non_invitation_record(
    stack: LocalOperator, emulator: PartnerCentralEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.put(opportunity_invitation(1))  # Partner Central answers again: this one will succeed
    bad = {**invitation_event(opportunity_invitation(2)), "detail": {"catalog": "Foo"}}
    scheduled_run = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    parked: list[dict[str, Any]] = [
        {
            "errorType": "PartnerCentralUnavailableError",
            "reason": "throttled",
            "event": invitation_event(opportunity_invitation(1)),
        },
        {"errorType": "InvalidEventError", "reason": "detail.catalog", "event": bad},
        {"requestPayload": scheduled_run, "responsePayload": {"errorType": "StoreUnavailableError"}},
    ]
    sqs, outputs = boto3.client("sqs"), stack.deployment.outputs
    for body in parked:
        sqs.send_message(QueueUrl=outputs["FailedEventsQueueUrl"], MessageBody=json.dumps(body))
    mapping = LocalEventSourceMapping(sqs, outputs["EventQueueUrl"], stack.invoker, outputs["SyncFunctionName"])

    with mapping.running():
        assert cli(stack, "redrive", "--wait", "60") == 0

    out = capsys.readouterr().out
    assert "moved back to the event queue: 3 (completed)" in out
    assert [item["id"]["S"] for item in invitation_items(stack)] == ["engi-0000000000001"]
    assert "still parked in the failed-events queue (2)" in out
    assert "  malformed invitation event (detail.catalog: Input should be 'AWS' or 'Sandbox'): InvalidEventError" in out
    assert "  not an invitation event: aws.events / Scheduled Event: InvalidEventError" in out
    assert out.index("malformed invitation event") < out.index("not an invitation event")  # invitations first
    left = sqs.get_queue_attributes(
        QueueUrl=outputs["FailedEventsQueueUrl"], AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert left["Attributes"]["ApproximateNumberOfMessages"] == "2"  # reported, never consumed


class RecordedInvoker:
    """The CLI's invoker port, each invocation recorded as the Lambda Invoke the real port sends."""

    def __init__(self, stack: LocalOperator, recorder: CallRecorder) -> None:
        self._invoker, self._recorder = stack.invoker, recorder

    def invoke(self, function_name: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        self._recorder.calls.append(AwsCall("operator", "lambda", "Invoke", {"FunctionName": function_name}))
        return self._invoker.invoke(function_name, payload)


def test_every_call_the_cli_sends_is_allowed_by_the_readme_operator_policy(
    stack: LocalOperator, emulator: PartnerCentralEmulator, template: dict[str, Any]
) -> None:
    """moto checks no IAM: each call status, backfill and redrive send (a redriven event that fails again
    stays listed as parked), with the KMS use it implies, must be allowed by the documented policy on the
    names CloudFormation gives the resources (here: logical ids)."""
    emulator.put(opportunity_invitation(1))
    emulator.put(lead_invitation(3))
    sqs, outputs = boto3.client("sqs"), stack.deployment.outputs
    unknown_catalog = {**invitation_event(opportunity_invitation(2)), "detail": {"catalog": "Foo"}}
    sqs.send_message(QueueUrl=outputs["FailedEventsQueueUrl"], MessageBody=json.dumps(unknown_catalog))
    mapping = LocalEventSourceMapping(sqs, outputs["EventQueueUrl"], stack.invoker, outputs["SyncFunctionName"])
    commands = (
        ["status"],
        ["backfill"],
        ["redrive", "--wait", "60"],
        ["pending"],
        ["accept", "engi-0000000000001", "--yes"],
        ["reject", "engi-0000000000003", "--reason", "Unable to support", "--yes"],
    )
    with CallRecorder(stack.session) as recorder, recorder.acting_as("operator"), mapping.running():
        invoker = RecordedInvoker(stack, recorder)
        for command in commands:
            assert main(command, session=stack.session, invoker=invoker) == 0, command

    sent = {call.operation for call in recorder.calls}
    assert {"DescribeStacks", "Query", "GetItem", "DescribeAlarms", "Invoke", "StartMessageMoveTask"} <= sent
    assert "GetCallerIdentity" in sent
    assert "ChangeMessageVisibilityBatch" in sent  # the event parked again, listed without being consumed
    denied = refused_by_operator_policy(template, stack.deployment, recorder.calls)
    assert not denied, "AccessDenied in AWS:\n" + "\n".join(denied)


def test_pending_lists_what_waits_for_an_answer_soonest_expiry_first_from_the_table(
    stack: LocalOperator,
    emulator: PartnerCentralEmulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one line per invitation
    now = datetime.now(UTC).replace(microsecond=0)
    emulator.put({**opportunity_invitation(1), "ExpirationDate": now + timedelta(days=9)})
    emulator.put({**lead_invitation(2, catalog="Sandbox"), "ExpirationDate": now + timedelta(hours=5)})
    emulator.put({**opportunity_invitation(3), "ExpirationDate": now - timedelta(hours=1)})  # too late to answer
    emulator.put(opportunity_invitation(4, status="ACCEPTED"))
    assert stack.invoker.invoke(stack.deployment.outputs["ReconcilerFunctionName"], {"mode": "full"})["complete"]
    emulator.calls.clear()

    assert cli(stack, "pending") == 0

    rows = [line for line in capsys.readouterr().out.splitlines() if "engi-" in line]
    assert [row.split("│")[2].strip() for row in rows] == ["engi-0000000000002", "engi-0000000000001"]
    assert [cell.strip() for cell in rows[0].split("│")[1:8]] == [
        "Sandbox",
        "engi-0000000000002",
        "LeadInvitation",
        "Amazon Web Services",
        "Initech",
        "Inbound lead: analytics",
        "4 h 59 min",
    ]
    assert "Globex Corporation" in rows[1]
    assert "8 d 23 h" in rows[1]
    assert emulator.calls == []  # the table, never Partner Central
    capsys.readouterr()

    assert cli(stack, "pending", "--json") == 0

    listed = json.loads(capsys.readouterr().out)["pending"]
    assert [(row["catalog"], row["invitationId"]) for row in listed] == [
        ("Sandbox", "engi-0000000000002"),
        ("AWS", "engi-0000000000001"),
    ]
    assert listed[0]["customerCompany"] == "Initech"
    assert 4.9 < listed[0]["hoursLeft"] <= 5
