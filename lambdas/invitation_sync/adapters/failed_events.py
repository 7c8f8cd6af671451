"""SQS adapter for the failed-events queue: events that no retry can fix, kept with their reason."""

import json
from typing import TYPE_CHECKING, Final

from botocore.exceptions import BotoCoreError, ClientError

from invitation_sync.adapters.aws import error_code
from invitation_sync.observability import tracer

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

MAX_BODY_BYTES: Final = 256 * 1024


class DeadLetterError(Exception):
    """The failed-events queue refused the message: the caller must fail loudly instead."""


class FailedEventQueue:
    def __init__(self, client: "SQSClient", queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    @tracer.capture_method(capture_response=False)
    def send(self, event: object, reason: str, error_type: str, failed_at: str) -> str:
        """Park `event` with why it failed; `invitation-sync redrive` reads these back."""
        body = json.dumps(
            {"errorType": error_type, "reason": reason, "failedAt": failed_at, "event": event}, default=repr
        )
        if len(body.encode()) > MAX_BODY_BYTES:  # an oversized event is kept truncated, never dropped
            body = json.dumps(
                {"errorType": error_type, "reason": reason, "failedAt": failed_at, "eventTruncated": body[:200_000]}
            )
        try:
            response = self._client.send_message(
                QueueUrl=self._queue_url,
                MessageBody=body,
                MessageAttributes={
                    "errorType": {"DataType": "String", "StringValue": error_type},
                    "source": {"DataType": "String", "StringValue": "invitation-sync"},
                },
            )
        except (ClientError, BotoCoreError) as error:
            code = error_code(error)
            raise DeadLetterError(f"SQS SendMessage to the failed-events queue: {code}") from error
        return response["MessageId"]
