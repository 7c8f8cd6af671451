"""SNS adapter: one message per stored change, with string attributes for filter policies."""

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from invitation_sync.adapters.aws import error_code, error_message
from invitation_sync.errors import PublishError
from invitation_sync.models.published import InvitationChangedEvent
from invitation_sync.observability import tracer

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient


class InvitationEventPublisher:
    def __init__(self, client: "SNSClient", topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    @tracer.capture_method(capture_response=False)
    def publish(self, event: InvitationChangedEvent) -> str:
        """Publish and return SNS's message id; any failure is a PublishError (retryable)."""
        try:
            response = self._client.publish(
                TopicArn=self._topic_arn,
                Message=event.model_dump_json(by_alias=True),
                MessageAttributes={
                    name: {"DataType": "String", "StringValue": value}
                    for name, value in event.message_attributes().items()
                },
            )
        except (ClientError, BotoCoreError) as error:
            raise PublishError(f"SNS Publish of event {event.event_id}: {_refusal(error)}") from error
        return response["MessageId"]


def _refusal(error: ClientError | BotoCoreError) -> str:
    """The code, and for the one refusal an invitation itself can cause, SNS's size limit, which one."""
    code = error_code(error)
    if code == "InvalidParameter" and "too long" in error_message(error):
        return "the event exceeds SNS's 256 KB message size (InvalidParameter)"
    return code
