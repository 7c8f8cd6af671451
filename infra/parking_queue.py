"""A queue where records no retry can fix wait, with their reason, until `invitation-sync redrive` moves
them back: the last stop, so it has no dead-letter queue of its own."""

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.acknowledgements import acknowledge

RETENTION = Duration.days(14)  # SQS's longest: an operator has two weeks to redrive


def parking_queue(scope: Construct, construct_id: str, *, key: kms.IKey, why_last: str) -> sqs.Queue:
    """The queue itself in `scope` (a construct of its own would rename it, and CloudFormation would replace a
    deployed queue with what it holds); `why_last` says whose last stop it is, for cdk-nag."""
    queue = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key,
        enforce_ssl=True,
        retention_period=RETENTION,
    )
    for rule in ("AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy"):
        acknowledge(queue, rule, why_last)
    return queue
