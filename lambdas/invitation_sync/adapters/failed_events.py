"""SQS adapter for the failed-events queue: events that no retry can fix, kept with their reason."""

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from invitation_sync.adapters.aws import error_code
from invitation_sync.observability import tracer

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

MAX_BODY_BYTES: Final = 256 * 1024


@dataclass(frozen=True)
class FailedEvent:
    """One parked message: the original event (None if unrecognisable) and why it failed."""

    receipt_handle: str
    message_id: str
    event: Any
    reason: str


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

    @tracer.capture_method(capture_response=False)
    def receive(self, limit: int = 10, hide_for_seconds: int = 300) -> list[FailedEvent]:
        """Up to `limit` (max 10) messages, hidden from other readers while a redrive works on them."""
        try:
            response = self._client.receive_message(
                QueueUrl=self._queue_url,
                MaxNumberOfMessages=min(limit, 10),
                VisibilityTimeout=hide_for_seconds,
                MessageAttributeNames=["All"],
                WaitTimeSeconds=1,
            )
        except (ClientError, BotoCoreError) as error:
            code = error_code(error)
            raise DeadLetterError(f"SQS ReceiveMessage from the failed-events queue: {code}") from error
        return [_failed_event(message) for message in response.get("Messages", [])]

    @tracer.capture_method(capture_response=False)
    def delete(self, failed: FailedEvent) -> None:
        self._client.delete_message(QueueUrl=self._queue_url, ReceiptHandle=failed.receipt_handle)


def _failed_event(message: Any) -> FailedEvent:
    """Reads the three shapes that land in the queue: ours, Lambda's on-failure destination record,
    and EventBridge's dead-lettered event (reason in message attributes)."""
    handle, message_id = message["ReceiptHandle"], message["MessageId"]
    try:
        body = json.loads(message["Body"])
    except json.JSONDecodeError:
        return FailedEvent(handle, message_id, None, "message body is not JSON")
    if isinstance(body, dict) and "event" in body:
        return FailedEvent(handle, message_id, body["event"], f"{body.get('errorType')}: {body.get('reason')}")
    if isinstance(body, dict) and "requestPayload" in body:
        response = body.get("responsePayload") or {}
        reason = f"{response.get('errorType', 'Lambda')}: {response.get('errorMessage', body.get('requestContext'))}"
        return FailedEvent(handle, message_id, body["requestPayload"], reason)
    if isinstance(body, dict) and "detail-type" in body:
        attributes = message.get("MessageAttributes", {})
        code = attributes.get("ERROR_CODE", {}).get("StringValue", "EventBridge")
        return FailedEvent(
            handle, message_id, body, f"{code}: {attributes.get('ERROR_MESSAGE', {}).get('StringValue')}"
        )
    return FailedEvent(handle, message_id, None, "not an invitation event nor a failure record")
