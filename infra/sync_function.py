"""The sync function: one Partner Central event in, one conditional write and one publish out."""

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.function import InvitationFunction
from infra.settings import StackSettings

# 256 MB: pydantic-core and botocore import in well under a second at this CPU share, and the
# function holds one invitation at a time. 60 s covers Partner Central's adaptive retries
# (6 attempts, 3 s connect + 10 s read) with room for the write and the publish.
MEMORY_MB = 256
TIMEOUT = Duration.seconds(60)


class SyncFunction(InvitationFunction):
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
        # Reserved concurrency bounds the event path's share of the 10 requests/second Partner
        # Central read quota: each execution makes one Get at a time.
        super().__init__(
            scope,
            construct_id,
            settings=settings,
            code=code,
            handler="invitation_sync.handlers.sync_handler.lambda_handler",
            description="invitation-sync: sync one Partner Central invitation event",
            memory_size=MEMORY_MB,
            timeout=TIMEOUT,
            reserved_concurrency=settings.reserved_concurrency,
            environment={
                "INVITATIONS_TABLE_NAME": table.table_name,
                "INVITATION_EVENTS_TOPIC_ARN": events_topic.topic_arn,
                "SYNC_CATALOGS": ",".join(settings.catalogs),
            },
            failed_events=failed_events,
            key=key,
            removal_policy=removal_policy,
        )
        self.allow(
            ["partnercentral:GetEngagementInvitation"],
            ["*"],  # Partner Central has no resource-level permissions for this read
            {"StringEquals": {"partnercentral:Catalog": list(settings.catalogs)}},
        )
        self.allow(["dynamodb:GetItem", "dynamodb:UpdateItem"], [table.table_arn])
        self.allow(["sns:Publish"], [events_topic.topic_arn])
