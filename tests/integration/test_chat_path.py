"""Chat on the synthesized stack, on moto: the notifier's subscription (filter policy, raw delivery) brings
it the events a person hears of, its real handler publishes custom notifications to the chat topic and
parks what it cannot handle with the reason (a bad event at once; a publish that keeps failing on its
last receive), and `invitation-sync redrive --chat` moves parked notifications back."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import pytest
from moto import mock_aws

from invitation_sync.adapters.publisher import InvitationEventPublisher
from invitation_sync.handlers.chat_handler import CHAT_RECEIVES
from invitation_sync.models.published import InvitationChangedEvent
from invitation_sync_cli.main import main
from local.aws_resources import drain_published, subscribe_probe_queue
from local.cloudformation import LocalDeployment, publish_outputs
from local.environment import local_process_environment
from local.event_source_mapping import LocalEventSourceMapping
from local.faults import ClientFaults
from local.operator import LocalOperator, deploy_for_operator
from local.samples import opportunity_invitation
from tests.fixtures.iam import CallRecorder
from tests.fixtures.operator_policy import refused_by_operator_policy
from tests.infra.conftest import synthesize
from tests.unit.test_chat_messages import published

pytestmark = [pytest.mark.infra, pytest.mark.clock, pytest.mark.xdist_group("cdk")]

CHAT = {"slack": [{"workspaceId": "T012AB3CD", "channelId": "C0123ABCD"}]}
CHAT_HANDLER = "invitation_sync.handlers.chat_handler.lambda_handler"
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "schemas/chat-custom-notification.schema.json").read_text())


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return synthesize(tmp_path_factory.mktemp("cdk-chat-path"), {"chat": json.dumps(CHAT)}).raw


@dataclass(frozen=True)
class ChatPath:
    stack: LocalOperator
    mapping: LocalEventSourceMapping  # the notifier's event source mapping on its queue
    channel: str  # a probe queue subscribed to the chat topic, where the channel would be

    def output(self, key: str) -> str:
        return self.stack.deployment.outputs[key]

    def publish(self, event: InvitationChangedEvent) -> None:
        """As the sync publishes it: to the events topic, with its message attributes."""
        InvitationEventPublisher(boto3.client("sns"), self.output("TopicArn")).publish(event)

    def messages(self) -> list[dict[str, Any]]:
        """What reached the channel since the last look, each checked against the committed schema."""
        bodies = [message.body for message in drain_published(boto3.client("sqs"), self.channel)]
        for body in bodies:
            jsonschema.validate(body, SCHEMA)
        return bodies

    def parked(self) -> list[dict[str, Any]]:
        sqs = boto3.client("sqs")
        messages = sqs.receive_message(
            QueueUrl=self.output("FailedNotificationsQueueUrl"), MaxNumberOfMessages=10, VisibilityTimeout=0
        ).get("Messages", [])
        return [json.loads(message["Body"]) for message in messages]

    def waiting(self) -> int:
        attributes = boto3.client("sqs").get_queue_attributes(
            QueueUrl=self.output("ChatQueueUrl"),
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


@pytest.fixture
def chat(template: dict[str, Any]) -> Iterator[ChatPath]:
    with local_process_environment(), mock_aws():
        stack = deploy_for_operator(template)
        sqs, outputs = boto3.client("sqs"), stack.deployment.outputs
        [notifier] = [name for name, f in stack.deployment.functions.items() if f.handler == CHAT_HANDLER]
        mapping = LocalEventSourceMapping(sqs, outputs["ChatQueueUrl"], stack.invoker, notifier)
        channel = subscribe_probe_queue(boto3.client("sns"), sqs, outputs["ChatTopicArn"], "chat-channel")
        yield ChatPath(stack, mapping, channel)


def changed(
    number: int, version: int = 1, status: str = "PENDING", previous: str | None = None
) -> InvitationChangedEvent:
    """A stored change of invitation `number` as the sync publishes it, expiring 30 hours from now."""
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=30)
    response = {**opportunity_invitation(number, status=status), "ExpirationDate": expires}
    return InvitationChangedEvent.model_validate(published(response, version, previous))


def test_the_events_a_person_hears_of_reach_the_channel_as_custom_notifications(chat: ChatPath) -> None:
    chat.publish(changed(1))
    chat.publish(changed(2, version=2))  # invitation.updated: off unless configured, so filtered out by SNS
    chat.publish(changed(3, version=2, status="ACCEPTED", previous="PENDING"))

    assert chat.mapping.poll_once() == 2  # the filter policy let only two through

    new, accepted = sorted(chat.messages(), key=lambda body: body["metadata"]["threadId"])
    assert (new["metadata"]["eventType"], accepted["metadata"]["eventType"]) == (
        "invitation.created",
        "invitation.accepted",
    )
    assert "expires in 29 h" in new["content"]["description"]  # 30 h less the seconds since
    context = new["metadata"]["additionalContext"]
    [answers] = [
        name
        for name, f in chat.stack.deployment.functions.items()
        if f.handler.endswith("answer_handler.lambda_handler")
    ]
    assert context["answerFunction"].endswith(f":function:{answers}")  # the stack's own answer function
    assert new["metadata"]["enableCustomActions"] is True
    assert accepted["metadata"]["enableCustomActions"] is False
    assert chat.waiting() == 0
    assert chat.parked() == []


def test_an_event_that_cannot_become_a_message_is_parked_at_once_with_the_reason(chat: ChatPath) -> None:
    boto3.client("sqs").send_message(
        QueueUrl=chat.output("ChatQueueUrl"), MessageBody=json.dumps({"eventType": "invitation.created"})
    )

    chat.mapping.poll_once()

    [parked] = chat.parked()
    assert parked["errorType"] == "InvalidEventError"
    assert "invitation: Field required" in parked["reason"]
    assert parked["event"] == {"eventType": "invitation.created"}
    assert chat.waiting() == 0
    assert chat.messages() == []


def test_a_publish_that_keeps_failing_is_retried_then_parked_on_the_last_receive(chat: ChatPath) -> None:
    event = changed(4)
    chat.publish(event)
    sqs = boto3.client("sqs")
    # Time passes between receives: the record is back as soon as its invocation reports it failed.
    sqs.set_queue_attributes(QueueUrl=chat.output("ChatQueueUrl"), Attributes={"VisibilityTimeout": "0"})
    faults = ClientFaults().install()  # before the notifier's first invocation creates its SNS client
    faults.fail_next("sns.Publish", code="InternalError", times=3 * CHAT_RECEIVES)  # botocore's 3 attempts each
    try:
        for _ in range(CHAT_RECEIVES - 1):
            assert chat.mapping.poll_once() == 1
            assert chat.parked() == []
            assert chat.waiting() == 1
        assert chat.mapping.poll_once() == 1
    finally:
        faults.stop()

    [parked] = chat.parked()
    assert parked["errorType"] == "PublishError"
    assert parked["reason"] == f"SNS Publish of chat notification {event.event_id}: InternalError"
    assert parked["event"] == json.loads(event.model_dump_json(by_alias=True))
    assert chat.waiting() == 0
    assert chat.messages() == []


def test_redrive_chat_moves_parked_notifications_back_and_lists_what_stays(
    chat: ChatPath, capsys: pytest.CaptureFixture[str]
) -> None:
    event = changed(5)
    parked_by_us = {
        "errorType": "PublishError",
        "reason": "SNS Publish: InternalError",
        "event": json.loads(event.model_dump_json(by_alias=True)),
    }
    broken = {
        "errorType": "InvalidEventError",
        "reason": "invitation: Field required",
        "event": {"eventType": "invitation.created"},
    }
    sqs = boto3.client("sqs")
    for body in (parked_by_us, broken):
        sqs.send_message(QueueUrl=chat.output("FailedNotificationsQueueUrl"), MessageBody=json.dumps(body))

    with chat.mapping.running():
        assert main(["redrive", "--chat", "--wait", "60"], session=chat.stack.session, invoker=chat.stack.invoker) == 0

    out = capsys.readouterr().out
    assert "moved back to the chat queue: 2 (completed)" in out
    [message] = chat.messages()
    assert message["id"] == event.event_id
    assert "still parked in the failed-notifications queue (1):" in out
    assert "  not a published invitation event: InvalidEventError: " in out
    assert "not an invitation event" not in out
    assert len(chat.parked()) == 1  # listed, never consumed


def test_every_call_redrive_chat_sends_is_allowed_by_the_readme_operator_policy(
    chat: ChatPath, template: dict[str, Any]
) -> None:
    """moto checks no IAM: the calls of a chat redrive (a notification that fails again stays listed as
    parked), with the KMS use each implies, against the README's policy on CloudFormation's names."""
    broken = {"errorType": "InvalidEventError", "reason": "invitation", "event": {"eventType": "invitation.created"}}
    boto3.client("sqs").send_message(
        QueueUrl=chat.output("FailedNotificationsQueueUrl"), MessageBody=json.dumps(broken)
    )

    with CallRecorder(chat.stack.session) as recorder, recorder.acting_as("operator"), chat.mapping.running():
        assert main(["redrive", "--chat", "--wait", "60"], session=chat.stack.session) == 0

    sent = {call.operation for call in recorder.calls}
    assert {"DescribeStacks", "StartMessageMoveTask", "ListMessageMoveTasks", "ChangeMessageVisibilityBatch"} <= sent
    denied = refused_by_operator_policy(template, chat.stack.deployment, recorder.calls)
    assert not denied, "AccessDenied in AWS:\n" + "\n".join(denied)


def test_redrive_chat_on_a_stack_without_chat_names_the_setting(
    chat: ChatPath, capsys: pytest.CaptureFixture[str]
) -> None:
    publish_outputs(boto3.client("cloudformation"), "NoChat", LocalDeployment(outputs={"TableName": "t"}))

    assert main(["redrive", "--chat", "--stack", "NoChat"], session=chat.stack.session) == 1

    assert capsys.readouterr().err.strip() == (
        "invitation-sync redrive: stack NoChat has no chat notifier (no output FailedNotificationsQueueUrl): chat "
        "is deployed only with the chat setting in cdk.json (README: Chat)"
    )
