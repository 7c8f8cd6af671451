"""One customer-managed KMS key for the table, topics and queues, and the services allowed to use it."""

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct


class DataKey(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description="invitation-sync: encrypts the invitations table, event topics and failed-event queue",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        # EventBridge writes undeliverable events to the encrypted failed-events queue. The rule's own
        # ARN would make a circular reference, so the condition names this account's rules.
        self._allow_service(
            "events.amazonaws.com", "aws:SourceArn", f"arn:{Aws.PARTITION}:events:{Aws.REGION}:{Aws.ACCOUNT_ID}:rule/*"
        )
        # CloudWatch alarms publish to the encrypted alarm topic.
        self._allow_service(
            "cloudwatch.amazonaws.com",
            "aws:SourceArn",
            f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}:alarm:*",
        )

    def _allow_service(self, service: str, condition_key: str, pattern: str) -> None:
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid=f"Allow{service.split('.', maxsplit=1)[0].capitalize()}",
                principals=[iam.ServicePrincipal(service)],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],  # in a key policy, "*" means this key
                conditions={"ArnLike": {condition_key: pattern}},
            )
        )
