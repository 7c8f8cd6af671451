"""The invitation-events topic, the alarm topic and the failed-events (dead-letter) queue."""

from collections.abc import Sequence
from typing import Any

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.acknowledgements import acknowledge
from infra.parking_queue import parking_queue

SUBSCRIPTION_PROTOCOLS = ("sqs", "lambda", "firehose", "https")


class InvitationMessaging(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key: kms.IKey,
        alarm_email: str | None,
        subscriber_accounts: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.events_topic = sns.Topic(
            self,
            "InvitationEvents",
            display_name="invitation-sync: invitation changes",
            master_key=key,
            enforce_ssl=True,
            signature_version="2",  # SHA256: what an HTTPS subscriber verifies each message by
        )
        # The events carry contacts and customer data: a subscription may only deliver to SQS, Lambda,
        # Firehose or HTTPS; never in plaintext (http), to an inbox (email), a phone (sms) or a mobile app
        # (application), nor by any protocol SNS adds later.
        self._deny_on_events_topic(
            "SubscribeOnlyByEncryptedProtocols",
            "sns:Subscribe",
            {"StringNotEquals": {"sns:Protocol": list(SUBSCRIPTION_PROTOCOLS)}},
        )
        for account in sorted(set(subscriber_accounts)):
            # Without it, only this account's IAM can grant sns:Subscribe. Each listed account may subscribe
            # its own queues, functions and delivery streams (not an HTTPS host, nor a third account's
            # endpoint); its IAM must still allow it, and the protocol Deny above still applies.
            self.events_topic.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"AllowSubscriber{account}",
                    principals=[iam.AccountPrincipal(account)],
                    actions=["sns:Subscribe"],
                    resources=[self.events_topic.topic_arn],
                    conditions={"StringLike": {"sns:Endpoint": _endpoints_of(account)}},
                )
            )
            # CloudFormation's AWS::SNS::Subscription handler reads the topic before Subscribe and before
            # Unsubscribe (its resource schema lists sns:GetTopicAttributes for create, read, update and
            # delete): without it a subscriber's stack fails to create and to delete. The read carries no
            # sns:Endpoint, so it takes no condition; it shows the topic policy and key ARN (README).
            self.events_topic.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"AllowSubscriberRead{account}",
                    principals=[iam.AccountPrincipal(account)],
                    actions=["sns:GetTopicAttributes"],
                    resources=[self.events_topic.topic_arn],
                )
            )
        # Failed events from the rule (could not invoke) and from the functions (on-failure
        # destination, or bad input they dead-letter themselves). It is the last stop: no DLQ of its own.
        self.failed_events = parking_queue(
            self,
            "FailedEvents",
            key=key,
            why_last="FailedEvents is itself the final dead-letter queue of the rule and the functions; "
            "operators redrive it with `invitation-sync redrive`, so it has no queue behind it.",
        )
        self.alarm_topic = sns.Topic(
            self, "Alarms", display_name="invitation-sync: alarms", master_key=key, enforce_ssl=True
        )
        self.alarm_topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarms",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.alarm_topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            )
        )
        if alarm_email:
            subscription = self.alarm_topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
            acknowledge(
                subscription,
                "Serverless-SNSRedrivePolicy",
                "The alarm e-mail subscription: an undelivered e-mail stays visible as the alarm's state and "
                "history; the failed-events queue holds invitation events only, so redrive never meets alarms.",
            )

    def allow_only_publishers(self, *roles: iam.IRole) -> None:
        """Deny every other principal (the roles grant themselves sns:Publish), so the topic's
        subscribers can trust who wrote each event."""
        self._deny_on_events_topic(
            "OnlySyncFunctionsPublish",
            "sns:Publish",
            {"ArnNotEquals": {"aws:PrincipalArn": [role.role_arn for role in roles]}},
        )

    def _deny_on_events_topic(self, sid: str, action: str, unless: dict[str, Any]) -> None:
        """A Deny to every principal, whatever its identity policy allows, unless `unless` holds."""
        self.events_topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid=sid,
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=[action],
                resources=[self.events_topic.topic_arn],
                conditions=unless,
            )
        )


def _endpoints_of(account: str) -> list[str]:
    """The endpoint ARNs an account owns, for each protocol it may subscribe by from another account."""
    prefix = f"arn:{Aws.PARTITION}"
    return [
        f"{prefix}:sqs:*:{account}:*",
        f"{prefix}:lambda:*:{account}:function:*",
        f"{prefix}:firehose:*:{account}:deliverystream/*",
    ]
