"""What every SQS-fed handler shares: the record's shape, its JSON body, the partial batch response."""

import json
from collections.abc import Callable
from typing import Any, TypedDict

from invitation_sync.errors import RetryableError
from invitation_sync.observability import logger


class SqsRecord(TypedDict):
    """The members of an SQS record (as Lambda's event source mapping hands it over) the handlers read."""

    messageId: str
    receiptHandle: str
    body: str
    attributes: dict[str, str]


def partial_batch_response(event: dict[str, Any], handle: Callable[[SqsRecord], object]) -> dict[str, Any]:
    """What Powertools' BatchProcessor answers for a standard queue, without its import: that loads every
    event data class Powertools bundles and asyncio, ~18 ms of each cold start (docs/performance.md).
    Every record failing is still a partial response: the invocation succeeded, and each record keeps
    the retry delay set for it."""
    records = event.get("Records")
    if not isinstance(records, list) or not records:
        raise ValueError("not an SQS batch: the event has no Records")
    failures = []
    for record in records:
        try:
            handle(record)
        except RetryableError:  # expected: its outcome and retry delay are recorded
            failures.append({"itemIdentifier": record["messageId"]})
        except Exception:
            logger.exception("record failed unexpectedly, returned to the queue")
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def receive_count(record: SqsRecord) -> int:
    return int(record["attributes"]["ApproximateReceiveCount"])


def json_body(body: str) -> object:
    try:
        return json.loads(body)
    except json.JSONDecodeError:
        return body  # parsing names the problem: not a JSON object
