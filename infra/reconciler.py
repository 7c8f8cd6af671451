"""The scheduled reconciler: one run at a time, paced below the shared Partner Central quota."""

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from constructs import Construct

from infra.function import FunctionWiring, InvitationFunction

# 15 minutes, Lambda's maximum: a run pages every invitation at the rate cap (5/s: ~4,000 Gets) and
# stops cleanly 10 s before the end with its cursor stored. 512 MB: a page of 100 summaries and
# their stored items are held at once, and the extra CPU shortens each run.
MEMORY_MB = 512
TIMEOUT = Duration.minutes(15)


class Reconciler(InvitationFunction):
    def __init__(self, scope: Construct, construct_id: str, wiring: FunctionWiring) -> None:
        settings = wiring.settings
        super().__init__(
            scope,
            construct_id,
            wiring,
            handler="invitation_sync.handlers.reconcile_handler.lambda_handler",
            description="invitation-sync: converge the table to Partner Central (missed events, backfill)",
            memory_size=MEMORY_MB,
            timeout=TIMEOUT,
            environment={
                "RECONCILE_PARTICIPANT_TYPES": ",".join(settings.participant_types),
                "PARTNER_CENTRAL_RATE_CAP": str(settings.partner_central_rate_cap),
            },
            async_failures=wiring.failed_events,
        )
        self.allow_key_use("dynamodb", "sns", "sqs")
        self.allow_partner_central("partnercentral:ListEngagementInvitations", "partnercentral:GetEngagementInvitation")
        self.allow(
            ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:UpdateItem", "dynamodb:PutItem"],
            [wiring.table.table_arn],
        )
        self.schedule = events.Rule(
            self,
            "Schedule",
            description="invitation-sync: reconcile run",
            schedule=events.Schedule.expression(settings.reconcile_schedule),
        )
        self.schedule.add_target(
            targets.LambdaFunction(
                self.function, dead_letter_queue=wiring.failed_events, retry_attempts=2, max_event_age=Duration.hours(1)
            )
        )
