"""The expiry-reminder function on the synthesized template: schedule, least privilege, no
reserved concurrency, a lateness bound derived from the same values, and off when configured so."""

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match

from infra.reminders import LATEST_REMINDER, SCHEDULE_PERIOD, TIMEOUT
from invitation_sync.reminders import SECONDS_PER_REMINDER
from tests.infra.conftest import Synthesized, synthesize

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("cdk")]
HANDLER = "invitation_sync.handlers.reminder_handler.lambda_handler"


def reminder_statements(stack: Synthesized) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for policy in stack.resources("AWS::IAM::Policy").values():
        roles = json.dumps(policy["Properties"]["Roles"])
        if "RemindersRole" in roles:
            found += policy["Properties"]["PolicyDocument"]["Statement"]
    return found


def test_the_reminder_function_runs_every_five_minutes_without_reserved_concurrency(
    default_stack: Synthesized, configured_stack: Synthesized
) -> None:
    [function] = [
        f for f in default_stack.resources("AWS::Lambda::Function").values() if f["Properties"]["Handler"] == HANDLER
    ]
    properties = function["Properties"]
    assert "ReservedConcurrentExecutions" not in properties  # new accounts cannot deploy it
    assert properties["Timeout"] == TIMEOUT.to_seconds()
    assert properties["Environment"]["Variables"]["EXPIRY_REMINDER_HOURS"] == "72,24"
    default_stack.template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": "rate(5 minutes)",
            "State": "ENABLED",
            "Targets": [
                Match.object_like({"RetryPolicy": {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 300}})
            ],
        },
    )
    configured_stack.template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Handler": HANDLER, "Environment": {"Variables": Match.object_like({"EXPIRY_REMINDER_HOURS": "48,12,1"})}},
    )


def test_a_reminder_is_at_most_fifteen_minutes_late_by_construction() -> None:
    # Found by the next run (one period), published within that run (its timeout), and a refused or
    # failed attempt is repeated one period later.
    worst = 2 * SCHEDULE_PERIOD.to_seconds() + TIMEOUT.to_seconds()
    assert worst <= LATEST_REMINDER.to_seconds() == 900
    # A run always has time for at least one reminder at its worst, with room for many more.
    assert TIMEOUT.to_seconds() >= 1.5 * SECONDS_PER_REMINDER


def test_the_reminder_role_may_query_the_expiry_index_update_items_and_publish_only(default_stack: Synthesized) -> None:
    granted = {
        action: json.dumps(statement["Resource"])
        for statement in reminder_statements(default_stack)
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    }
    assert not [action for action in granted if action.startswith("partnercentral:")]
    assert {action for action in granted if action.startswith("dynamodb:")} == {"dynamodb:Query", "dynamodb:UpdateItem"}
    assert "/index/byStatusExpiration" in granted["dynamodb:Query"]
    assert "StorageInvitations" in granted["dynamodb:UpdateItem"]
    assert "/index/" not in granted["dynamodb:UpdateItem"]
    assert "InvitationEvents" in granted["sns:Publish"]


def test_an_empty_threshold_list_deploys_no_reminders(tmp_path: Path) -> None:
    stack = synthesize(tmp_path, {"expiryReminders": []})

    handlers = [f["Properties"]["Handler"] for f in stack.resources("AWS::Lambda::Function").values()]
    assert sorted(handler.split(".")[2] for handler in handlers) == [
        "answer_handler",
        "reconcile_handler",
        "sync_handler",
    ]
    assert "RemindersRole" not in json.dumps(stack.resources("AWS::SNS::TopicPolicy"))
    assert "rate(5 minutes)" not in json.dumps(stack.resources("AWS::Events::Rule"))
    assert "reminders could not be published" not in json.dumps(stack.resources("AWS::CloudWatch::Alarm"))


def test_failed_reminders_and_failed_runs_raise_alarms(default_stack: Synthesized) -> None:
    alarms = list(default_stack.resources("AWS::CloudWatch::Alarm").values())
    [failures] = [
        alarm
        for alarm in alarms
        if alarm["Properties"]["AlarmDescription"]
        == "invitation-sync: expiry reminders could not be published: each run repeats them until it succeeds"
    ]
    assert failures["Properties"]["MetricName"] == "ReminderFailures"
    assert "MessagingAlarms" in json.dumps(failures["Properties"]["AlarmActions"])
    errors = [a for a in alarms if "RemindersFunction" in json.dumps(a["Properties"].get("Dimensions", []))]
    assert len(errors) == 2  # errors and throttles, like every function
