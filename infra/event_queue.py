"""The event queue between the rule and the sync function (and, the same way, between the events topic
and the chat notifier).

It lets the event source mapping bound the sync's concurrency (no reserved concurrency, which a new
account cannot deploy), lets the function delay each failed record's retry, and parks what keeps
failing in the failed-events queue through SQS's own redrive policy.
"""

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from invitation_sync.budgets import QUEUE_RECEIVES

# Lambda's guidance for an SQS event source: at least six times the function's timeout, so a batch whose
# invocation was throttled is retried by the mapping before its records become visible again.
VISIBILITY_TIMEOUT_FACTOR = 6
RETENTION = Duration.days(4)  # far beyond the retry delays; parked records stay 14 days


class InvitationEventQueue(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key: kms.IKey,
        failed_events: sqs.IQueue,
        consumer_timeout: Duration,
        max_receives: int = QUEUE_RECEIVES,
    ) -> None:
        super().__init__(scope, construct_id)
        self.queue = sqs.Queue(
            self,
            "Queue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(VISIBILITY_TIMEOUT_FACTOR * consumer_timeout.to_seconds()),
            retention_period=RETENTION,
            # The function parks a record itself on its last receive, with the reason; SQS moves it only
            # if invocations never finished (crashes, timeouts) or throttles used up the receives.
            dead_letter_queue=sqs.DeadLetterQueue(queue=failed_events, max_receive_count=max_receives),
        )
