"""What every invitation-sync function shares: its own role and log group, arm64, JSON logs, X-Ray
when the `tracing` setting is on, the table/topic wiring, and key use only through the services that
encrypt its data."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.acknowledgements import acknowledge
from infra.settings import StackSettings
from invitation_sync.observability import METRIC_NAMESPACE, SERVICE

RUNTIME = lambda_.Runtime.PYTHON_3_14
MAX_EVENT_AGE = Duration.hours(6)
ASYNC_RETRIES = 2


@dataclass(frozen=True)
class FunctionWiring:
    """What every function is built from and writes to."""

    settings: StackSettings
    code: lambda_.Code
    table: dynamodb.ITable
    events_topic: sns.ITopic
    failed_events: sqs.IQueue
    key: kms.IKey
    removal_policy: RemovalPolicy


class InvitationFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        wiring: FunctionWiring,
        *,
        handler: str,
        description: str,
        memory_size: int,
        timeout: Duration,
        environment: Mapping[str, str] | None = None,
        async_failures: sqs.IQueue | None = None,
        publishes_events: bool = True,
    ) -> None:
        """No reserved concurrency: a new account (concurrency quota 10, 10 kept unreserved) could not
        deploy it. `async_failures`: where asynchronous invocations end after Lambda's retries.
        `publishes_events`: False for a subscriber of the events topic, which never publishes to it."""
        super().__init__(scope, construct_id)
        settings = wiring.settings
        self._settings = settings
        self._key = wiring.key
        self.log_group = logs.LogGroup(self, "Logs", removal_policy=wiring.removal_policy)
        log_group_resource: Any = self.log_group.node.default_child
        log_group_resource.retention_in_days = settings.log_retention_days
        # A role of its own: no AWSLambdaBasicExecutionRole, writes only to its own log group.
        self.role = iam.Role(
            self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), description=description
        )
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            description=description,
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            code=wiring.code,
            handler=handler,
            memory_size=memory_size,
            timeout=timeout,
            role=self.role,
            # Off: no TracingConfig, no X-Ray permissions, and the functions never import the X-Ray SDK.
            tracing=lambda_.Tracing.ACTIVE if settings.tracing else None,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel[settings.log_level],
            # INFO keeps Lambda's START and REPORT lines (and INIT_START on a cold start): init duration,
            # memory used, a timeout's status. A few lines per invocation, and invocations are few.
            system_log_level_v2=lambda_.SystemLogLevel.INFO,
            log_group=self.log_group,
            environment={
                "POWERTOOLS_SERVICE_NAME": SERVICE,
                "POWERTOOLS_METRICS_NAMESPACE": METRIC_NAMESPACE,
                "POWERTOOLS_LOG_LEVEL": settings.log_level,
                "POWERTOOLS_TRACE_DISABLED": str(not settings.tracing).lower(),
                # pydantic looks for plugins in every installed distribution's entry points at the first
                # model build; the functions use none, and the scan is on every cold start's path.
                "PYDANTIC_DISABLE_PLUGINS": "__all__",
                "INVITATIONS_TABLE_NAME": wiring.table.table_name,
                "INVITATION_EVENTS_TOPIC_ARN": wiring.events_topic.topic_arn,
                "SYNC_CATALOGS": ",".join(settings.catalogs),
                **(environment or {}),
            },
        )
        if publishes_events:
            self.allow(["sns:Publish"], [wiring.events_topic.topic_arn])
        if not settings.tracing:
            acknowledge(
                self.function,
                "Serverless-LambdaTracing",
                "Tracing is the `tracing` setting, off by default: nearly every invocation is a cold start and "
                "the X-Ray SDK adds a third to each (docs/performance.md). Logs carry the correlation id.",
            )
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "Only the Partner Central reads (limited to the configured catalogs by the partnercentral:Catalog "
            "condition) and, with tracing on, X-Ray's PutTraceSegments/PutTelemetryRecords use Resource '*': "
            "neither service offers anything narrower.",
        )
        if async_failures is not None:
            # Explicit actions (CDK's SqsDestination grant would add kms:GenerateDataKey* and ReEncrypt*).
            self.allow(["sqs:SendMessage"], [async_failures.queue_arn])
            acknowledge(
                self.function,
                "Serverless-LambdaDLQ",
                "Async failures go to a queue through the on-failure destination (AsyncInvoke), which "
                "records the error and the request, unlike the legacy function DLQ.",
            )
            lambda_.CfnEventInvokeConfig(
                self,
                "AsyncInvoke",
                function_name=self.function.function_name,
                qualifier="$LATEST",
                maximum_event_age_in_seconds=int(MAX_EVENT_AGE.to_seconds()),
                maximum_retry_attempts=ASYNC_RETRIES,
                destination_config=lambda_.CfnEventInvokeConfig.DestinationConfigProperty(
                    on_failure=lambda_.CfnEventInvokeConfig.OnFailureProperty(destination=async_failures.queue_arn)
                ),
            )

    def retried_by_its_schedule(self, max_event_age: Duration, reason: str) -> None:
        """A scheduled function's failed run is no invitation event: nothing to park or redrive, and Lambda
        does not retry it either; its next scheduled run is the retry (`reason` says how, for cdk-nag)."""
        no_retry = lambda_.EventInvokeConfig(
            self, "AsyncInvoke", function=self.function, retry_attempts=0, max_event_age=max_event_age
        )
        acknowledge(no_retry, "Serverless-LambdaAsyncFailureDestination", reason)
        acknowledge(self.function, "Serverless-LambdaDLQ", reason)

    def allow_key_use(self, *services: str) -> None:
        """Decrypt and GenerateDataKey on the stack's key, only through the services that encrypt this
        function's data on its behalf (kms:ViaService). Nothing calls kms:Encrypt itself: DynamoDB, SNS
        and SQS encrypt with data keys."""
        via = [f"{service}.{Aws.REGION}.amazonaws.com" for service in services]
        self.allow(
            ["kms:Decrypt", "kms:GenerateDataKey"], [self._key.key_arn], {"StringEquals": {"kms:ViaService": via}}
        )

    def allow_partner_central(self, *actions: str) -> None:
        """Partner Central has no resource-level permissions for its reads: `*`, limited by catalog."""
        catalogs = list(self._settings.catalogs)
        self.allow(actions, ["*"], {"StringEquals": {"partnercentral:Catalog": catalogs}})

    def allow(
        self, actions: Sequence[str], resources: Sequence[str], conditions: Mapping[str, Any] | None = None
    ) -> None:
        self.role.add_to_principal_policy(
            iam.PolicyStatement(actions=list(actions), resources=list(resources), conditions=conditions)
        )
