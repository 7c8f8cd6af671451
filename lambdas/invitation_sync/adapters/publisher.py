"""SNS adapter: one message per stored change, with string attributes for filter policies."""

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from invitation_sync.adapters.aws import error_code, named_limit
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
            code = error_code(error)
            # The one refusal an invitation itself can cause is SNS's size limit: name it.
            reason = f"the event exceeds {limit} ({code})" if (limit := named_limit(error)) else code
            raise PublishError(f"SNS Publish of event {event.event_id}: {reason}") from error
        return response["MessageId"]
