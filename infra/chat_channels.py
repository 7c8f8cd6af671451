"""The chat topic and the Slack and Teams channel configurations that subscribe to it.

Each channel's role can invoke the answer function and nothing else, and a guardrail policy caps every
role the channel uses (user-level roles too) at the same. With no answer function, the guardrail denies
everything: messages only. Logging is at ERROR. The topic is encrypted with the stack's key: only its
publisher (the notifier) needs the key, SNS delivers decrypted messages to the service.
"""

from collections.abc import Sequence
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_chatbot as chatbot
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.chat_buttons import AnswerButtons
from infra.settings import ChatSettings, SlackChannel, TeamsChannel

LOGGING_LEVEL = "ERROR"


class ChatChannels(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        chat: ChatSettings,
        key: kms.IKey,
        answer_function: lambda_.IFunction | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Topic", display_name="invitation-sync: chat", master_key=key, enforce_ssl=True)
        answering = (
            [iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[answer_function.function_arn])]
            if answer_function is not None
            else []
        )
        self.role = iam.Role(
            self,
            "ChannelRole",
            assumed_by=iam.ServicePrincipal("chatbot.amazonaws.com"),
            description="invitation-sync chat channels: invoke the answer function, nothing else",
            inline_policies={"Answer": iam.PolicyDocument(statements=answering)} if answering else None,
        )
        self.guardrail = iam.ManagedPolicy(
            self,
            "Guardrail",
            description="invitation-sync chat channels: the most any role in the channel may do",
            statements=answering or [iam.PolicyStatement(effect=iam.Effect.DENY, actions=["*"], resources=["*"])],
        )
        self.configurations: list[
            chatbot.CfnSlackChannelConfiguration | chatbot.CfnMicrosoftTeamsChannelConfiguration
        ] = []
        for name, channel in chat.channels():
            buttons = AnswerButtons(self, f"{name}Buttons", channel_name=name).arns if answer_function else []
            self.configurations.append(self._configuration(name, channel, buttons))

    def _configuration(
        self, name: str, channel: SlackChannel | TeamsChannel, buttons: Sequence[str]
    ) -> chatbot.CfnSlackChannelConfiguration | chatbot.CfnMicrosoftTeamsChannelConfiguration:
        common: dict[str, Any] = {
            "configuration_name": f"{Stack.of(self).stack_name}-{name}",
            "iam_role_arn": self.role.role_arn,
            "sns_topic_arns": [self.topic.topic_arn],
            "guardrail_policies": [self.guardrail.managed_policy_arn],
            "logging_level": LOGGING_LEVEL,
            "user_role_required": False,  # README: Chat, how to require each person's own role
            "customization_resource_arns": list(buttons) or None,
        }
        if isinstance(channel, SlackChannel):
            return chatbot.CfnSlackChannelConfiguration(
                self, name, slack_workspace_id=channel.workspace_id, slack_channel_id=channel.channel_id, **common
            )
        return chatbot.CfnMicrosoftTeamsChannelConfiguration(
            self,
            name,
            team_id=channel.team_id,
            teams_channel_id=channel.channel_id,
            teams_tenant_id=channel.tenant_id,
            **common,
        )
