"""The README's ready-to-paste subscription (Subscribe a consumer), run against the local stack: its queue policy
lets SNS in for this topic only, and its subscription attributes deliver the raw event its filter selects."""

import json
import re
from typing import Any

import boto3
import pytest

from invitation_sync_cli.resource_policy import ServiceRequest, judge
from local.samples import opportunity_invitation
from tests.conftest import REPO, LocalAws
from tests.integration.test_reminders import store_invitation

HEREDOC = re.compile(r"cat > (\S+) <<('?)EOF\2\n(.*?)\nEOF\n", re.S)


def readme_commands() -> tuple[list[str], dict[str, tuple[str, bool]]]:
    """The section's shell block as whole commands, and each file it writes: (content, variables expanded)."""
    section = (REPO / "README.md").read_text().split("## Subscribe a consumer", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "README: Subscribe a consumer has no shell block"
    files = {name: (content, not quoted) for name, quoted, content in HEREDOC.findall(block.group(1))}
    commands = HEREDOC.sub("", block.group(1)).replace("\\\n", " ")
    return [" ".join(line.split()) for line in commands.splitlines() if "aws " in line], files


def command(commands: list[str], start: str) -> str:
    """The one command that runs `start`, alone or inside `$(...)`."""
    [found] = [line[line.index(start) :] for line in commands if start in line]
    return found


def written(files: dict[str, tuple[str, bool]], name: str, variables: dict[str, str]) -> str:
    """A file as bash writes it: `$NAME` expanded unless the heredoc's delimiter is quoted."""
    content, expanded = files[name]
    if expanded:
        content = re.sub(r"\$(\w+)", lambda match: variables[match[1]], content)
    return content + "\n"


def jq_attributes(line: str, files: dict[str, tuple[str, bool]], variables: dict[str, str]) -> dict[str, str]:
    """The attribute map `jq -n --rawfile NAME FILE '{Key: $NAME, Key: "text"}'` builds for `--attributes`."""
    rawfiles = dict(re.findall(r"--rawfile (\w+) (\S+)", line))
    template = re.search(r"'\{(.*?)\}'", line)
    assert template, line
    attributes = {}
    for key, value in re.findall(r'(\w+): (\$\w+|"[^"]*")', template[1]):
        attributes[key] = written(files, rawfiles[value[1:]], variables) if value[0] == "$" else json.loads(value)
    return attributes


def test_the_readme_subscription_delivers_the_raw_event_its_filter_selects(local_aws: LocalAws) -> None:
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    commands, files = readme_commands()
    queue_name = re.search(r"--queue-name (\S+)", command(commands, "aws sqs create-queue"))
    assert queue_name
    queue_url = sqs.create_queue(QueueName=queue_name[1], Attributes={"SqsManagedSseEnabled": "true"})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic_arn = local_aws.resources.topic_arn
    variables = {"QUEUE_ARN": queue_arn, "TOPIC_ARN": topic_arn}

    queue_attributes = jq_attributes(command(commands, "aws sqs set-queue-attributes"), files, variables)
    policy = json.loads(queue_attributes["Policy"])
    sent_by = {
        topic: judge(
            policy, ServiceRequest("sns.amazonaws.com", "sqs:SendMessage", queue_arn, {"aws:SourceArn": topic})
        )
        for topic in (topic_arn, topic_arn + "-other")
    }
    assert (sent_by[topic_arn].allowed, sent_by[topic_arn + "-other"].allowed) == (True, False)
    assert set(queue_attributes) == {"Policy"}
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": queue_attributes["Policy"]})

    subscribe = command(commands, "aws sns subscribe")
    assert "--protocol sqs" in subscribe
    assert '--notification-endpoint "$QUEUE_ARN"' in subscribe
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes=jq_attributes(subscribe, files, variables),
        ReturnSubscriptionArn=True,
    )
    pending, accepted = opportunity_invitation(60), opportunity_invitation(61)
    store_invitation(local_aws, pending)
    store_invitation(local_aws, accepted)
    store_invitation(local_aws, {**accepted, "Status": "ACCEPTED"}, "Accepted")

    received = received_raw(sqs, queue_url)
    assert [(body["eventType"], body["invitation"]["id"], attributes) for body, attributes in received] == [
        ("invitation.accepted", accepted["Id"], {"eventType": "invitation.accepted", "status": "ACCEPTED"})
    ]


def received_raw(sqs: Any, queue_url: str) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """Raw delivery: the body is the event itself, the attributes are SQS message attributes."""
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    return [
        (
            json.loads(message["Body"]),
            {
                name: value["StringValue"]
                for name, value in message.get("MessageAttributes", {}).items()
                if name in ("eventType", "status")
            },
        )
        for message in messages.get("Messages", [])
    ]


@pytest.mark.parametrize("quoted", [True, False])
def test_a_heredoc_is_written_as_bash_writes_it(quoted: bool) -> None:
    files = {"f.json": ('{"a": "$X"}', not quoted)}
    assert written(files, "f.json", {"X": "arn"}) == ('{"a": "$X"}\n' if quoted else '{"a": "arn"}\n')
