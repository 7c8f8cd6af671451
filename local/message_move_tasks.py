"""SQS's dead-letter redrive for moto, which has no StartMessageMoveTask or ListMessageMoveTasks:
botocore hooks on a session answer both in botocore's shape and move the messages with moto's own
SQS calls. As in AWS: the source must be another queue's dead-letter queue, one active task per
source, and a task moves a little on every look, so a caller has to follow it to the end. `listing_lag`
plays SQS listing a task it just started only after a few looks (until then the earlier task is the latest)."""

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import boto3
from botocore.awsrequest import AWSResponse, HTTPHeaders

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

MESSAGES_PER_LOOK: Final = 10
ONE_TASK_PER_SOURCE: Final = (
    "There is already a task running. Only one active task is allowed for a source queue arn at a given time."
)


@dataclass
class _Task:
    handle: str
    source_arn: str
    destination_arn: str
    to_move: int
    started: int
    moved: int = 0
    status: str = "RUNNING"
    unlisted_looks: int = 0


class MessageMoveTasks:
    def __init__(self, sqs: Callable[[], "SQSClient"] = lambda: boto3.client("sqs"), listing_lag: int = 0) -> None:
        self._sqs = sqs  # a client without these hooks: the move itself runs on moto
        self._listing_lag = listing_lag
        self.tasks: list[_Task] = []

    def install(self, session: boto3.Session) -> None:
        events = session.events
        for operation in ("StartMessageMoveTask", "ListMessageMoveTasks"):
            events.register(f"before-parameter-build.sqs.{operation}", _keep_params)
        # A before-call handler that returns (http response, parsed) stands in for the request.
        events.register("before-call.sqs.StartMessageMoveTask", self._start)  # type: ignore[arg-type]
        events.register("before-call.sqs.ListMessageMoveTasks", self._list)  # type: ignore[arg-type]

    def _start(self, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        params, sqs = context["move_task_params"], self._sqs()
        source, destination = params["SourceArn"], params.get("DestinationArn")
        urls = {self._arn(sqs, url): url for url in sqs.list_queues().get("QueueUrls", [])}
        if source not in urls or (destination and destination not in urls):
            return _error(
                "ResourceNotFoundException",
                "The resource that you specified for the SourceArn parameter doesn't exist.",
            )
        if not destination:
            return _error("InvalidParameterValue", "This stand-in moves to an explicit DestinationArn only.")
        if not any(_dead_letter_target(sqs, url) == source for url in urls.values()):
            return _error("InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue.")
        if any(task.source_arn == source and task.status == "RUNNING" for task in self.tasks):
            return _error("InvalidParameterValue", ONE_TASK_PER_SOURCE)
        visible = sqs.get_queue_attributes(QueueUrl=urls[source], AttributeNames=["ApproximateNumberOfMessages"])
        task = _Task(
            f"{uuid.uuid4()}",
            source,
            destination,
            int(visible["Attributes"]["ApproximateNumberOfMessages"]),
            _millis(),
            unlisted_looks=self._listing_lag,
        )
        self.tasks.insert(0, task)
        return _ok({"TaskHandle": task.handle})

    def _list(self, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        source = context["move_task_params"]["SourceArn"]
        ours = [task for task in self.tasks if task.source_arn == source]
        tasks = [task for task in ours if not task.unlisted_looks][: context["move_task_params"].get("MaxResults", 1)]
        for task in ours:
            task.unlisted_looks = max(0, task.unlisted_looks - 1)
        for task in tasks:
            if task.status == "RUNNING":
                self._advance(task)
        return _ok({"Results": [_entry(task) for task in tasks]})

    def _advance(self, task: _Task) -> None:
        sqs = self._sqs()
        source, destination = (
            sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"]
            for arn in (task.source_arn, task.destination_arn)
        )
        messages = sqs.receive_message(
            QueueUrl=source,
            MaxNumberOfMessages=min(MESSAGES_PER_LOOK, task.to_move - task.moved) or 1,
            MessageAttributeNames=["All"],
            VisibilityTimeout=30,
        ).get("Messages", [])
        for message in messages:
            sqs.send_message(
                QueueUrl=destination,
                MessageBody=message["Body"],
                MessageAttributes=message.get("MessageAttributes", {}),
            )
            sqs.delete_message(QueueUrl=source, ReceiptHandle=message["ReceiptHandle"])
        task.moved += len(messages)
        if not messages or task.moved >= task.to_move:
            task.status = "COMPLETED"

    @staticmethod
    def _arn(sqs: "SQSClient", url: str) -> str:
        return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context["move_task_params"] = dict(params)


def _dead_letter_target(sqs: "SQSClient", url: str) -> str | None:
    policy = (
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
        .get("Attributes", {})
        .get("RedrivePolicy")
    )
    return json.loads(policy)["deadLetterTargetArn"] if policy else None


def _entry(task: _Task) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Status": task.status,
        "SourceArn": task.source_arn,
        "DestinationArn": task.destination_arn,
        "ApproximateNumberOfMessagesMoved": task.moved,
        "ApproximateNumberOfMessagesToMove": task.to_move,
        "StartedTimestamp": task.started,
    }
    if task.status == "RUNNING":
        entry["TaskHandle"] = task.handle  # AWS returns the handle of running tasks only
    return entry


def _millis() -> int:
    return int(time.time() * 1000)


def _ok(parsed: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
    return AWSResponse("https://sqs.local", 200, HTTPHeaders(), None), {
        **parsed,
        "ResponseMetadata": {"HTTPStatusCode": 200},
    }


def _error(code: str, message: str) -> tuple[AWSResponse, dict[str, Any]]:
    parsed = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}}
    return AWSResponse("https://sqs.local", 400, HTTPHeaders(), None), parsed
