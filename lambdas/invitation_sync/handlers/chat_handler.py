"""Lambda entry point for the chat notifier: published invitation events from its own queue, in batches.

Per record: build the custom notification and publish it to the chat topic. An event that cannot be
turned into a message is parked at once with the reason; a publish that fails is retried by the queue
and parked with the reason on its last receive. Records never fail one another.
"""

import os
from datetime import UTC, datetime
from typing import Any, Final

from aws_lambda_powertools.utilities.typing import LambdaContext

from invitation_sync.errors import PermanentError, RetryableError
from invitation_sync.handlers.sqs_batch import SqsRecord, json_body, partial_batch_response
from invitation_sync.models.event import unwrap_parked
from invitation_sync.normalize import iso_utc
from invitation_sync.observability import logger, tracer
from invitation_sync.wiring.chat import chat_services

CHAT_RECEIVES: Final = 5  # the notifier parks on this receive; the queue (infra/chat_notifier.py) allows a few more

if "AWS_LAMBDA_FUNCTION_NAME" in os.environ:  # Lambda's init phase: settings and clients before the first event
    chat_services()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return partial_batch_response(event, notify_record)


def notify_record(record: SqsRecord) -> dict[str, object]:
    """One record; raising a RetryableError returns it to the queue."""
    services = chat_services()
    raw = unwrap_parked(json_body(record["body"]))  # a parked record moved back by a redrive: its event
    try:
        notification = services.notifier.notify(raw)
    except PermanentError as error:
        return _park(raw, error)
    except RetryableError as error:
        if int(record["attributes"]["ApproximateReceiveCount"]) >= CHAT_RECEIVES:
            return _park(raw, error)
        logger.warning("chat notification failed, retried later", error_type=type(error).__name__)
        raise
    logger.info("chat notification published", event_type=notification.metadata.event_type)
    return {"outcome": "published", "id": notification.id}


def _park(raw: object, error: Exception) -> dict[str, object]:
    logger.warning("chat notification parked", error_type=type(error).__name__, reason=str(error))
    chat_services().failed_notifications.send(raw, str(error), type(error).__name__, iso_utc(datetime.now(UTC)))
    return {"outcome": "parked", "errorType": type(error).__name__, "reason": str(error)}
