"""What moto cannot show, read from the synthesized template as AWS would apply it: a deploy that works
in a new account, a Partner Central rate bounded by the settings, budgets that add up, and key use as
narrow as the calls."""

import json
from typing import Any

import pytest

from infra.settings import PARTNER_CENTRAL_READ_QUOTA, StackSettings
from invitation_sync.adapters.aws import AWS_CONFIG
from invitation_sync.budgets import (
    EVENT_RECEIVES,
    PUBLISH_LEASE_SECONDS,
    PUBLISH_WAIT_SECONDS,
    RETRY_DELAYS_SECONDS,
    call_worst_case,
    reconcile_sync_worst_case,
    record_worst_case,
)
from invitation_sync.handlers.reconcile_handler import SAFETY_SECONDS
from invitation_sync.rate_limit import RateLimiter
from tests.fixtures.iam import as_list
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("cdk")]

SYNC_HANDLER = "invitation_sync.handlers.sync_handler.lambda_handler"
RECONCILE_HANDLER = "invitation_sync.handlers.reconcile_handler.lambda_handler"


def function(stack: Synthesized, handler: str) -> tuple[str, dict[str, Any]]:
    [(logical_id, found)] = [
        (key, resource["Properties"])
        for key, resource in stack.resources("AWS::Lambda::Function").items()
        if resource["Properties"]["Handler"] == handler
    ]
    return logical_id, found


def one(stack: Synthesized, resource_type: str, name_part: str) -> dict[str, Any]:
    [found] = [r["Properties"] for k, r in stack.resources(resource_type).items() if name_part in k]
    return dict(found)


def role_statements(stack: Synthesized, role_name_part: str) -> list[dict[str, Any]]:
    return [
        statement
        for key, policy in stack.resources("AWS::IAM::Policy").items()
        if role_name_part in key
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


@pytest.mark.parametrize("stack_name", ["default_stack", "configured_stack"])
def test_no_function_reserves_concurrency_so_a_new_account_can_deploy(
    stack_name: str, request: pytest.FixtureRequest
) -> None:
    stack: Synthesized = request.getfixturevalue(stack_name)
    for properties in (r["Properties"] for r in stack.resources("AWS::Lambda::Function").values()):
        assert "ReservedConcurrentExecutions" not in properties, properties["Handler"]


@pytest.mark.parametrize(
    ("stack_name", "context"),
    [
        ("default_stack", {}),
        ("configured_stack", {"eventMaxConcurrency": 3, "eventRatePerExecution": 1, "partnerCentralRateCap": 3}),
    ],
)
def test_the_event_paths_partner_central_rate_is_bounded_by_the_settings(
    stack_name: str, context: dict[str, object], request: pytest.FixtureRequest
) -> None:
    stack: Synthesized = request.getfixturevalue(stack_name)
    settings = StackSettings.from_context(context)
    sync_id, sync = function(stack, SYNC_HANDLER)
    [mapping] = stack.resources("AWS::Lambda::EventSourceMapping").values()
    concurrency = mapping["Properties"]["ScalingConfig"]["MaximumConcurrency"]
    per_execution = float(sync["Environment"]["Variables"]["PARTNER_CENTRAL_RATE_CAP"])
    assert mapping["Properties"]["FunctionName"] == {"Ref": sync_id}
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # Each execution's limiter allows floor(rate) sends per window of >= 1 s, retries included.
    limiter = RateLimiter(per_execution)
    assert limiter.capacity / limiter.window <= per_execution
    # Per slot of the mapping, at worst two environments' bursts share a second: the hold keeps that to one for
    # invocations that return, but not for one killed before it, nor beside a replaced mapping's slots.
    event_path = 2 * concurrency * limiter.capacity
    assert event_path == settings.event_path_rate
    _, reconciler = function(stack, RECONCILE_HANDLER)
    reconciler_cap = float(reconciler["Environment"]["Variables"]["PARTNER_CENTRAL_RATE_CAP"])
    assert event_path + reconciler_cap <= PARTNER_CENTRAL_READ_QUOTA - 1


def test_the_sync_functions_timeout_covers_one_record_at_its_worst(default_stack: Synthesized) -> None:
    _, sync = function(default_stack, SYNC_HANDLER)
    pacing = RateLimiter(float(sync["Environment"]["Variables"]["PARTNER_CENTRAL_RATE_CAP"])).longest_wait
    assert sync["Timeout"] >= record_worst_case(pacing) + 60  # a minute to spare: timeouts bound each socket operation


def test_the_reconcilers_timeout_leaves_its_closing_calls_and_one_sync_at_its_worst(default_stack: Synthesized) -> None:
    _, reconciler = function(default_stack, RECONCILE_HANDLER)
    pacing = RateLimiter(float(reconciler["Environment"]["Variables"]["PARTNER_CENTRAL_RATE_CAP"])).longest_wait
    assert reconciler["Timeout"] - SAFETY_SECONDS >= reconcile_sync_worst_case(pacing)  # every run makes progress


def test_the_event_queue_outlasts_the_function_and_parks_after_the_handlers_last_receive(
    default_stack: Synthesized,
) -> None:
    _, sync = function(default_stack, SYNC_HANDLER)
    queue = one(default_stack, "AWS::SQS::Queue", "EventQueue")
    # Lambda refuses a mapping whose queue hides a batch for less than the function may run.
    assert queue["VisibilityTimeout"] >= 6 * sync["Timeout"]
    # Throttled invocations use up receives the function never sees: the queue moves a record only after a
    # few more than the function's own budget, so the function still parks it, with its reason.
    receives = queue["RedrivePolicy"]["maxReceiveCount"]
    assert receives >= EVENT_RECEIVES + 2
    assert "FailedEvents" in json.dumps(queue["RedrivePolicy"]["deadLetterTargetArn"])
    # Each receive may cost the whole visibility timeout (a throttled batch, a crash) before the next one.
    assert queue["MessageRetentionPeriod"] > receives * queue["VisibilityTimeout"]


def test_the_publish_lease_waits_and_retries_add_up() -> None:
    aws_call = call_worst_case(AWS_CONFIG)  # the store's and the publisher's clients
    # Set before the write: it covers the write and the publish (or a take-over's lease and publish), so a
    # slow but successful publish is never taken over.
    assert 2 * aws_call <= PUBLISH_LEASE_SECONDS
    assert PUBLISH_WAIT_SECONDS <= PUBLISH_LEASE_SECONDS  # waiting for another writer is bounded by its lease
    assert min(RETRY_DELAYS_SECONDS) >= PUBLISH_LEASE_SECONDS  # a retried record finds any lease run out
    assert list(RETRY_DELAYS_SECONDS) == sorted(RETRY_DELAYS_SECONDS)


def test_no_role_may_call_kms_encrypt_and_key_use_names_its_services(default_stack: Synthesized) -> None:
    kms_statements = [
        statement
        for policy in default_stack.resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if any(action.startswith("kms:") for action in as_list(statement["Action"]))
    ]
    assert kms_statements
    for statement in kms_statements:
        assert sorted(as_list(statement["Action"])) == ["kms:Decrypt", "kms:GenerateDataKey"]
        assert "kms:ViaService" in statement["Condition"]["StringEquals"]

    def services(role: str) -> set[str]:
        [statement] = [s for s in role_statements(default_stack, role) if "kms:Decrypt" in as_list(s["Action"])]
        via = statement["Condition"]["StringEquals"]["kms:ViaService"]
        return {part["Fn::Join"][1][0].rstrip(".") for part in via}

    assert services("SyncFunctionRole") == {"dynamodb", "sns", "sqs"}  # table, topic, both queues
    assert services("ReconcilerRole") <= {"dynamodb", "sns", "sqs"}


def test_services_use_the_key_for_this_account_by_a_condition_their_kms_calls_carry(default_stack: Synthesized) -> None:
    """EventBridge (the event queue, the failed-events queue) and CloudWatch alarms (the alarm topic) call KMS
    as service principals, and a condition key their calls lack refuses every event. aws:SourceAccount:
    documented by SNS for CloudWatch, and what CDK's own SqsQueue target emits for EventBridge."""
    [key] = default_stack.resources("AWS::KMS::Key").values()
    services = {
        statement["Principal"]["Service"]: statement
        for statement in key["Properties"]["KeyPolicy"]["Statement"]
        if "Service" in statement["Principal"]
    }
    assert sorted(services) == ["cloudwatch.amazonaws.com", "events.amazonaws.com"]
    for statement in services.values():
        assert sorted(as_list(statement["Action"])) == ["kms:Decrypt", "kms:GenerateDataKey"]
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def test_only_the_invitation_rule_may_send_to_the_event_queue(default_stack: Synthesized) -> None:
    policy = one(default_stack, "AWS::SQS::QueuePolicy", "EventQueue")
    [allow] = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert (allow["Principal"], allow["Action"]) == ({"Service": "events.amazonaws.com"}, "sqs:SendMessage")
    [source] = allow["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::GetAtt"][:1]
    assert source.startswith("EventRule")
