"""SQS adapter for the sync function's own event queue.

Lambda's event source mapping receives and deletes the records; this adapter only decides when a
failed record is seen again: a growing delay per record instead of the queue-wide visibility timeout.
"""

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from invitation_sync.adapters.aws import error_code
from invitation_sync.errors import EventQueueError
from invitation_sync.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class EventQueue:
    def __init__(self, client: "SQSClient", queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def enqueue(self, event: object) -> str:
        """Put one EventBridge event on the queue as the rule would; SQS's message id. Failing raises, so
        the direct invocation that carried it is retried by Lambda."""
        try:
            return self._client.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps(event))["MessageId"]
        except (ClientError, BotoCoreError) as error:
            raise EventQueueError(f"SQS SendMessage to the event queue: {error_code(error)}") from error

    def delay_retries(self, delays: Mapping[str, int]) -> None:
        """Make each record (by receipt handle) visible again after its delay. Best effort: where it
        fails, the queue's own visibility timeout applies, which only retries later."""
        entries = [
            {"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": seconds}
            for index, (handle, seconds) in enumerate(delays.items())
        ]
        for start in range(0, len(entries), 10):
            try:
                answer = self._client.change_message_visibility_batch(
                    QueueUrl=self._queue_url,
                    Entries=entries[start : start + 10],  # type: ignore[arg-type]
                )
            except (ClientError, BotoCoreError) as error:
                logger.warning("retry delays not set: the queue's visibility timeout applies", error=error_code(error))
                continue
            if answer.get("Failed"):
                logger.warning("some retry delays not set", failed=[entry["Code"] for entry in answer["Failed"]])
