"""Chat in the template: nothing without the setting; with it, the notifier's subscription and filter
policy, the channel configurations, guardrails, and buttons whose variables match the messages."""

import json
import re
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template
from pydantic import ValidationError

from infra.chat_channels import ChatChannels
from infra.settings import ChatSettings, InvalidSettingsError, StackSettings
from invitation_sync.chat_messages import AnswerButtons, NotifiedEvent, chat_message
from invitation_sync.handlers.chat_handler import CHAT_RECEIVES
from invitation_sync.models.answer import AnswerRequest
from tests.infra.conftest import Synthesized, synthesize
from tests.unit.test_chat_messages import NOW, expiring_in, published

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("cdk")]

CHAT = {
    "slack": [{"workspaceId": "T012AB3CD", "channelId": "C0123ABCD"}],
    "teams": [
        {
            "teamId": "0a1b2c3d-0000-4000-8000-00000000abcd",
            "channelId": "19%3Aabc123%40thread.tacv2",
            "tenantId": "0a1b2c3d-0000-4000-8000-00000000ef01",
        }
    ],
}
ANSWER_ARN = "arn:aws:lambda:us-east-1:111122223333:function:InvitationSync-Answer"


@pytest.fixture(scope="module")
def chat_stack(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(tmp_path_factory.mktemp("cdk-chat"), {"chat": json.dumps(CHAT)})


def test_without_the_setting_nothing_chat_related_is_deployed(default_stack: Synthesized) -> None:
    assert not [name for name, r in default_stack.raw["Resources"].items() if r["Type"].startswith("AWS::Chatbot")]
    assert not [name for name in default_stack.raw["Resources"] if name.startswith("Chat")]


def test_the_notifier_subscribes_with_a_filter_policy_and_raw_delivery(chat_stack: Synthesized) -> None:
    (subscription,) = [
        r["Properties"]
        for name, r in chat_stack.resources("AWS::SNS::Subscription").items()
        if name.startswith("ChatNotifierQueue")
    ]
    assert subscription["RawMessageDelivery"] is True
    assert subscription["FilterPolicy"] == {
        "eventType": [
            "invitation.created",
            "invitation.expiring",
            "invitation.accepted",
            "invitation.rejected",
            "invitation.expired",
            "invitation.answer-failed",
        ]
    }
    assert subscription["TopicArn"] == {"Ref": _named(chat_stack, "AWS::SNS::Topic", "MessagingInvitationEvents")}


def test_the_chat_queue_moves_a_record_only_receives_after_the_notifier_parks_it(chat_stack: Synthesized) -> None:
    """Like the event queue: throttled invocations raise receive counts the notifier never sees, so the
    queue's own redrive (no reason recorded) must come a few receives after the notifier's park."""
    [queue] = [
        q["Properties"] for name, q in chat_stack.resources("AWS::SQS::Queue").items() if "ChatNotifierQueue" in name
    ]
    assert queue["RedrivePolicy"]["maxReceiveCount"] >= CHAT_RECEIVES + 2
    assert "FailedNotifications" in json.dumps(queue["RedrivePolicy"]["deadLetterTargetArn"])


def test_channels_log_errors_only_and_use_one_guardrail(chat_stack: Synthesized) -> None:
    configurations = {
        **chat_stack.resources("AWS::Chatbot::SlackChannelConfiguration"),
        **chat_stack.resources("AWS::Chatbot::MicrosoftTeamsChannelConfiguration"),
    }
    assert len(configurations) == 2
    for configuration in configurations.values():
        properties = configuration["Properties"]
        assert properties["LoggingLevel"] == "ERROR"
        assert properties["SnsTopicArns"] == [{"Ref": _named(chat_stack, "AWS::SNS::Topic", "ChatTopic")}]
        assert properties["GuardrailPolicies"] == [
            {"Ref": _named(chat_stack, "AWS::IAM::ManagedPolicy", "ChatGuardrail")}
        ]
    (guardrail,) = chat_stack.resources("AWS::IAM::ManagedPolicy").values()
    assert guardrail["Properties"]["PolicyDocument"]["Statement"] == [
        {"Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": _answer_function_arn(chat_stack)}
    ]


def test_with_answers_on_the_stack_wires_its_answer_function_to_the_buttons_and_the_notifier(
    chat_stack: Synthesized,
) -> None:
    answer_arn = _answer_function_arn(chat_stack)
    (role,) = [
        r["Properties"]
        for name, r in chat_stack.resources("AWS::IAM::Role").items()
        if name.startswith("ChatChannelRole")
    ]
    assert [policy["PolicyDocument"]["Statement"] for policy in role["Policies"]] == [
        [{"Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": answer_arn}]
    ]
    (notifier,) = [
        r["Properties"]
        for r in chat_stack.resources("AWS::Lambda::Function").values()
        if r["Properties"]["Handler"].endswith("chat_handler.lambda_handler")
    ]
    assert notifier["Environment"]["Variables"]["ANSWER_FUNCTION_ARN"] == answer_arn
    actions = chat_stack.resources("AWS::Chatbot::CustomAction")
    assert len(actions) == 4  # Accept and Reject per channel
    for configuration in [
        *chat_stack.resources("AWS::Chatbot::SlackChannelConfiguration").values(),
        *chat_stack.resources("AWS::Chatbot::MicrosoftTeamsChannelConfiguration").values(),
    ]:
        arns = configuration["Properties"]["CustomizationResourceArns"]
        assert len(arns) == 2
        assert {arn["Fn::GetAtt"][0] for arn in arns} <= set(actions)


def test_without_an_answer_function_the_channels_may_do_nothing_and_carry_no_buttons() -> None:
    stack = Stack(App(), "MessagesOnly", env={"region": "us-east-1", "account": "111122223333"})
    ChatChannels(stack, "Chat", chat=ChatSettings.model_validate(CHAT), key=kms.Key(stack, "Key"), answer_function=None)
    resources = Template.from_stack(stack).to_json()["Resources"]
    (guardrail,) = [r for r in resources.values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    assert guardrail["Properties"]["PolicyDocument"]["Statement"] == [
        {"Action": "*", "Effect": "Deny", "Resource": "*"}
    ]
    assert not [r for r in resources.values() if r["Type"] == "AWS::Chatbot::CustomAction"]
    roles = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::IAM::Role"]
    assert [role.get("Policies") for role in roles] == [None]


def test_the_notifier_cannot_publish_invitation_events(chat_stack: Synthesized) -> None:
    events_topic = _named(chat_stack, "AWS::SNS::Topic", "MessagingInvitationEvents")
    for name, policy in chat_stack.resources("AWS::IAM::Policy").items():
        if name.startswith("ChatNotifier"):
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                assert statement.get("Resource") != {"Ref": events_topic}


@pytest.mark.parametrize(
    ("chat", "named"),
    [
        ({"slack": [{"workspaceId": "t012", "channelId": "C1"}]}, "chat.slack.0.workspaceId"),
        ({"teams": [{**CHAT["teams"][0], "channelId": "19:abc@thread"}]}, "chat.teams.0.channelId"),
        ({"slack": [{"workspaceId": "T1", "channelId": "C1", "name": "a-name-far-too-long"}]}, "chat.slack.0.name"),
        ({}, "chat: Value error, name at least one"),
    ],
)
def test_a_bad_chat_setting_names_the_key(chat: dict[str, Any], named: str) -> None:
    with pytest.raises(InvalidSettingsError, match=re.escape(named)):
        StackSettings.from_context({"chat": json.dumps(chat)})


@pytest.fixture(scope="module")
def buttons_template() -> dict[str, Any]:
    """ChatChannels with an answer function: issue 23's function stands in by its ARN."""
    stack = Stack(App(), "Buttons", env={"region": "us-east-1", "account": "111122223333"})
    answer = lambda_.Function.from_function_arn(stack, "Answer", ANSWER_ARN)
    ChatChannels(
        stack, "Chat", chat=ChatSettings.model_validate(CHAT), key=kms.Key(stack, "Key"), answer_function=answer
    )
    return dict(Template.from_stack(stack).to_json())


def test_the_channel_role_and_guardrail_allow_only_invoking_the_answer_function(
    buttons_template: dict[str, Any],
) -> None:
    only_invoke = [{"Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": ANSWER_ARN}]
    resources = buttons_template["Resources"]
    roles = [r for r in resources.values() if r["Type"] == "AWS::IAM::Role"]
    assert [p["PolicyDocument"]["Statement"] for role in roles for p in role["Properties"]["Policies"]] == [only_invoke]
    assert roles[0]["Properties"].get("ManagedPolicyArns") is None
    guardrails = [r for r in resources.values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    assert [g["Properties"]["PolicyDocument"]["Statement"] for g in guardrails] == [only_invoke]


def test_buttons_read_what_a_pending_message_carries_and_send_an_answer_request(
    buttons_template: dict[str, Any],
) -> None:
    actions = [
        r["Properties"] for r in buttons_template["Resources"].values() if r["Type"] == "AWS::Chatbot::CustomAction"
    ]
    assert len(actions) == 4  # Accept and Reject per channel
    body = published(expiring_in(30))
    message = chat_message(
        NotifiedEvent.model_validate(body),
        now=NOW,
        link_template="https://x/{invitationId}",
        buttons=AnswerButtons(ANSWER_ARN),
    ).model_dump(by_alias=True)
    for action in actions:
        command = action["Definition"]["CommandText"]
        assert len(command) <= 100  # the API reference's CustomActionDefinition.CommandText limit
        (attachment,) = action["Attachments"]
        assert attachment["NotificationType"] == "Custom"
        assert attachment["Criteria"] == [{"Operator": "HAS_VALUE", "VariableName": "req"}]
        values = {name: _read(message, path) for name, path in attachment["Variables"].items()}
        values.setdefault("reason", "Unable to support")  # asked of the person: no variable defines it
        filled = re.sub(r"\$(\w+)", partial(_fill, values), command)
        assert filled.startswith(f"lambda invoke --function-name {ANSWER_ARN} --payload ")
        request = json.loads(filled.split(" --payload ", 1)[1])
        decision = "reject" if "reason" in command else "accept"
        assert request["decision"] == decision
        assert action["ActionName"].endswith(decision)
        assert request["catalog"] == "AWS"
        assert request["invitationId"] == body["invitation"]["id"]
        assert request["requestedBy"] in ("slack-C0123ABCD", "teams-1")
        assert request.get("reason") == ("Unable to support" if decision == "reject" else None)
        AnswerRequest.model_validate(request)  # what the answer function accepts, not only valid JSON
    for configuration in [
        r for r in buttons_template["Resources"].values() if r["Type"].endswith("ChannelConfiguration")
    ]:
        assert len(configuration["Properties"]["CustomizationResourceArns"]) == 2


@pytest.mark.parametrize(
    "typed",
    [
        'x","decision":"accept","requestedBy":"ceo","invitationId":"engi-0000000000999',
        'x","decision":"accept","reason":null,"requestedBy":"ceo',  # would be a valid accept if it came last
    ],
)
def test_a_reason_typed_to_change_the_request_cannot_turn_a_reject_into_anything_else(
    buttons_template: dict[str, Any], typed: str
) -> None:
    """The reason is spliced into the command raw: quotes in it add JSON members. Lambda's Python runtime
    keeps the last of duplicate keys, so the channel's and the message's members must come after it: the
    request is then this channel's reject of this invitation, or refused (a reject without a reason)."""
    [reject] = [
        r["Properties"]
        for r in buttons_template["Resources"].values()
        if r["Type"] == "AWS::Chatbot::CustomAction"
        and r["Properties"]["ActionName"].endswith("slack-C0123ABCD-reject")
    ]
    message = chat_message(
        NotifiedEvent.model_validate(published(expiring_in(30))),
        now=NOW,
        link_template="https://x/{invitationId}",
        buttons=AnswerButtons(ANSWER_ARN),
    ).model_dump(by_alias=True)
    (attachment,) = reject["Attachments"]
    values = {name: _read(message, path) for name, path in attachment["Variables"].items()}
    values["reason"] = typed
    filled = re.sub(r"\$(\w+)", partial(_fill, values), reject["Definition"]["CommandText"])
    sent = json.loads(filled.split(" --payload ", 1)[1])

    assert (sent["decision"], sent["requestedBy"]) == ("reject", "slack-C0123ABCD")
    assert sent["invitationId"] == message["metadata"]["additionalContext"]["invitationId"]
    if sent["reason"] is None:
        with pytest.raises(ValidationError, match="a reject needs a reason"):
            AnswerRequest.model_validate(sent)
    else:
        assert AnswerRequest.model_validate(sent).reason == "x"


def test_cfn_lint_is_clean_for_the_chat_resources(chat_stack: Synthesized) -> None:
    import subprocess
    import sys

    template = chat_stack.outdir / "InvitationSync.template.json"
    lint = subprocess.run(  # noqa: S603 - our own venv's cfn-lint on our template
        [str(Path(sys.executable).with_name("cfn-lint")), "--ignore-checks", "W3005", "--", str(template)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout


def _fill(values: dict[str, str], match: re.Match[str]) -> str:
    return values[match[1]]


def _read(message: dict[str, Any], path: str) -> str:
    """A custom action variable's path (event.metadata.additionalContext.x) read from the message."""
    value: Any = message
    for part in path.removeprefix("event.").split("."):
        value = value[part]
    return str(value)


def _answer_function_arn(stack: Synthesized) -> dict[str, list[str]]:
    (name,) = [
        name
        for name, r in stack.resources("AWS::Lambda::Function").items()
        if r["Properties"]["Handler"].endswith("answer_handler.lambda_handler")
    ]
    return {"Fn::GetAtt": [name, "Arn"]}


def _named(stack: Synthesized, resource_type: str, prefix: str) -> str:
    (name,) = [name for name in stack.resources(resource_type) if name.startswith(prefix)]
    return name
