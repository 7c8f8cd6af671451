"""`invitation-sync verify` against the synthesized stack on moto, with the Partner Central emulator and the
sync function's real handler behind the local event source mapping: every step passing, then each broken
on purpose and named by its failing step."""

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from invitation_sync_cli.main import main
from local.aws_resources import make_moto_item_writes_atomic
from local.environment import local_process_environment
from local.event_source_mapping import LocalEventSourceMapping
from local.faults import ClientFaults
from local.operator import LocalOperator, deploy_for_operator
from local.partner_central_emulator import PartnerCentralEmulator
from local.samples import opportunity_invitation
from tests.fixtures.iam import CallRecorder
from tests.fixtures.operator_policy import refused_by_operator_policy
from tests.integration.test_operator_cli import template  # noqa: F401 - the module's synthesized stack

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("cdk")]


@pytest.fixture
def stack(template: dict[str, Any], emulator: PartnerCentralEmulator) -> Iterator[LocalOperator]:  # noqa: F811
    emulator.reset()
    with local_process_environment(AWS_ENDPOINT_URL_PARTNERCENTRAL_SELLING=emulator.url), mock_aws():
        make_moto_item_writes_atomic()
        operator = deploy_for_operator(template)
        outputs = operator.deployment.outputs
        mapping = LocalEventSourceMapping(
            boto3.client("sqs"), outputs["EventQueueUrl"], operator.invoker, outputs["SyncFunctionName"]
        )
        with mapping.running():
            yield operator


def verify(stack: LocalOperator, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, str]]:
    """Exit status and each step's line (`PASS|FAIL|SKIP <step>: ...` plus its fix line)."""
    status = main(["verify", "--wait", "20", *argv], session=stack.session, invoker=stack.invoker)
    lines: dict[str, str] = {}
    last = ""
    for line in capsys.readouterr().out.splitlines():
        if line.split(" ", 1)[0] in ("PASS", "FAIL", "SKIP"):
            last = line.split(" ", 1)[1].split(":", 1)[0]
            lines[last] = line
        elif line.strip().startswith("fix:") and last:
            lines[last] += "\n" + line.strip()
    return status, lines


def item(stack: LocalOperator, invitation_id: str) -> dict[str, Any] | None:
    key = {"catalog": {"S": "AWS"}, "id": {"S": invitation_id}}
    return boto3.client("dynamodb").get_item(TableName=stack.deployment.outputs["TableName"], Key=key).get("Item")


def test_every_step_passes_and_the_record_is_stored_then_found_unchanged(
    stack: LocalOperator,
    emulator: PartnerCentralEmulator,
    capsys: pytest.CaptureFixture[str],
    template: dict[str, Any],  # noqa: F811
) -> None:
    emulator.put(opportunity_invitation(1))
    emulator.put(opportunity_invitation(2))  # the newest: same date, listed first

    status, steps = verify(stack, capsys)

    assert status == 0, "\n".join(steps.values())
    assert list(steps) == ["outputs", "rule", "event pattern", "queue policy", "key policy", "alarms", "first event"]
    assert all(line.startswith("PASS") for line in steps.values()), steps
    assert "match for AWS, Sandbox; 'Opportunity Created' does not" in steps["event pattern"]
    assert "admits rule EventRule" in steps["queue policy"]
    alarms = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert f"{len(alarms)} alarms; EventsLost is OK" in steps["alarms"]
    [stored] = [i for i in ("engi-0000000000001", "engi-0000000000002") if item(stack, i)]
    assert f"AWS/{stored}: stored as version 1 and published" in steps["first event"]
    assert item(stack, stored)["sourceEventId"]["S"].startswith("invitation-sync-verify-")  # type: ignore[index]

    status, steps = verify(stack, capsys)  # the same invitation again: the sync's verdict, from its log

    assert status == 0, "\n".join(steps.values())
    assert (
        f"AWS/{stored}: synced, unchanged since version 1; nothing written, nothing published" in steps["first event"]
    )
    assert item(stack, stored)["version"]["N"] == "1"  # type: ignore[index]


def test_a_queue_policy_that_no_longer_names_the_rule_fails_its_step(
    stack: LocalOperator, emulator: PartnerCentralEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.put(opportunity_invitation(1))
    sqs, queue = boto3.client("sqs"), stack.deployment.outputs["EventQueueUrl"]
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["Policy"])["Attributes"]["Policy"])
    for statement in policy["Statement"]:  # a rule replaced by a deploy, its old ARN left in the policy
        if statement.get("Sid") == "InvitationEventRuleSends":
            statement["Condition"]["ArnEquals"]["aws:SourceArn"] += "-old"
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": json.dumps(policy)})

    status, steps = verify(stack, capsys)

    assert status == 1
    assert steps["queue policy"].startswith(
        "FAIL queue policy: refuses sqs:SendMessage from events.amazonaws.com for rule EventRule"
    )
    assert "no statement allows it" in steps["queue policy"]
    assert "fix: redeploy the stack (make deploy)" in steps["queue policy"]
    failing = [name for name, line in steps.items() if line.startswith("FAIL")]
    assert failing == ["queue policy"]  # the record put on the queue directly still goes through


def test_a_key_policy_without_eventbridge_fails_its_step(
    stack: LocalOperator, emulator: PartnerCentralEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.put(opportunity_invitation(1))
    kms = boto3.client("kms")
    key = boto3.client("sqs").get_queue_attributes(
        QueueUrl=stack.deployment.outputs["EventQueueUrl"], AttributeNames=["KmsMasterKeyId"]
    )["Attributes"]["KmsMasterKeyId"]
    policy = json.loads(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
    policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != "AllowEvents"]
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(policy))

    status, steps = verify(stack, capsys)

    assert status == 1
    assert steps["key policy"].startswith(
        "FAIL key policy: refuses kms:GenerateDataKey to events.amazonaws.com: no statement allows it"
    )
    assert [name for name, line in steps.items() if line.startswith("FAIL")] == ["key policy"]


def test_a_missing_permission_is_named_by_its_step_and_the_others_still_run(
    stack: LocalOperator, emulator: PartnerCentralEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.put(opportunity_invitation(1))
    faults = ClientFaults().install(stack.session)
    faults.fail_next("kms.GetKeyPolicy", code="AccessDeniedException", status=400)
    try:
        status, steps = verify(stack, capsys)
    finally:
        faults.uninstall(stack.session)

    assert status == 1
    assert steps["key policy"] == (
        "FAIL key policy: GetKeyPolicy was refused (AccessDeniedException)\n"
        "fix: grant it as the README's operator policy does (Sid Verify*)"
    )
    assert [name for name, line in steps.items() if line.startswith("FAIL")] == ["key policy"]


def test_a_disabled_rule_and_events_lost_in_alarm_fail_their_steps(
    stack: LocalOperator, emulator: PartnerCentralEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    [rule] = boto3.client("events").list_rule_names_by_target(TargetArn=stack.deployment.outputs["EventQueueArn"])[
        "RuleNames"
    ]
    boto3.client("events").disable_rule(Name=rule)
    cloudwatch = boto3.client("cloudwatch")
    [lost] = [
        alarm["AlarmName"]
        for alarm in cloudwatch.describe_alarms()["MetricAlarms"]
        if alarm.get("MetricName") == "InvocationsFailedToBeSentToDlq"
    ]
    cloudwatch.set_alarm_state(AlarmName=lost, StateValue="ALARM", StateReason="test")

    status, steps = verify(stack, capsys)

    assert status == 1
    assert steps["rule"] == (
        f"FAIL rule: {rule} is DISABLED: no event reaches the queue\n"
        f"fix: aws events enable-rule --name {rule} --region us-east-1"
    )
    assert steps["alarms"].startswith(f"FAIL alarms: {lost} is in ALARM: events were dropped")
    # No invitation in Partner Central yet: nothing to follow, which is not a failure.
    assert steps["first event"] == "SKIP first event: no RECEIVER invitation in AWS to sync: nothing to follow yet"


def test_a_record_the_function_cannot_sync_fails_with_its_reason(
    stack: LocalOperator, emulator: PartnerCentralEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.put(opportunity_invitation(1))
    emulator.fail_next("AccessDeniedException", "GetEngagementInvitation", times=10)

    status, steps = verify(stack, capsys)

    assert status == 1
    assert steps["first event"].startswith("FAIL first event: AWS/engi-0000000000001: the sync function")
    assert "AccessDenied" in steps["first event"]


def test_every_call_verify_sends_is_allowed_by_the_readme_operator_policy(
    stack: LocalOperator,
    emulator: PartnerCentralEmulator,
    template: dict[str, Any],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """moto checks no IAM: each call verify sends (a stored record, then an unchanged one: the table and the
    log paths), with the KMS use it implies, must be allowed on the names CloudFormation gives."""
    emulator.put(opportunity_invitation(1))
    with CallRecorder(stack.session) as recorder, recorder.acting_as("operator"):
        for _ in range(2):
            assert verify(stack, capsys)[0] == 0

    sent = {(call.service, call.operation) for call in recorder.calls}
    assert {
        ("events", "TestEventPattern"),
        ("kms", "GetKeyPolicy"),
        ("logs", "FilterLogEvents"),
        ("partnercentral-selling", "ListEngagementInvitations"),
        ("sqs", "SendMessage"),
        ("dynamodb", "GetItem"),
    } <= sent
    denied = refused_by_operator_policy(template, stack.deployment, recorder.calls)
    assert not denied, "AccessDenied in AWS:\n" + "\n".join(denied)
