"""`make demo`'s chat step: the messages a team's channel gets for a new invitation, a reminder and an
acceptance, printed as text.

The demo's published events go through the chat notifier (the use case and its SNS adapter) to a chat
topic on the local AWS; what a channel subscribed to that topic receives is checked against the
committed custom-notification schema and shown roughly as Slack or Teams would lay it out.
"""

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

import boto3
import jsonschema
from rich.console import Console

from infra.settings import DEFAULT_INVITATION_LINK
from invitation_sync.adapters.chat_topic import ChatTopic
from invitation_sync.chat_messages import ACCEPT_BUTTON, REJECT_BUTTON, AnswerButtons
from invitation_sync.chat_notifier import ChatNotifier
from local.aws_resources import PublishedMessage, drain_published, subscribe_probe_queue
from local.operator import LocalOperator

ANSWER_HANDLER: Final = "invitation_sync.handlers.answer_handler.lambda_handler"
SHOWN: Final = ("invitation.created", "invitation.expiring", "invitation.accepted")
SCHEMA: Final = Path(__file__).resolve().parents[1] / "schemas" / "chat-custom-notification.schema.json"


def show_chat_messages(
    operator: LocalOperator, published: Sequence[PublishedMessage], expect: Callable[[bool, str], None]
) -> None:
    """The first published event of each type in SHOWN, as its chat message; `expect` checks each step."""
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic_arn = sns.create_topic(Name="demo-chat")["TopicArn"]
    channel = subscribe_probe_queue(sns, sqs, topic_arn, "demo-chat-channel")
    deployment = operator.deployment
    [answers] = [
        name for name, f in deployment.functions.items() if f.handler.endswith("answer_handler.lambda_handler")
    ]
    answer_arn = deployment.arns[answers]
    notifier = ChatNotifier(
        ChatTopic(sns, topic_arn), link_template=DEFAULT_INVITATION_LINK, buttons=AnswerButtons(answer_arn)
    )
    for event_type in SHOWN:
        first = next((message.body for message in published if message.body["eventType"] == event_type), None)
        expect(first is not None, f"the demo published no {event_type} to show in chat")
        notifier.notify(first)
    received = [message.body for message in drain_published(sqs, channel)]
    schema = json.loads(SCHEMA.read_text())
    for body in received:
        jsonschema.validate(body, schema)
    by_type = {body["metadata"]["eventType"]: body for body in received}
    expect(list(by_type) == list(SHOWN), f"the chat topic got {list(by_type)}, expected {list(SHOWN)}")
    new, accepted = by_type["invitation.created"], by_type["invitation.accepted"]
    expect(
        new["metadata"]["additionalContext"].get("answerFunction") == answer_arn,
        "a PENDING invitation's message carries the answer function for its buttons",
    )
    expect(not accepted["metadata"]["enableCustomActions"], "an answered invitation's message carries no buttons")

    console = Console(width=None if sys.stdout.isatty() else 150, highlight=False)
    console.print(
        f"[bold]chat messages[/bold] ({len(received)}; each as the chat topic got it, valid against {SCHEMA.name})"
    )
    for body in received:
        for line in render(body):
            console.print(line, markup=False, soft_wrap=True)


def render(notification: dict[str, Any]) -> list[str]:
    """A custom notification as lines of text: title, facts, next steps, buttons, the thread it joins."""
    content, metadata = notification["content"], notification["metadata"]
    lines = [f"┌ {content['title']}"]
    lines += [f"│ {line}" for line in content["description"].splitlines()]
    lines += [f"│ • {step}" for step in content.get("nextSteps", [])]
    if metadata.get("enableCustomActions"):
        lines.append(f"│ [{ACCEPT_BUTTON}] [{REJECT_BUTTON}]")
    lines.append(f"└ thread {metadata['threadId']} · tags: {', '.join(content.get('keywords', []))}")
    return lines
