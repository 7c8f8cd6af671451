"""Accept and Reject: two custom actions (AWS::Chatbot::CustomAction) for one chat channel.

A button shows on a message that carries its answer request (criterion HAS_VALUE on it), that is on a
PENDING invitation's new or reminder message, and runs `lambda invoke` on the answer function under the
channel's role. The command holds at most 100 characters (CustomActionDefinition.CommandText in the
Amazon Q Developer in chat applications API reference), too few for the whole request: the message
carries the function's ARN and the request's closing members (catalog, invitation, decision), and the
command opens it with the reason (Reject) and requestedBy (the channel's name). `$reason` is defined by
no variable, so the service asks the person for it when they press Reject.

The order is the defence: the reason is typed by a person and spliced in raw, so a reason such as
`x","decision":"accept` adds members. Lambda's Python runtime keeps the last of duplicate JSON keys, so
what the reason adds is overridden by the channel's requestedBy and the message's members after it,
and a member the request does not know is refused by the answer function.
"""

from typing import Final

from aws_cdk import Stack
from aws_cdk import aws_chatbot as chatbot
from constructs import Construct

from invitation_sync.chat_messages import (
    ACCEPT_BUTTON,
    ACCEPT_REQUEST_KEY,
    ANSWER_FUNCTION_KEY,
    REJECT_BUTTON,
    REJECT_REQUEST_KEY,
)
from invitation_sync.models.answer import UNFILLED_REASON

COMMAND_MAX: Final = 100
CONTEXT: Final = "event.metadata.additionalContext."  # where a custom notification's values are read from
FUNCTION_VARIABLE: Final = "fn"
REQUEST_VARIABLE: Final = "req"
# Asked of the person: no attachment defines it. Run unfilled, the answer function refuses the literal.
REASON_VARIABLE: Final = UNFILLED_REASON.removeprefix("$")


def command(requested_by: str, *, reason: bool) -> str:
    opening = (f'"reason":"${REASON_VARIABLE}",' if reason else "") + f'"requestedBy":"{requested_by}",'
    return f"lambda invoke --function-name ${FUNCTION_VARIABLE} --payload {{{opening}${REQUEST_VARIABLE}"


class AnswerButtons(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, channel_name: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self).stack_name
        self.accept = self._action(
            "Accept",
            f"{stack}-{channel_name}-accept",
            ACCEPT_BUTTON,
            command(channel_name, reason=False),
            ACCEPT_REQUEST_KEY,
        )
        self.reject = self._action(
            "Reject",
            f"{stack}-{channel_name}-reject",
            REJECT_BUTTON,
            command(channel_name, reason=True),
            REJECT_REQUEST_KEY,
        )

    @property
    def arns(self) -> list[str]:
        return [self.accept.attr_custom_action_arn, self.reject.attr_custom_action_arn]

    def _action(
        self, construct_id: str, name: str, button: str, text: str, request_key: str
    ) -> chatbot.CfnCustomAction:
        if len(text) > COMMAND_MAX:
            raise ValueError(f"the {button} command is {len(text)} characters, over {COMMAND_MAX}: {text}")
        return chatbot.CfnCustomAction(
            self,
            construct_id,
            action_name=name,
            definition=chatbot.CfnCustomAction.CustomActionDefinitionProperty(command_text=text),
            attachments=[
                chatbot.CfnCustomAction.CustomActionAttachmentProperty(
                    notification_type="Custom",
                    button_text=button,
                    variables={
                        FUNCTION_VARIABLE: CONTEXT + ANSWER_FUNCTION_KEY,
                        REQUEST_VARIABLE: CONTEXT + request_key,
                    },
                    criteria=[
                        chatbot.CfnCustomAction.CustomActionAttachmentCriteriaProperty(
                            operator="HAS_VALUE", variable_name=REQUEST_VARIABLE
                        )
                    ],
                )
            ],
        )
