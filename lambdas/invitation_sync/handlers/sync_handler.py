"""Lambda entry point for Partner Central invitation events, delivered in batches by the event queue.

Each record is one EventBridge event (or a parked one moved back by a message move task). Per record:
parse, hand over to the sync, account. A transient failure returns the record to the queue with a
growing delay; on its last receive, or when retrying cannot help, it is parked in the failed-events
queue with its reason. Records never fail one another: Lambda deletes every record that succeeded.
"""

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from aws_lambda_powertools.utilities.typing import LambdaContext

from invitation_sync import observability as names
from invitation_sync.budgets import EVENT_RECEIVES, PARK_WORST_CASE, retry_delay
from invitation_sync.errors import LaggingReadError, OutOfTimeError, PermanentError, PublishError, RetryableError
from invitation_sync.handlers.sqs_batch import SqsRecord, json_body, partial_batch_response, receive_count
from invitation_sync.models.event import parse_invitation_event, unwrap_parked
from invitation_sync.normalize import iso_utc
from invitation_sync.observability import CatalogMetrics, catalog_metrics, logger, tracer
from invitation_sync.sync import SyncOutcome, SyncResult
from invitation_sync.wiring.sync import SyncServices, sync_services

_RECORD_KEYS: Final = ["invitation_id", "catalog", "status", "outcome"]  # log keys of one record
_OUTCOME_METRIC: Final = {
    SyncOutcome.STORED: names.INVITATIONS_SYNCED,
    SyncOutcome.UNCHANGED: names.INVITATIONS_UNCHANGED,
    SyncOutcome.STALE: names.INVITATIONS_STALE,
}

if "AWS_LAMBDA_FUNCTION_NAME" in os.environ:  # Lambda's init phase: settings and clients before the first event
    sync_services()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "Records" not in event:
        # An EventBridge event invoked directly (queued for the previous release's rule, or a test invoke):
        # onto the event queue, where it gets the same retries and parking as every record.
        return {"enqueued": sync_services().event_queue.enqueue(event)}
    return sync_batch(event, context).response


@dataclass
class SyncBatch:
    """One invocation's records: the partial batch response, each record's outcome (in record order),
    when to see each failed record again, and what to count per catalog."""

    services: SyncServices
    context: LambdaContext
    response: dict[str, Any] = field(default_factory=dict)
    outcomes: dict[str, dict[str, object]] = field(default_factory=dict)  # message id -> outcome
    retries: dict[str, int] = field(default_factory=dict)  # receipt handle -> seconds until seen again
    metrics: CatalogMetrics = field(default_factory=lambda: catalog_metrics)

    def handle(self, record: SqsRecord) -> dict[str, object]:
        """One record; raising returns it to the queue (Lambda's partial batch response) after its retry delay,
        whatever failed (a refused park too): without one it would wait the queue's whole visibility timeout."""
        try:
            outcome = self._sync(record)
        except Exception as error:
            self.retries[record["receiptHandle"]] = retry_delay(receive_count(record))
            self.outcomes[record["messageId"]] = {
                "outcome": "retry",
                "errorType": type(error).__name__,
                "reason": str(error),
            }
            raise
        self.outcomes[record["messageId"]] = outcome
        return outcome

    def _sync(self, record: SqsRecord) -> dict[str, object]:
        raw = unwrap_parked(json_body(record["body"]))
        receives = receive_count(record)
        catalog = self.metrics.current = CatalogMetrics.catalog_of(raw)
        logger.remove_keys(_RECORD_KEYS)
        logger.set_correlation_id(raw.get("id") if isinstance(raw, dict) else None)
        try:
            if self._seconds_left() < self.services.record_budget_seconds:
                raise OutOfTimeError("not started: too little of the invocation left for one sync at its worst")
            invitation_event = parse_invitation_event(raw)
            logger.append_keys(
                invitation_id=invitation_event.invitation_id,
                catalog=invitation_event.catalog,
                status=invitation_event.status,  # as announced; the stored status replaces it below
            )
            result = self.services.sync.sync_event(invitation_event)
        except PermanentError as error:
            return self._park(raw, catalog, error, names.INVALID_EVENTS)
        except RetryableError as error:  # OutOfTimeError too: a record not started still uses a receive
            if isinstance(error, LaggingReadError):
                self.metrics.count(catalog, names.LAGGING_READS)
            if isinstance(error, PublishError):
                self.metrics.count(catalog, names.PUBLISH_FAILURES)
            last = receives >= EVENT_RECEIVES
            if last and self._seconds_left() >= PARK_WORST_CASE:
                return self._park(raw, catalog, error, names.RETRIES_EXHAUSTED)
            # A last receive gets here only unstarted (a started record's budget holds its park): rather than
            # overrun the invocation, it goes back and is parked on a later receive (the queue's redrive
            # policy moves it, without a reason, only once its few extra receives are spent too).
            message = "not parked, too little time left: parked later" if last else "sync failed, retried later"
            logger.warning(message, outcome="retry", error_type=type(error).__name__, reason=str(error))
            raise
        self._account(result)
        return result.summary()

    def _seconds_left(self) -> float:
        return self.context.get_remaining_time_in_millis() / 1000

    def _park(self, raw: object, catalog: str, error: Exception, metric: str) -> dict[str, object]:
        """Keep the event with why it failed; its record is then done (deleted from the event queue)."""
        self.metrics.count(catalog, metric)
        logger.warning("event parked", outcome="parked", error_type=type(error).__name__, reason=str(error))
        self.services.failed_events.send(raw, str(error), type(error).__name__, iso_utc(datetime.now(UTC)))
        return {"outcome": "parked", "errorType": type(error).__name__, "reason": str(error)}

    def _account(self, result: SyncResult) -> None:
        logger.append_keys(status=result.status, outcome=result.outcome)
        logger.info("invitation synced", version=result.version, event_type=result.event_type)
        self.metrics.count(result.catalog, _OUTCOME_METRIC[result.outcome])
        published = result.completed_pending + (result.outcome == SyncOutcome.STORED)
        if published:
            self.metrics.count(result.catalog, names.EVENTS_PUBLISHED, published)
        if not result.details_retrievable and result.outcome == SyncOutcome.STORED:
            self.metrics.count(result.catalog, names.INVITATIONS_INACCESSIBLE)


def sync_batch(event: dict[str, Any], context: LambdaContext) -> SyncBatch:
    """Sync every record of an event-queue batch; never raises for a record's failure."""
    services = sync_services()
    batch = SyncBatch(services, context)
    try:
        batch.response = partial_batch_response(event, batch.handle)
    finally:
        services.event_queue.delay_retries(batch.retries)
        batch.metrics.flush()
        if services.hold_rate_window:
            # Keep the mapping's concurrency slot until this environment's rate window has closed, so the
            # environment Lambda gives the slot to next cannot add its own sends to the same window.
            services.rate_limiter.hold()
    return batch
