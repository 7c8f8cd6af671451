"""The pieces of `invitation-sync redrive` that do not need the event path: the local stand-in for
SQS's message move tasks answers as SQS does, and reading what stays parked consumes nothing."""

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from invitation_sync_cli.redrive import FailedEventsRedrive
from local.environment import local_process_environment
from local.message_move_tasks import MessageMoveTasks
from local.samples import invitation_event, opportunity_invitation

pytestmark = pytest.mark.clock


@pytest.fixture
def queues() -> Iterator[dict[str, str]]:
    with local_process_environment(), mock_aws():
        sqs = boto3.client("sqs")
        parked = sqs.create_queue(QueueName="failed-events")["QueueUrl"]
        parked_arn = sqs.get_queue_attributes(QueueUrl=parked, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = json.dumps({"deadLetterTargetArn": parked_arn, "maxReceiveCount": "3"})
        events = sqs.create_queue(QueueName="invitation-events", Attributes={"RedrivePolicy": policy})["QueueUrl"]
        yield {
            "parked": parked,
            "parked_arn": parked_arn,
            "events": events,
            "other": sqs.create_queue(QueueName="x")["QueueUrl"],
        }


def session_with_move_tasks(listing_lag: int = 0) -> Any:
    session = boto3.Session(region_name="us-east-1")
    MessageMoveTasks(listing_lag=listing_lag).install(session)
    return session.client("sqs")


def arn(url: str) -> str:
    return boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def test_the_move_task_stand_in_validates_and_moves_like_sqs(queues: dict[str, str]) -> None:
    sqs = session_with_move_tasks()
    for number in range(15):
        boto3.client("sqs").send_message(
            QueueUrl=queues["parked"],
            MessageBody=json.dumps({"n": number}),
            MessageAttributes={"ERROR_CODE": {"DataType": "String", "StringValue": "X"}},
        )
    with pytest.raises(ClientError, match="must be configured as a Dead Letter Queue"):
        sqs.start_message_move_task(SourceArn=arn(queues["other"]), DestinationArn=arn(queues["events"]))

    handle = sqs.start_message_move_task(SourceArn=queues["parked_arn"], DestinationArn=arn(queues["events"]))
    with pytest.raises(ClientError, match="Only one active task") as refused:
        sqs.start_message_move_task(SourceArn=queues["parked_arn"], DestinationArn=arn(queues["events"]))
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValue"

    first = sqs.list_message_move_tasks(SourceArn=queues["parked_arn"])["Results"][0]
    assert first["Status"] == "RUNNING"
    assert first["TaskHandle"] == handle["TaskHandle"]
    assert first["ApproximateNumberOfMessagesToMove"] == 15
    final = sqs.list_message_move_tasks(SourceArn=queues["parked_arn"])["Results"][0]
    assert final["Status"] == "COMPLETED"
    assert final["ApproximateNumberOfMessagesMoved"] == 15
    assert "TaskHandle" not in final
    moved = []
    while (
        batch := boto3.client("sqs")
        .receive_message(QueueUrl=queues["events"], MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        .get("Messages", [])
    ):
        moved += batch
        for message in batch:
            boto3.client("sqs").delete_message(QueueUrl=queues["events"], ReceiptHandle=message["ReceiptHandle"])
    assert sorted(json.loads(m["Body"])["n"] for m in moved) == list(range(15))
    assert all(m["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "X" for m in moved)


def test_a_redrive_run_again_at_once_reports_its_own_task_not_the_one_before(queues: dict[str, str]) -> None:
    """SQS may list a task it has just started only a look later; until then the latest it lists is the
    earlier redrive's finished task, whose counts must not be taken for this one's."""
    sqs = session_with_move_tasks(listing_lag=1)
    redrive = FailedEventsRedrive(sqs, queues["parked"], queues["events"], report=lambda _: None, sleep=lambda _: None)
    results = []
    for count in (3, 2):
        for number in range(count):
            sqs.send_message(QueueUrl=queues["parked"], MessageBody=json.dumps({"n": number}))
        results.append(redrive.move_back())

    assert [(result.status, result.moved) for result in results] == [("COMPLETED", 3), ("COMPLETED", 2)]
    visible = sqs.get_queue_attributes(QueueUrl=queues["events"], AttributeNames=["ApproximateNumberOfMessages"])
    assert visible["Attributes"]["ApproximateNumberOfMessages"] == "5"


def test_what_stays_parked_is_described_and_nothing_is_consumed(queues: dict[str, str]) -> None:
    sqs = boto3.client("sqs")
    bad = {**invitation_event(opportunity_invitation(1)), "detail": {"catalog": "Foo"}}
    good = invitation_event(opportunity_invitation(2))
    moved = invitation_event(opportunity_invitation(3))
    scheduled = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    bodies: list[tuple[str, dict[str, Any]]] = [
        (json.dumps({"errorType": "InvalidEventError", "reason": "detail.catalog: Foo", "event": bad}), {}),
        (json.dumps(good), {"ERROR_CODE": {"DataType": "String", "StringValue": "RETRIES_EXHAUSTED"}}),
        (json.dumps(moved), {}),  # moved by the event queue's redrive policy: no reason of ours
        (json.dumps({"requestPayload": scheduled, "responsePayload": {"errorType": "StoreUnavailableError"}}), {}),
        ("not json", {}),
        (
            json.dumps({"errorType": "InvalidEventError", "reason": "source", "event": {"requestPayload": scheduled}}),
            {},
        ),
    ]
    for body, attributes in bodies:
        sqs.send_message(QueueUrl=queues["parked"], MessageBody=body, MessageAttributes=attributes)
    redrive = FailedEventsRedrive(sqs, queues["parked"], queues["events"], report=lambda _: None)

    described = redrive.parked()
    parked = {event.what: event for event in described}

    assert set(parked) == {
        "malformed invitation event (detail.catalog: Input should be 'AWS' or 'Sandbox')",
        "AWS/engi-0000000000002",
        "AWS/engi-0000000000003",
        "not an invitation event: aws.events / Scheduled Event",
        "not an invitation event: the body is not JSON",
    }
    assert parked["AWS/engi-0000000000002"].reason.startswith("EventBridge could not deliver it: RETRIES_EXHAUSTED")
    assert parked["AWS/engi-0000000000003"].reason.startswith("moved by the event queue after its last delivery")
    scheduled_runs = [e for e in described if e.what == "not an invitation event: aws.events / Scheduled Event"]
    assert sorted(e.reason for e in scheduled_runs) == ["InvalidEventError: source", "StoreUnavailableError"]
    assert not any(e.is_invitation for e in scheduled_runs)
    assert redrive.waiting() == 6
    visible = sqs.get_queue_attributes(QueueUrl=queues["parked"], AttributeNames=["ApproximateNumberOfMessages"])
    assert visible["Attributes"]["ApproximateNumberOfMessages"] == "6"  # visible again at once
