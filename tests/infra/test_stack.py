"""Template assertions for the security review: rule, wiring, IAM, encryption, DLQs, alarms, outputs."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import cx_api
from aws_cdk.assertions import Match

from infra.settings import InvalidSettingsError
from infra.stack import STACK_ID, create_app, synth_warnings
from tests.fixtures.iam import as_list
from tests.fixtures.operator_policy import README
from tests.infra.conftest import Synthesized, synthesize

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("cdk")]

INVITATION_DETAIL_TYPES = [
    "Engagement Invitation Created",
    "Engagement Invitation Accepted",
    "Engagement Invitation Rejected",
    "Engagement Invitation Expired",
]


def statements(stack: Synthesized) -> list[dict[str, Any]]:
    found = []
    for policy in stack.resources("AWS::IAM::Policy").values():
        found += policy["Properties"]["PolicyDocument"]["Statement"]
    return found


def actions(statement: dict[str, Any]) -> list[str]:
    return as_list(statement["Action"])


def test_rule_matches_our_source_detail_types_and_catalogs(
    default_stack: Synthesized, configured_stack: Synthesized
) -> None:
    for stack, catalogs in ((default_stack, ["AWS"]), (configured_stack, ["AWS", "Sandbox"])):
        stack.template.has_resource_properties(
            "AWS::Events::Rule",
            {
                "EventPattern": {
                    "source": ["aws.partnercentral-selling"],
                    "detail-type": INVITATION_DETAIL_TYPES,
                    "detail": {"catalog": catalogs},
                },
                "State": "ENABLED",
                "Targets": [
                    Match.object_like(
                        {
                            "Arn": {"Fn::GetAtt": [Match.string_like_regexp("EventQueue"), "Arn"]},
                            "DeadLetterConfig": {
                                "Arn": {"Fn::GetAtt": [Match.string_like_regexp("FailedEvents"), "Arn"]}
                            },
                            "RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185},
                        }
                    )
                ],
            },
        )
    assert "EventBusName" not in next(iter(default_stack.resources("AWS::Events::Rule").values()))["Properties"]


def test_function_runtime_and_environment_wiring(default_stack: Synthesized, configured_stack: Synthesized) -> None:
    default_stack.template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": "python3.14",
            "Architectures": ["arm64"],
            "Handler": "invitation_sync.handlers.sync_handler.lambda_handler",
            "LoggingConfig": Match.object_like(
                {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO"}
            ),
            "MemorySize": 256,
            "Timeout": 360,
            "Environment": {
                "Variables": Match.object_like(
                    {
                        "INVITATIONS_TABLE_NAME": {"Ref": Match.string_like_regexp("StorageInvitations")},
                        "INVITATION_EVENTS_TOPIC_ARN": {"Ref": Match.string_like_regexp("InvitationEvents")},
                        "SYNC_CATALOGS": "AWS",
                        "FAILED_EVENTS_QUEUE_URL": {"Ref": Match.string_like_regexp("FailedEvents")},
                        "INVITATION_EVENTS_QUEUE_URL": {"Ref": Match.string_like_regexp("EventQueue")},
                        "PARTNER_CENTRAL_RATE_CAP": "1.0",
                        "POWERTOOLS_LOG_LEVEL": "INFO",
                        "POWERTOOLS_TRACE_DISABLED": "true",
                    }
                )
            },
        },
    )
    configured_stack.template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "LoggingConfig": Match.object_like({"ApplicationLogLevel": "DEBUG"}),
            "Environment": {"Variables": Match.object_like({"SYNC_CATALOGS": "AWS,Sandbox"})},
        },
    )
    for stack, days in ((configured_stack, 30), (default_stack, 90)):
        groups = stack.resources("AWS::Logs::LogGroup").values()
        assert [group["Properties"]["RetentionInDays"] for group in groups] == [days] * 4


def test_tracing_setting_switches_tracing_config_xray_permissions_and_powertools_together(
    default_stack: Synthesized, configured_stack: Synthesized
) -> None:
    for stack, traced in ((default_stack, False), (configured_stack, True)):
        functions = list(stack.resources("AWS::Lambda::Function").values())
        assert len(functions) == 4  # sync, reconciler, reminders, answers
        assert [f["Properties"].get("TracingConfig") for f in functions] == [{"Mode": "Active"} if traced else None] * 4
        disabled = [f["Properties"]["Environment"]["Variables"]["POWERTOOLS_TRACE_DISABLED"] for f in functions]
        assert disabled == [str(not traced).lower()] * 4
        xray = [a for s in statements(stack) for a in actions(s) if a.startswith("xray:")]
        assert sorted(set(xray)) == (["xray:PutTelemetryRecords", "xray:PutTraceSegments"] if traced else [])


def test_direct_sync_invocations_end_in_the_failed_events_queue(default_stack: Synthesized) -> None:
    """An event invoked directly (queued for the previous release's rule) is moved onto the event queue;
    if even that fails, Lambda's on-failure destination parks it."""
    default_stack.template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "FunctionName": {"Ref": Match.string_like_regexp("SyncFunction")},
            "MaximumRetryAttempts": 2,
            "MaximumEventAgeInSeconds": 21600,
            "DestinationConfig": {
                "OnFailure": {"Destination": {"Fn::GetAtt": [Match.string_like_regexp("FailedEvents"), "Arn"]}}
            },
        },
    )


def test_iam_has_no_wildcard_action_and_no_managed_policy(default_stack: Synthesized) -> None:
    for statement in statements(default_stack):
        assert all("*" not in action for action in actions(statement)), statement
    for role in default_stack.resources("AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]


def test_partner_central_reads_are_limited_to_the_configured_catalogs(configured_stack: Synthesized) -> None:
    found = [s for s in statements(configured_stack) if any(a.startswith("partnercentral:") for a in actions(s))]
    assert sorted(tuple(actions(s)) for s in found) == [
        # the sync function (List: the summary of a first sighting whose details are gone)
        ("partnercentral:GetEngagementInvitation", "partnercentral:ListEngagementInvitations"),
        ("partnercentral:ListEngagementInvitations", "partnercentral:GetEngagementInvitation"),  # the reconciler
        (  # the answer function (tests/infra/test_answer_function.py: the only writer)
            "partnercentral:StartEngagementByAcceptingInvitationTask",
            "partnercentral:AcceptEngagementInvitation",
            "partnercentral:RejectEngagementInvitation",
            "partnercentral:ListEngagementByAcceptingInvitationTasks",
            "partnercentral:GetEngagementInvitation",
        ),
    ]
    for statement in found:
        assert statement["Condition"] == {"StringEquals": {"partnercentral:Catalog": ["AWS", "Sandbox"]}}


def test_reconciler_runs_incremental_hourly_and_a_full_sweep_weekly_paced_without_reserved_concurrency(
    default_stack: Synthesized, configured_stack: Synthesized
) -> None:
    for stack, full_sweep in ((default_stack, "rate(7 days)"), (configured_stack, "cron(0 3 ? * SUN *)")):
        schedules = {
            rule["Properties"]["ScheduleExpression"]: rule["Properties"]["Targets"]
            for rule in stack.resources("AWS::Events::Rule").values()
            if "ScheduleExpression" in rule["Properties"] and "Reconciler" in json.dumps(rule["Properties"]["Targets"])
        }
        assert {expression: json.loads(target["Input"]) for expression, [target] in schedules.items()} == {
            "rate(1 hour)": {"mode": "incremental"},
            full_sweep: {"mode": "full"},
        }
        assert all("DeadLetterConfig" not in target for [target] in schedules.values())  # never the failed-events queue
    reconciler = next(
        function["Properties"]
        for function in configured_stack.resources("AWS::Lambda::Function").values()
        if function["Properties"]["Handler"] == "invitation_sync.handlers.reconcile_handler.lambda_handler"
    )
    assert "ReservedConcurrentExecutions" not in reconciler  # a new account cannot deploy any; the lock item serializes
    assert reconciler["Timeout"] == 900
    assert reconciler["Environment"]["Variables"]["PARTNER_CENTRAL_RATE_CAP"] == "3.0"
    assert reconciler["Environment"]["Variables"]["RECONCILE_PARTICIPANT_TYPES"] == "RECEIVER,SENDER"
    alarms = configured_stack.resources("AWS::CloudWatch::Alarm").values()
    assert any("drift" in alarm["Properties"]["AlarmDescription"] for alarm in alarms)
    topic_policy = json.dumps(configured_stack.resources("AWS::SNS::TopicPolicy"))
    assert "SyncFunctionRole" in topic_policy
    assert "ReconcilerRole" in topic_policy


def test_a_failed_reconcile_run_is_not_retried_into_the_failed_events_queue_but_alarmed(
    default_stack: Synthesized,
) -> None:
    [reconciler] = [
        config["Properties"]
        for config in default_stack.resources("AWS::Lambda::EventInvokeConfig").values()
        if config["Properties"]["FunctionName"]["Ref"].startswith("Reconciler")
    ]
    assert "DestinationConfig" not in reconciler
    assert (reconciler["MaximumRetryAttempts"], reconciler["MaximumEventAgeInSeconds"]) == (0, 3600)
    errors = [
        alarm["Properties"]
        for alarm in default_stack.resources("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("MetricName") == "Errors"
    ]
    assert any("Reconciler" in json.dumps(alarm["Dimensions"]) for alarm in errors)


def test_the_reconciler_queries_only_its_two_indexes_and_deletes_only_its_lock(default_stack: Synthesized) -> None:
    reconciler = next(
        policy["Properties"]["PolicyDocument"]["Statement"]
        for name, policy in default_stack.resources("AWS::IAM::Policy").items()
        if name.startswith("Reconciler")
    )
    by_action = {action: statement["Resource"] for statement in reconciler for action in actions(statement)}
    queried = json.dumps(by_action["dynamodb:Query"])
    assert queried.count("/index/") == 2
    assert '"/index/byStatus"]]}' in queried
    assert '"/index/bySummaryMissing"]]}' in queried
    assert "StorageInvitations" in json.dumps(by_action["dynamodb:DeleteItem"])
    # PutItem and DeleteItem reach only the reconciler's own partition, never an invitation.
    [own_items] = [s for s in reconciler if "dynamodb:DeleteItem" in actions(s)]
    assert sorted(actions(own_items)) == ["dynamodb:DeleteItem", "dynamodb:PutItem"]
    assert own_items["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["_reconciler"]}}
    # A skipped full sweep marks itself due with an UpdateItem on its state item: the same unconditioned
    # grant on the table that syncs invitations reaches the reconciler's partition too.
    [updates] = [s for s in reconciler if "dynamodb:UpdateItem" in actions(s)]
    assert "Condition" not in updates
    assert "StorageInvitations" in json.dumps(updates["Resource"])


def test_data_permissions_name_exact_resources(default_stack: Synthesized) -> None:
    by_action: dict[str, list[Any]] = {}
    for statement in statements(default_stack):
        for action in actions(statement):
            by_action.setdefault(action, []).append(statement["Resource"])
    assert "StorageInvitations" in json.dumps(by_action["dynamodb:UpdateItem"])
    assert "InvitationEvents" in json.dumps(by_action["sns:Publish"])
    assert "EncryptionKey" in json.dumps(by_action["kms:GenerateDataKey"])
    sends = json.dumps(by_action["sqs:SendMessage"])
    assert "FailedEvents" in sends  # the sync function parks events
    assert "EventQueue" in sends  # and moves a directly invoked event onto its queue
    assert "*" not in by_action["logs:PutLogEvents"]


def test_table_is_encrypted_recoverable_and_protected(
    default_stack: Synthesized, configured_stack: Synthesized
) -> None:
    default_stack.template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "DeletionPolicy": "Retain",
            "Properties": Match.object_like(
                {
                    "BillingMode": "PAY_PER_REQUEST",
                    "SSESpecification": {
                        "SSEEnabled": True,
                        "SSEType": "KMS",
                        "KMSMasterKeyId": {"Fn::GetAtt": [Match.string_like_regexp("EncryptionKey"), "Arn"]},
                    },
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                    "DeletionProtectionEnabled": True,
                }
            ),
        },
    )
    indexes = next(iter(default_stack.resources("AWS::DynamoDB::Table").values()))["Properties"][
        "GlobalSecondaryIndexes"
    ]
    assert {index["IndexName"] for index in indexes} == {
        "byStatus",
        "byStatusExpiration",
        "byEngagement",
        "byProjectTitle",
        "bySummaryMissing",
    }
    configured_stack.template.has_resource("AWS::DynamoDB::Table", {"DeletionPolicy": "Delete"})
    default_stack.template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def test_topics_and_queue_are_encrypted_and_tls_only(default_stack: Synthesized) -> None:
    for topic in default_stack.resources("AWS::SNS::Topic").values():
        assert "EncryptionKey" in json.dumps(topic["Properties"]["KmsMasterKeyId"])
    default_stack.template.has_resource_properties(
        "AWS::SQS::Queue",
        {"MessageRetentionPeriod": 1209600, "KmsMasterKeyId": {"Fn::GetAtt": [Match.any_value(), "Arn"]}},
    )
    policies = json.dumps(
        [
            *default_stack.resources("AWS::SNS::TopicPolicy").values(),
            *default_stack.resources("AWS::SQS::QueuePolicy").values(),
        ]
    )
    assert policies.count('"aws:SecureTransport": "false"') == 4  # two topics, two queues


def test_only_the_four_functions_may_publish_invitation_events(default_stack: Synthesized) -> None:
    default_stack.template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "OnlySyncFunctionsPublish",
                                "Effect": "Deny",
                                "Action": "sns:Publish",
                                "Condition": {
                                    "ArnNotEquals": {
                                        "aws:PrincipalArn": [
                                            {"Fn::GetAtt": [Match.string_like_regexp("SyncFunctionRole"), "Arn"]},
                                            {"Fn::GetAtt": [Match.string_like_regexp("ReconcilerRole"), "Arn"]},
                                            {"Fn::GetAtt": [Match.string_like_regexp("RemindersRole"), "Arn"]},
                                            {"Fn::GetAtt": [Match.string_like_regexp("AnswersRole"), "Arn"]},
                                        ]
                                    }
                                },
                            }
                        )
                    ]
                )
            }
        },
    )


def test_alarms_cover_errors_throttles_failed_events_and_publish_failures(configured_stack: Synthesized) -> None:
    alarms = configured_stack.resources("AWS::CloudWatch::Alarm")
    described = [json.dumps(alarm["Properties"]["AlarmDescription"]) for alarm in alarms.values()]
    for words in (
        "invocations failed",
        "throttled",
        "wait in the failed-events queue",
        "waited over an hour",
        "publishes failed",
        "could not sync some invitations for 3 hours",
    ):
        assert any(words in text for text in described), words
    for alarm in alarms.values():
        assert "MessagingAlarms" in json.dumps(alarm["Properties"]["AlarmActions"])
    publish = next(a for a in alarms.values() if "publishes failed" in a["Properties"]["AlarmDescription"])
    expression = next(m for m in publish["Properties"]["Metrics"] if "Expression" in m)["Expression"]
    assert expression.count("FILL(") == 2  # both configured catalogs
    [lost] = [
        a["Properties"]
        for a in alarms.values()
        if a["Properties"].get("MetricName") == "InvocationsFailedToBeSentToDlq"
    ]
    [rule] = [
        k for k, r in configured_stack.resources("AWS::Events::Rule").items() if "EventPattern" in r["Properties"]
    ]
    assert (lost["Namespace"], lost["Statistic"], lost["TreatMissingData"]) == ("AWS/Events", "Sum", "notBreaching")
    # Exactly RuleName: the series of a rule on the default bus (EventBusName would name a custom bus's).
    assert lost["Dimensions"] == [{"Name": "RuleName", "Value": {"Ref": rule}}]
    configured_stack.template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"}
    )
    configured_stack.template.resource_count_is("AWS::CloudWatch::Dashboard", 1)


def test_each_function_alarm_names_its_function(configured_stack: Synthesized) -> None:
    functions = set(configured_stack.resources("AWS::Lambda::Function"))
    alarms = [a["Properties"] for a in configured_stack.resources("AWS::CloudWatch::Alarm").values()]
    by_function = [
        (a, d["Value"]["Ref"]) for a in alarms for d in a.get("Dimensions", []) if d["Name"] == "FunctionName"
    ]
    assert {function for _, function in by_function} == functions
    for alarm, function in by_function:
        assert {"Ref": function} in alarm["AlarmDescription"]["Fn::Join"][1], alarm["AlarmDescription"]


def test_the_readme_alarm_table_names_each_alarm_the_default_stack_deploys(default_stack: Synthesized) -> None:
    """Operators page from that table: an alarm it lacks has no "what to do", a name it keeps that the stack
    dropped sends them looking for nothing. Alarm names are generated, so the construct ids are compared."""
    logical_ids = set(default_stack.resources("AWS::CloudWatch::Alarm"))
    metadata = json.loads((default_stack.outdir / f"{STACK_ID}.metadata.json").read_text())
    deployed = {
        path.split("/")[-2]
        for path, entries in metadata.items()
        for entry in entries
        if entry["type"] == "aws:cdk:logicalId" and entry["data"] in logical_ids
    }
    readme = README.read_text()
    table = readme.split("**Alarms**", 1)[1].split("\n| alarm |", 1)[1].split("\n\n", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    documented = {name for row in rows for name in re.findall(r"`(\w+)`", row.split("|")[1])}
    assert len(deployed) == len(logical_ids)
    assert documented == deployed
    assert f"the default stack deploys {len(deployed)} alarms" in readme


def test_outputs_have_stable_ids(default_stack: Synthesized) -> None:
    outputs = set(default_stack.raw["Outputs"])
    assert {"TableName", "TopicArn", "AlarmTopicArn", "FailedEventsQueueUrl", "DashboardName"} <= outputs


def test_a_stack_whose_alarms_reach_nobody_says_so_at_synth(
    default_stack: Synthesized, configured_stack: Synthesized
) -> None:
    def warnings(stack: Synthesized) -> str:
        metadata = json.loads((stack.outdir / f"{STACK_ID}.metadata.json").read_text())
        return " ".join(
            entry["data"] for entries in metadata.values() for entry in entries if entry["type"] == "aws:cdk:warning"
        )

    assert "No alarmEmail" in warnings(default_stack)  # cdk.json's default: no subscriber
    assert "No alarmEmail" not in warnings(configured_stack)


def test_synth_states_each_warning_of_the_assembly_in_one_line(default_stack: Synthesized) -> None:
    metadata = json.loads((default_stack.outdir / f"{STACK_ID}.metadata.json").read_text())
    recorded = [entry for entries in metadata.values() for entry in entries if entry["type"] == "aws:cdk:warning"]
    lines = synth_warnings(cx_api.CloudAssembly(str(default_stack.outdir)))
    assert len(lines) == len(recorded)
    [alarms] = [line for line in lines if "No alarmEmail" in line]
    assert alarms.startswith("warning: No alarmEmail: the alarms publish to the alarm topic")
    assert alarms.endswith("[ack: invitation-sync:alarms-without-subscriber] (/InvitationSync)")
    assert all("\n" not in line for line in lines)


def test_cdk_nag_found_nothing_unacknowledged(default_stack: Synthesized) -> None:
    report = json.loads((default_stack.outdir / "validation-report.json").read_text())
    assert report["pluginReports"] == []


def test_cdk_nag_fails_the_synth_on_a_new_finding(tmp_path: Path) -> None:
    from aws_cdk import aws_sqs as sqs

    app, stack = create_app(outdir=str(tmp_path))
    sqs.Queue(stack, "Unencrypted", encryption=sqs.QueueEncryption.UNENCRYPTED)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()


def test_cfn_lint_passes(default_stack: Synthesized) -> None:
    template = next(default_stack.outdir.glob("*.template.json"))
    # W3005: CDK makes the function DependsOn its role although the Role GetAtt already orders them.
    result = subprocess.run(  # noqa: S603
        [str(Path(sys.executable).with_name("cfn-lint")), "--ignore-checks", "W3005", "--", str(template)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode & (2 | 4) == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("context", "named"),
    [
        ({"region": "eu-west-1"}, "only to the default bus in us-east-1"),
        ({"catalogs": "Foo"}, "catalogs"),
        ({"eventMaxConcurrency": 1}, "eventMaxConcurrency"),
        ({"eventMaxConcurrency": 3, "eventRatePerExecution": 2}, "exceeds 9 requests/second"),
        # 2 x 2 = 4/s for invocations that return; a killed one or a replaced mapping can add a burst per slot.
        ({"eventMaxConcurrency": 2, "eventRatePerExecution": 2}, r"floor\(eventRatePerExecution\) \(8/s"),
        ({"partnerCentralRateCap": 12}, "partnerCentralRateCap"),
        ({"fullSweepSchedule": "weekly"}, "fullSweepSchedule"),
        ({"removalPolicy": "snapshot"}, "removalPolicy"),
        ({"tracing": "sometimes"}, "tracing"),
        ({"logLevel": "WARN"}, "logLevel: Input should be 'DEBUG' or 'INFO'"),
        ({"expiryReminders": [72, 0]}, "expiryReminders"),
        ({"expiryReminders": "24,24"}, "expiryReminders"),
        ({"expiryReminders": [400]}, "expiryReminders"),
        ({"subscriberAccounts": "12345678901"}, r"subscriberAccounts\.0: String should match pattern"),
        ({"subscriberAccounts": [444455556666]}, r"subscriberAccounts\.0: Input should be a valid string"),
    ],
)
def test_bad_settings_are_refused_at_synth_with_the_key_named(context: dict[str, object], named: str) -> None:
    with pytest.raises(InvalidSettingsError, match=named):
        create_app(context=context)


@pytest.mark.parametrize(
    ("context", "line"),
    [
        ({"region": "eu-central-1"}, "invitation-sync: invalid invitation-sync setting in cdk.json context: region: "),
        (
            {"expiryReminder": [48], "aws:cdk:enable-path-metadata": True},  # what `cdk -c` with a typo passes
            "invitation-sync: unknown invitation-sync setting 'expiryReminder' in cdk.json context (or -c): "
            "did you mean 'expiryReminders'?",
        ),
    ],
)
def test_app_py_refuses_a_bad_setting_in_one_line(tmp_path: Path, context: dict[str, object], line: str) -> None:
    result = subprocess.run(
        [sys.executable, "app.py"],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "CDK_CONTEXT_JSON": json.dumps(context), "CDK_OUTDIR": str(tmp_path)},
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith(line)
    assert "Traceback" not in result.stderr


def test_synthesize_again_reuses_the_cached_asset(tmp_path: Path, default_stack: Synthesized) -> None:
    again = synthesize(tmp_path)
    functions = [f["Properties"]["Code"] for f in again.resources("AWS::Lambda::Function").values()]
    assert functions == [f["Properties"]["Code"] for f in default_stack.resources("AWS::Lambda::Function").values()]


def test_direct_synth_reads_cdk_json_context(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import infra.stack

    cdk_json = tmp_path / "cdk.json"
    cdk_json.write_text(json.dumps({"app": "python app.py", "context": {"catalogs": ["Sandbox"]}}))
    monkeypatch.setattr(infra.stack, "CDK_JSON", cdk_json)
    monkeypatch.delenv("CDK_CONTEXT_JSON", raising=False)
    app, stack = create_app(outdir=str(tmp_path / "out"))
    template = json.loads((Path(app.synth().directory) / f"{stack.artifact_id}.template.json").read_text())
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert [f["Properties"]["Environment"]["Variables"]["SYNC_CATALOGS"] for f in functions] == ["Sandbox"] * 4
