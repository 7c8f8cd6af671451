"""The one stack: constructs wired in the order an event flows through them."""

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from aws_cdk import Annotations, App, CfnOutput, Environment, RemovalPolicy, Stack, Validations, cx_api
from aws_cdk import aws_lambda as lambda_
from cdk_nag import AwsSolutionsChecks, ServerlessChecks
from constructs import Construct

from infra.answer_function import AnswerFunction
from infra.chat_channels import ChatChannels
from infra.chat_notifier import ChatNotifierFunction
from infra.encryption import DataKey
from infra.event_queue import InvitationEventQueue
from infra.event_rule import InvitationEventRule
from infra.function import FunctionWiring
from infra.lambda_asset import LAMBDA_PYTHON, build_lambda_asset, has_bytecode
from infra.messaging import InvitationMessaging
from infra.monitoring import InvitationMonitoring
from infra.reconciler import Reconciler
from infra.reminders import ExpiryReminderFunction
from infra.settings import StackSettings
from infra.storage import InvitationStorage
from infra.sync_function import TIMEOUT as SYNC_TIMEOUT
from infra.sync_function import SyncFunction

STACK_ID = "InvitationSync"
CDK_JSON = Path(__file__).resolve().parents[1] / "cdk.json"


class InvitationSyncStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, settings: StackSettings, asset: Path, **kwargs: object
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        if not has_bytecode(asset):
            Annotations.of(self).add_warning_v2(
                "invitation-sync:asset-without-bytecode",
                f"The Lambda asset ships without bytecode: no python{LAMBDA_PYTHON} (a final release) on this "
                "machine's PATH, so every cold start compiles the code from source (about twice the init time). "
                f"Synthesize where python{LAMBDA_PYTHON} is installed to ship it compiled.",
            )
        removal = RemovalPolicy.RETAIN if settings.removal_policy == "retain" else RemovalPolicy.DESTROY
        key = DataKey(self, "Encryption", removal_policy=removal).key
        storage = InvitationStorage(self, "Storage", key=key, removal_policy=removal)
        messaging = InvitationMessaging(
            self,
            "Messaging",
            key=key,
            alarm_email=settings.alarm_email,
            subscriber_accounts=settings.subscriber_accounts,
        )
        if not settings.alarm_email:
            Annotations.of(self).add_warning_v2(
                "invitation-sync:alarms-without-subscriber",
                "No alarmEmail: the alarms publish to the alarm topic (output AlarmTopicArn), which has no "
                "subscriber, so nobody hears of a parked event or a lost one. Set alarmEmail in cdk.json, or "
                "subscribe your pager or chat to that topic after the deploy.",
            )
        wiring = FunctionWiring(
            settings=settings,
            code=lambda_.Code.from_asset(str(asset)),
            table=storage.table,
            events_topic=messaging.events_topic,
            failed_events=messaging.failed_events,
            key=key,
            removal_policy=removal,
        )
        event_queue = InvitationEventQueue(
            self, "EventQueue", key=key, failed_events=messaging.failed_events, consumer_timeout=SYNC_TIMEOUT
        ).queue
        sync = SyncFunction(self, "SyncFunction", wiring, event_queue=event_queue)
        event_rule = InvitationEventRule(
            self,
            "EventRule",
            catalogs=settings.catalogs,
            event_queue=event_queue,
            failed_events=messaging.failed_events,
        )
        reconciler = Reconciler(self, "Reconciler", wiring)
        functions = {"Sync": sync, "Reconciler": reconciler}
        if settings.expiry_reminders:
            functions["Reminders"] = ExpiryReminderFunction(self, "Reminders", wiring)
        answerer = AnswerFunction(self, "Answers", wiring) if settings.answers else None
        if answerer is not None:
            functions["Answers"] = answerer
        messaging.allow_only_publishers(*(function.role for function in functions.values()))
        monitored = {name: function.function for name, function in functions.items()}
        answer_function: lambda_.IFunction | None = answerer.function if answerer is not None else None
        if settings.chat:
            chat = ChatChannels(self, "Chat", chat=settings.chat, key=key, answer_function=answer_function)
            notifier = ChatNotifierFunction(
                self,
                "ChatNotifier",
                wiring,
                chat_topic=chat.topic,
                alarm_topic=messaging.alarm_topic,
                answer_function=answer_function,
            )
            monitored["ChatNotifier"] = notifier.function
            CfnOutput(self, "ChatTopicArn", value=chat.topic.topic_arn, description="Chat notifications topic")
            CfnOutput(self, "ChatQueueUrl", value=notifier.queue.queue_url, description="Chat notifier's queue")
            CfnOutput(
                self,
                "FailedNotificationsQueueUrl",
                value=notifier.failed_notifications.queue_url,
                description="Chat notifications parked with their reason",
            )
        monitoring = InvitationMonitoring(
            self,
            "Monitoring",
            functions=monitored,
            event_rule=event_rule.rule,
            event_queue=event_queue,
            failed_events=messaging.failed_events,
            alarm_topic=messaging.alarm_topic,
            catalogs=settings.catalogs,
        )
        CfnOutput(self, "TableName", value=storage.table.table_name, description="Invitations table")
        CfnOutput(self, "TopicArn", value=messaging.events_topic.topic_arn, description="Invitation events topic")
        CfnOutput(self, "AlarmTopicArn", value=messaging.alarm_topic.topic_arn, description="Where the alarms publish")
        CfnOutput(
            self, "FailedEventsQueueUrl", value=messaging.failed_events.queue_url, description="Dead-letter queue"
        )
        CfnOutput(
            self, "FailedEventsQueueArn", value=messaging.failed_events.queue_arn, description="Dead-letter queue ARN"
        )
        CfnOutput(self, "EventQueueUrl", value=event_queue.queue_url, description="Sync function's event queue")
        CfnOutput(self, "EventQueueArn", value=event_queue.queue_arn, description="Sync function's event queue ARN")
        # The operator CLI finds the functions by these (invitation-sync --stack <name>).
        CfnOutput(self, "SyncFunctionName", value=sync.function.function_name, description="Sync function")
        CfnOutput(  # `invitation-sync verify` reads the sync function's verdict on its synthetic record here
            self, "SyncLogGroupName", value=sync.log_group.log_group_name, description="Sync function's log group"
        )
        CfnOutput(
            self, "ReconcilerFunctionName", value=reconciler.function.function_name, description="Reconciler function"
        )
        if answerer is not None:
            CfnOutput(self, "AnswerFunctionName", value=answerer.function.function_name, description="Answer function")
        CfnOutput(self, "EncryptionKeyArn", value=key.key_arn, description="KMS key of the table, topics and queues")
        CfnOutput(self, "DashboardName", value=monitoring.dashboard.dashboard_name, description="CloudWatch dashboard")


def synthesized_template(context: dict[str, object]) -> dict[str, Any]:
    """The stack's CloudFormation template for `context`, synthesized (cdk-nag included) into a scratch
    directory: what the demo deploys on moto and the bench deploys as the function's environment."""
    with tempfile.TemporaryDirectory() as outdir:
        app, stack = create_app(context=context, outdir=outdir)
        assembly = app.synth()
        template: dict[str, Any] = json.loads(
            (Path(assembly.directory) / f"{stack.artifact_id}.template.json").read_text()
        )
    return template


def synth_warnings(assembly: cx_api.CloudAssembly) -> list[str]:
    """The assembly's warnings, one line each: `make synth` runs the app without the CDK CLI, which is
    what would otherwise print them (and only at deploy)."""
    return [
        f"warning: {' '.join(str(message.entry.data).split())} ({message.id})"
        for stack in assembly.stacks_recursively
        for message in stack.messages
        if message.level == cx_api.SynthesisMessageLevel.WARNING
    ]


def create_app(context: dict[str, object] | None = None, outdir: str | None = None) -> tuple[App, InvitationSyncStack]:
    """The CDK app with cdk-nag's AwsSolutions and Serverless packs: an unacknowledged finding fails synth.

    Run by the CDK CLI, context arrives through CDK_CONTEXT_JSON; run directly (`make synth`), the
    app reads cdk.json itself so both paths deploy the same settings."""
    if context is None and "CDK_CONTEXT_JSON" not in os.environ:
        context = json.loads(CDK_JSON.read_text()).get("context", {})
    app = App(context=context, outdir=outdir or os.environ.get("CDK_OUTDIR") or "cdk.out")
    settings = StackSettings.from_context(app.node.get_all_context())
    stack = InvitationSyncStack(
        app,
        STACK_ID,
        settings=settings,
        asset=build_lambda_asset(),
        env=Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=settings.region),
        description="invitation-sync: mirrors AWS Partner Central engagement invitations into DynamoDB and SNS",
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
    return app, stack
