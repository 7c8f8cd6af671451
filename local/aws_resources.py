"""Creates the sync's table, topic and a probe queue on a local AWS (moto), for tests and the demo."""

import functools
import json
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from invitation_sync.adapters.table_design import INDEXES, KEY_ATTRIBUTES, PARTITION_KEY, SORT_KEY

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient


@dataclass(frozen=True)
class LocalResources:
    table_name: str
    topic_arn: str
    probe_queue_url: str  # subscribed to the topic: shows what was published
    failed_events_queue_url: str
    event_queue_url: str


def create_table(dynamodb: "DynamoDBClient", table_name: str) -> None:
    dynamodb.create_table(
        TableName=table_name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in KEY_ATTRIBUTES],
        KeySchema=[
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.partition_key, "KeyType": "HASH"},
                    {"AttributeName": index.sort_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in INDEXES
        ],
    )


def subscribe_probe_queue(sns: "SNSClient", sqs: "SQSClient", topic_arn: str, name: str) -> str:
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return queue_url


def create_resources(
    dynamodb: "DynamoDBClient", sns: "SNSClient", sqs: "SQSClient", prefix: str = "invitation-sync"
) -> LocalResources:
    table_name = f"{prefix}-invitations"
    create_table(dynamodb, table_name)
    topic_arn = sns.create_topic(Name=f"{prefix}-invitation-events")["TopicArn"]
    return LocalResources(
        table_name,
        topic_arn,
        subscribe_probe_queue(sns, sqs, topic_arn, f"{prefix}-probe"),
        sqs.create_queue(QueueName=f"{prefix}-failed-events")["QueueUrl"],
        sqs.create_queue(QueueName=f"{prefix}-events")["QueueUrl"],
    )


@dataclass(frozen=True)
class PublishedMessage:
    body: dict[str, Any]
    attributes: dict[str, str]


def drain_published(sqs: "SQSClient", queue_url: str) -> list[PublishedMessage]:
    """Every message the probe queue holds (SNS envelope unwrapped), removed from the queue."""
    messages: list[PublishedMessage] = []
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in batch:
            envelope = json.loads(message["Body"])
            attributes = {name: value["Value"] for name, value in envelope.get("MessageAttributes", {}).items()}
            messages.append(PublishedMessage(json.loads(envelope["Message"]), attributes))
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
        )
    return messages


_ITEM_LOCK = threading.RLock()


def make_moto_item_writes_atomic() -> None:
    """DynamoDB applies a conditional write atomically; moto does not lock, so concurrent tests would see
    races AWS never has. Serialize moto's item operations to restore the guarantee. Idempotent."""
    from moto.dynamodb.models import DynamoDBBackend  # noqa: PLC0415 - moto is a dev dependency

    for name in ("put_item", "get_item", "update_item", "delete_item", "transact_write_items"):
        method = getattr(DynamoDBBackend, name)
        if getattr(method, "_serialized", False):
            continue

        def serialized(*args: Any, __method: Any = method, **kwargs: Any) -> Any:
            with _ITEM_LOCK:
                return __method(*args, **kwargs)

        serialized._serialized = True  # type: ignore[attr-defined]
        setattr(DynamoDBBackend, name, functools.wraps(method)(serialized))
