"""Lambda's SQS event source mapping, locally: takes up to 10 messages from the event queue, hands
them to the sync function as one SQS event and deletes the records that succeeded; a reported batch
item failure comes back when its visibility ends, and SQS's redrive policy parks a message after
maxReceiveCount receives, as behind the real mapping."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

from invitation_sync_cli.invoker import FunctionInvoker
from local.samples import sqs_record

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

BATCH_SIZE: Final = 10


class LocalEventSourceMapping:
    def __init__(self, sqs: "SQSClient", queue_url: str, invoker: FunctionInvoker, function_name: str) -> None:
        self._sqs, self._queue_url = sqs, queue_url
        self._invoker, self._function_name = invoker, function_name
        self._queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]

    def poll_once(self, wait_seconds: int = 0) -> int:
        """One batch; returns how many messages it held."""
        messages = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=BATCH_SIZE,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        try:
            answer = self._invoker.invoke(
                self._function_name, {"Records": [sqs_record(m, self._queue_arn) for m in messages]}
            )
            failed = reported_failures(answer)
        except Exception:  # the whole batch failed: every message comes back
            failed = {message["MessageId"] for message in messages}
        receipts = {message["MessageId"]: message["ReceiptHandle"] for message in messages}
        delete_succeeded(self._sqs, self._queue_url, receipts, failed)
        return len(messages)

    @contextmanager
    def running(self) -> Iterator[None]:
        """Polls in the background, as Lambda's pollers do, until the block ends."""
        stop = threading.Event()

        def poll() -> None:
            while not stop.is_set():
                self.poll_once(wait_seconds=1)

        poller = threading.Thread(target=poll, name="event-source-mapping", daemon=True)
        poller.start()
        try:
            yield
        finally:
            stop.set()
            poller.join()


def reported_failures(response: dict[str, Any]) -> set[str]:
    """The message ids a partial batch response reports as failed."""
    return {failure["itemIdentifier"] for failure in response.get("batchItemFailures", [])}


def delete_succeeded(sqs: "SQSClient", queue_url: str, receipts: dict[str, str], failed: set[str]) -> None:
    """What the mapping does after an invocation: delete every record (message id -> receipt handle) not
    reported as failed; a failed one is left alone and comes back when its visibility ends."""
    for message_id, receipt in receipts.items():
        if message_id not in failed:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=receipt)
