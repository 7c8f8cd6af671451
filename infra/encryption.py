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
        # EventBridge writes to the encrypted event queue and failed-events queue; CloudWatch alarms publish to
        # the encrypted alarm topic. Each may use the key for this account's resources only, by
        # aws:SourceAccount. SNS documents it (with aws:SourceArn) for CloudWatch and as unsupported for
        # EventBridge-to-topic; no AWS page covers EventBridge-to-queue, where it is what CDK's own SqsQueue
        # target emits by default. A condition the call lacks would refuse every event (EventsLost alarms).
        # The queue policies name the rule itself; the alarm topic's policy names the account.
        for service in ("events.amazonaws.com", "cloudwatch.amazonaws.com"):
            self._allow_service(service)

    def _allow_service(self, service: str) -> None:
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid=f"Allow{service.split('.', maxsplit=1)[0].capitalize()}",
                principals=[iam.ServicePrincipal(service)],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],  # in a key policy, "*" means this key
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            )
        )
