"""The chat notifier function's services: SNS (the chat topic) and SQS (its parked notifications) only."""

from dataclasses import dataclass
from functools import cache

from invitation_sync.adapters.aws import sns_client, sqs_client
from invitation_sync.adapters.chat_topic import ChatTopic
from invitation_sync.adapters.failed_events import FailedEventQueue
from invitation_sync.chat_messages import AnswerButtons
from invitation_sync.chat_notifier import ChatNotifier
from invitation_sync.settings import ChatSettings


@dataclass(frozen=True)
class ChatServices:
    notifier: ChatNotifier
    failed_notifications: FailedEventQueue


@cache
def chat_services() -> ChatServices:
    settings = ChatSettings.from_environment()
    buttons = AnswerButtons(settings.answer_function_arn) if settings.answer_function_arn else None
    notifier = ChatNotifier(
        ChatTopic(sns_client(), settings.chat_topic_arn), link_template=settings.invitation_link, buttons=buttons
    )
    return ChatServices(notifier, FailedEventQueue(sqs_client(), settings.failed_notifications_queue_url))
