"""The scheduled reconciler: one run at a time, paced below the shared Partner Central quota."""

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.function import InvitationFunction
from infra.settings import StackSettings

# 15 minutes, Lambda's maximum: a run pages every invitation at the rate cap (5/s: ~4,000 Gets) and
# stops cleanly 10 s before the end with its cursor stored. 512 MB: a page of 100 summaries and
# their stored items are held at once, and the extra CPU shortens each run.
MEMORY_MB = 512
TIMEOUT = Duration.minutes(15)


class Reconciler(InvitationFunction):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StackSettings,
        code: lambda_.Code,
        table: dynamodb.ITable,
        events_topic: sns.ITopic,
        failed_events: sqs.IQueue,
        key: kms.IKey,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            settings=settings,
            code=code,
            handler="invitation_sync.handlers.reconcile_handler.lambda_handler",
            description="invitation-sync: converge the table to Partner Central (missed events, backfill)",
            memory_size=MEMORY_MB,
            timeout=TIMEOUT,
            reserved_concurrency=1,  # never two runs at once: they would share the cursor and the quota
            environment={
                "INVITATIONS_TABLE_NAME": table.table_name,
                "INVITATION_EVENTS_TOPIC_ARN": events_topic.topic_arn,
                "SYNC_CATALOGS": ",".join(settings.catalogs),
                "RECONCILE_PARTICIPANT_TYPES": ",".join(settings.participant_types),
                "PARTNER_CENTRAL_RATE_CAP": str(settings.partner_central_rate_cap),
            },
            failed_events=failed_events,
            key=key,
            removal_policy=removal_policy,
        )
        self.allow(
            ["partnercentral:ListEngagementInvitations", "partnercentral:GetEngagementInvitation"],
            ["*"],  # Partner Central has no resource-level permissions for these reads
            {"StringEquals": {"partnercentral:Catalog": list(settings.catalogs)}},
        )
        self.allow(
            ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:UpdateItem", "dynamodb:PutItem"], [table.table_arn]
        )
        self.allow(["sns:Publish"], [events_topic.topic_arn])
        self.schedule = events.Rule(
            self,
            "Schedule",
            description="invitation-sync: reconcile run",
            schedule=events.Schedule.expression(settings.reconcile_schedule),
        )
        self.schedule.add_target(
            targets.LambdaFunction(
                self.function, dead_letter_queue=failed_events, retry_attempts=2, max_event_age=Duration.hours(1)
            )
        )
