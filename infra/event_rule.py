"""The EventBridge rule on the default bus: our source, the four invitation detail-types, our catalogs."""

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from invitation_sync.models.event import SOURCE, STATUS_BY_DETAIL_TYPE


class InvitationEventRule(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        catalogs: Sequence[str],
        target: lambda_.IFunction,
        failed_events: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.rule = events.Rule(
            self,
            "Rule",
            description="invitation-sync: Partner Central engagement invitation changes",
            event_pattern=events.EventPattern(
                source=[SOURCE],
                detail_type=list(STATUS_BY_DETAIL_TYPE),
                detail={"catalog": list(catalogs)},
            ),
        )
        # EventBridge retries a failed invoke for up to a day, then parks the event in the queue.
        self.rule.add_target(
            targets.LambdaFunction(
                target, dead_letter_queue=failed_events, retry_attempts=185, max_event_age=Duration.hours(24)
            )
        )
