"""Lambda's SQS event source mapping, played locally on the event queue (moto): events are sent as the
rule sends them, received with their real receipt handles and receive counts, handed to the real sync
handler as one batch, and the records that succeeded are deleted, as the mapping does.

`receive_count` receives each record that many times before the handler sees it: on the last receive
(budgets.EVENT_RECEIVES) the handler parks a record that still fails, as in AWS.
"""

import json
import os
from typing import TYPE_CHECKING, Any

import boto3

from invitation_sync.handlers.sync_handler import lambda_handler, sync_batch
from local.event_source_mapping import delete_succeeded, reported_failures
from local.lambda_context import lambda_context
from local.samples import sqs_record

_POLLS = 200

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import MessageTypeDef


def deliver(event: object, receive_count: int = 1) -> dict[str, Any]:
    """One event through the sync handler's batch processing; its record's outcome."""
    lambda_event = _delivered(event, receive_count=receive_count)
    batch = sync_batch(lambda_event, lambda_context())
    _delete_succeeded(lambda_event, batch.response)
    [outcome] = batch.outcomes.values()
    return dict(outcome)


def invoke(*events: object, receive_count: int = 1) -> dict[str, Any]:
    """The events through the deployed entry point (decorators included); Lambda's partial batch response."""
    event = _delivered(*events, receive_count=receive_count)
    response: dict[str, Any] = lambda_handler(event, lambda_context())
    _delete_succeeded(event, response)
    return response


def _queue_url() -> str:
    return os.environ["INVITATION_EVENTS_QUEUE_URL"]


def _delivered(*events: object, receive_count: int) -> dict[str, Any]:
    """Send the events, then receive them `receive_count` times; the last receive is the Lambda event."""
    sqs = boto3.client("sqs")
    ours = [
        sqs.send_message(QueueUrl=_queue_url(), MessageBody=event if isinstance(event, str) else json.dumps(event))[
            "MessageId"
        ]
        for event in events
    ]
    received: dict[str, MessageTypeDef] = {}
    for attempt in range(1, receive_count + 1):
        last = attempt == receive_count
        received = {}
        for _ in range(_POLLS):  # other deliveries (threads) may hold our records for a moment
            for message in sqs.receive_message(
                QueueUrl=_queue_url(),
                MaxNumberOfMessages=10,
                AttributeNames=["All"],
                VisibilityTimeout=300 if last else 0,
            ).get("Messages", []):
                if message["MessageId"] in ours:
                    received[message["MessageId"]] = message
                else:  # another delivery's record: give it back at once
                    sqs.change_message_visibility(
                        QueueUrl=_queue_url(), ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                    )
            if len(received) == len(ours):
                break
        else:
            raise AssertionError("the event queue did not return the events just sent")
    queue_arn = sqs.get_queue_attributes(QueueUrl=_queue_url(), AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return {"Records": [sqs_record(received[message_id], queue_arn) for message_id in ours]}


def _delete_succeeded(event: dict[str, Any], response: dict[str, Any]) -> None:
    receipts = {record["messageId"]: record["receiptHandle"] for record in event["Records"]}
    delete_succeeded(boto3.client("sqs"), _queue_url(), receipts, reported_failures(response))
