"""The chat notifier: a published invitation event in, one custom notification on the chat topic out.

It reads the events topic through a queue of its own, so nothing it does can hold up the sync: an
event it cannot turn into a message is parked with the reason at once, one it cannot publish is
retried by the queue and parked on its last receive.
"""

from collections.abc import Callable
from datetime import datetime

from pydantic import ValidationError

from invitation_sync.adapters.chat_topic import ChatTopic
from invitation_sync.chat_messages import AnswerButtons, NotifiedEvent, chat_message, utc_now
from invitation_sync.errors import InvalidEventError
from invitation_sync.models.base import describe
from invitation_sync.models.chat import CustomNotification


class ChatNotifier:
    def __init__(
        self,
        topic: ChatTopic,
        *,
        link_template: str,
        buttons: AnswerButtons | None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._topic = topic
        self._link_template = link_template
        self._buttons = buttons
        self._clock = clock

    def message_for(self, raw: object) -> CustomNotification:
        """The message for one published event; InvalidEventError (naming fields, never values) otherwise."""
        if not isinstance(raw, dict):
            raise InvalidEventError(f"published event: expected a JSON object, got {type(raw).__name__}")
        try:
            event = NotifiedEvent.model_validate(raw)
            return chat_message(event, now=self._clock(), link_template=self._link_template, buttons=self._buttons)
        except ValidationError as error:
            raise InvalidEventError(describe(error)) from None  # the cause would echo input values

    def notify(self, raw: object) -> CustomNotification:
        notification = self.message_for(raw)
        self._topic.publish(notification)
        return notification
