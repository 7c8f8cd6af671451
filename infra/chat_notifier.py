"""The chat notifier: its own queue subscribed to the events topic (filter policy in the template, raw
delivery), its own dead-letter queue and alarm, and a function that publishes custom notifications to
the chat topic. Nothing here can hold up the sync: it only reads what the sync already published."""

from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.acknowledgements import acknowledge
from infra.event_queue import InvitationEventQueue
from infra.function import FunctionWiring, InvitationFunction
from infra.parking_queue import parking_queue
from invitation_sync.budgets import THROTTLED_RECEIVES
from invitation_sync.handlers.chat_handler import CHAT_RECEIVES

TIMEOUT: Final = Duration.seconds(60)  # a batch of 10 publishes, each bounded by the SNS client's timeouts
MEMORY_MB: Final = 256
CHAT_EVENT_TYPES: Final = (
    "invitation.created",
    "invitation.expiring",
    "invitation.accepted",
    "invitation.rejected",
    "invitation.expired",
    "invitation.answer-failed",
)


class ChatNotifierFunction(InvitationFunction):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        wiring: FunctionWiring,
        *,
        chat_topic: sns.ITopic,
        alarm_topic: sns.ITopic,
        answer_function: lambda_.IFunction | None,
    ) -> None:
        chat = wiring.settings.chat
        if chat is None:
            raise ValueError("the chat notifier needs the chat setting")
        key = wiring.key
        self.failed_notifications = parking_queue(
            scope,
            f"{construct_id}FailedNotifications",
            key=key,
            why_last="The chat notifier's final dead-letter queue: parked notifications wait here with their reason "
            "until `invitation-sync redrive --chat` moves them back, so nothing stands behind it.",
        )
        # The function parks a record itself on its last receive, with the reason; SQS moves it only if that
        # invocation never finished.
        self.queue = InvitationEventQueue(
            scope,
            f"{construct_id}Queue",
            key=key,
            failed_events=self.failed_notifications,
            consumer_timeout=TIMEOUT,
            max_receives=CHAT_RECEIVES + THROTTLED_RECEIVES,  # throttled invocations use receives too
        ).queue
        environment = {
            "CHAT_TOPIC_ARN": chat_topic.topic_arn,
            "FAILED_NOTIFICATIONS_QUEUE_URL": self.failed_notifications.queue_url,
            "INVITATION_LINK_TEMPLATE": chat.invitation_link,
        }
        if answer_function is not None:
            environment["ANSWER_FUNCTION_ARN"] = answer_function.function_arn
        super().__init__(
            scope,
            construct_id,
            wiring,
            handler="invitation_sync.handlers.chat_handler.lambda_handler",
            description="invitation-sync: turn published invitation events into chat notifications",
            memory_size=MEMORY_MB,
            timeout=TIMEOUT,
            environment=environment,
            publishes_events=False,
        )
        event_types = [*CHAT_EVENT_TYPES, *(["invitation.updated"] if chat.updates else [])]
        self.subscription = wiring.events_topic.add_subscription(
            subscriptions.SqsSubscription(
                self.queue,
                raw_message_delivery=True,  # the body is the published event itself
                filter_policy={"eventType": sns.SubscriptionFilter.string_filter(allowlist=event_types)},
            )
        )
        acknowledge(
            self.subscription,
            "Serverless-SNSRedrivePolicy",
            "SNS retries delivery to an SQS queue in the same account for as long as the queue exists; what the "
            "notifier cannot handle is parked by the queue's own redrive policy (FailedNotifications).",
        )
        self.mapping = lambda_.EventSourceMapping(
            self,
            "QueueMapping",
            target=self.function,
            event_source_arn=self.queue.queue_arn,
            batch_size=10,
            max_concurrency=2,
            report_batch_item_failures=True,
        )
        acknowledge(
            self.mapping,
            "Serverless-LambdaEventSourceMappingDestination",
            "SQS event source mappings take no on-failure destination: the queue's redrive policy is the failure "
            "path, and the function parks a record with its reason.",
        )
        acknowledge(
            self.function,
            "Serverless-LambdaDLQ",
            "Invoked only by its SQS event source mapping, whose queue has a dead-letter queue; never asynchronously.",
        )
        self.allow(
            ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
            [self.queue.queue_arn],
        )
        self.allow(["sqs:SendMessage"], [self.failed_notifications.queue_arn])
        self.allow(["sns:Publish"], [chat_topic.topic_arn])
        self.allow_key_use("sns", "sqs")
        alarm = cloudwatch.Alarm(
            self,
            "FailedNotificationsWaiting",
            alarm_description="invitation-sync: chat notifications are parked: see README, Chat",
            metric=self.failed_notifications.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(5), statistic="Maximum"
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(actions.SnsAction(alarm_topic))
