"""Lambda entry point for Partner Central invitation events: parse, validate, hand over, account.

Transient failures are raised (typed) so Lambda's async retries and on-failure destination act;
permanent ones waste no retries: the event goes to the failed-events queue with its reason.
"""

import os
from datetime import UTC, datetime
from typing import Any, Final

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from invitation_sync import observability as names
from invitation_sync.domain import CATALOGS
from invitation_sync.errors import PermanentError, PublishError, RetryableError
from invitation_sync.models.event import parse_invitation_event
from invitation_sync.normalize import iso_utc
from invitation_sync.observability import logger, metrics, tracer
from invitation_sync.sync import SyncOutcome, SyncResult
from invitation_sync.wiring import sync_services

_OUTCOME_METRIC: Final = {
    SyncOutcome.STORED: names.INVITATIONS_SYNCED,
    SyncOutcome.UNCHANGED: names.INVITATIONS_UNCHANGED,
    SyncOutcome.STALE: names.INVITATIONS_STALE,
}

if "AWS_LAMBDA_FUNCTION_NAME" in os.environ:  # Lambda's init phase: settings and clients before the first event
    sync_services()


@logger.inject_lambda_context(correlation_id_path="id", clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    services = sync_services()
    metrics.add_dimension(name="catalog", value=_catalog_of(event))
    try:
        invitation_event = parse_invitation_event(event)
        logger.append_keys(
            invitation_id=invitation_event.invitation_id,
            catalog=invitation_event.catalog,
            status=invitation_event.status,  # as announced; the stored status replaces it below
        )
        result = services.sync.sync_event(invitation_event)
    except PermanentError as error:
        _count(names.INVALID_EVENTS)
        logger.warning(
            "event dead-lettered", outcome="dead-lettered", error_type=type(error).__name__, reason=str(error)
        )
        if services.failed_events is None:
            raise
        services.failed_events.send(event, str(error), type(error).__name__, iso_utc(datetime.now(UTC)))
        return {"outcome": "dead-lettered", "errorType": type(error).__name__, "reason": str(error)}
    except RetryableError as error:
        if isinstance(error, PublishError):
            _count(names.PUBLISH_FAILURES)
        logger.warning(
            "sync failed, Lambda will retry", outcome="retry", error_type=type(error).__name__, reason=str(error)
        )
        raise
    _account(result)
    return result.summary()


def _account(result: SyncResult) -> None:
    logger.append_keys(status=result.status, outcome=result.outcome)
    logger.info("invitation synced", version=result.version, event_type=result.event_type)
    _count(_OUTCOME_METRIC[result.outcome])
    published = result.completed_pending + (result.outcome == SyncOutcome.STORED)
    if published:
        _count(names.EVENTS_PUBLISHED, published)
    if not result.details_retrievable and result.outcome == SyncOutcome.STORED:
        _count(names.INVITATIONS_INACCESSIBLE)


def _count(name: str, value: int = 1) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def _catalog_of(event: object) -> str:
    """The metric dimension, read before validation so invalid events are counted too."""
    detail = event.get("detail") if isinstance(event, dict) else None
    catalog = detail.get("catalog") if isinstance(detail, dict) else None
    return catalog if isinstance(catalog, str) and catalog in CATALOGS else "unknown"
