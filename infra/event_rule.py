"""The EventBridge rule on the default bus: our source, the four invitation detail-types, our catalogs,
delivered to the event queue."""

from collections.abc import Sequence

import jsii
from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from aws_cdk.interfaces.aws_events import IRuleRef
from constructs import Construct

from invitation_sync.models.event import SOURCE, STATUS_BY_DETAIL_TYPE

MAX_EVENT_AGE = Duration.hours(24)
RETRY_ATTEMPTS = 185  # EventBridge retries a failed delivery for up to a day, then parks the event


class InvitationEventRule(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        catalogs: Sequence[str],
        event_queue: sqs.IQueue,
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
        self.rule.add_target(_QueueTarget(event_queue, failed_events))
        # Only this rule may send to either queue. (CDK's SqsQueue target drops the rule condition for an
        # encrypted queue and grants the key to the service unconditioned; the key policy names our rules.)
        for queue in (event_queue, failed_events):
            queue.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="InvitationEventRuleSends",
                    principals=[iam.ServicePrincipal("events.amazonaws.com")],
                    actions=["sqs:SendMessage"],
                    resources=[queue.queue_arn],
                    conditions={"ArnEquals": {"aws:SourceArn": self.rule.rule_arn}},
                )
            )


@jsii.implements(events.IRuleTarget)
class _QueueTarget:
    """The event queue as the rule's target; what EventBridge cannot deliver goes to the failed-events queue."""

    def __init__(self, queue: sqs.IQueue, dead_letters: sqs.IQueue) -> None:
        self._queue = queue
        self._dead_letters = dead_letters

    def bind(self, rule: IRuleRef, id: str | None = None) -> events.RuleTargetConfig:
        return events.RuleTargetConfig(
            arn=self._queue.queue_arn,
            dead_letter_config=events.CfnRule.DeadLetterConfigProperty(arn=self._dead_letters.queue_arn),
            retry_policy=events.CfnRule.RetryPolicyProperty(
                maximum_event_age_in_seconds=int(MAX_EVENT_AGE.to_seconds()), maximum_retry_attempts=RETRY_ATTEMPTS
            ),
        )
