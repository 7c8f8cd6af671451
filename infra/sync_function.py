"""The sync function: records from the event queue in, one conditional write and one publish per change out."""

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.acknowledgements import acknowledge
from infra.function import FunctionWiring, InvitationFunction

# 256 MB: pydantic-core and botocore import in well under a second at this CPU share, and the
# function holds one invitation at a time. The timeout covers one record at its worst
# (budgets.record_worst_case, retries included; tests/infra checks it) with a minute to spare (a
# connect or read timeout bounds each socket operation, not a whole attempt); a record is only
# started while that much time is left, so a batch never overruns.
MEMORY_MB = 256
TIMEOUT = Duration.seconds(360)
BATCH_SIZE = 10


class SyncFunction(InvitationFunction):
    def __init__(self, scope: Construct, construct_id: str, wiring: FunctionWiring, *, event_queue: sqs.IQueue) -> None:
        settings = wiring.settings
        super().__init__(
            scope,
            construct_id,
            wiring,
            handler="invitation_sync.handlers.sync_handler.lambda_handler",
            description="invitation-sync: sync Partner Central invitation events from the event queue",
            memory_size=MEMORY_MB,
            timeout=TIMEOUT,
            environment={
                "INVITATION_EVENTS_QUEUE_URL": event_queue.queue_url,
                "FAILED_EVENTS_QUEUE_URL": wiring.failed_events.queue_url,
                "PARTNER_CENTRAL_RATE_CAP": str(settings.event_rate_per_execution),
            },
            # A direct invocation (an event queued for the previous release's rule) is moved onto the event
            # queue; if even that fails after Lambda's retries, the event is parked.
            async_failures=wiring.failed_events,
        )
        # The event path's Partner Central rate is bounded by the mapping's maximum concurrency times the
        # per-execution rate limiter's burst, twice (StackSettings.event_path_rate), with no reserved concurrency.
        self.mapping = lambda_.EventSourceMapping(
            self,
            "EventQueueMapping",
            target=self.function,
            event_source_arn=event_queue.queue_arn,
            batch_size=BATCH_SIZE,
            max_concurrency=settings.event_max_concurrency,
            report_batch_item_failures=True,
        )
        self.allow(
            ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
            [event_queue.queue_arn],
        )
        self.allow(["sqs:SendMessage"], [event_queue.queue_arn])  # the failed-events queue: async_failures above
        self.allow_partner_central(
            "partnercentral:GetEngagementInvitation",
            "partnercentral:ListEngagementInvitations",  # the summary of a first sighting whose details are gone
        )
        self.allow(["dynamodb:GetItem", "dynamodb:UpdateItem"], [wiring.table.table_arn])
        self.allow_key_use("dynamodb", "sns", "sqs")
        acknowledge(
            self.mapping,
            "Serverless-LambdaEventSourceMappingDestination",
            "SQS event source mappings take no on-failure destination: the event queue's own redrive policy is "
            "the failure path (to the FailedEvents queue), and the function parks a record with its reason.",
        )
