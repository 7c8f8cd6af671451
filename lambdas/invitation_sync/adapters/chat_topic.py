"""SNS adapter for the chat topic: one custom notification per message, its JSON as the body."""

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from invitation_sync.adapters.aws import error_code, named_limit
from invitation_sync.errors import PublishError
from invitation_sync.models.chat import CustomNotification
from invitation_sync.observability import tracer

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient


class ChatTopic:
    def __init__(self, client: "SNSClient", topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    @tracer.capture_method(capture_response=False)
    def publish(self, notification: CustomNotification) -> str:
        """Publish and return SNS's message id; any failure is a PublishError (retryable)."""
        try:
            response = self._client.publish(
                TopicArn=self._topic_arn, Message=notification.model_dump_json(by_alias=True)
            )
        except (ClientError, BotoCoreError) as error:
            code = error_code(error)
            reason = f"the notification exceeds {limit} ({code})" if (limit := named_limit(error)) else code
            raise PublishError(f"SNS Publish of chat notification {notification.id}: {reason}") from error
        return response["MessageId"]
