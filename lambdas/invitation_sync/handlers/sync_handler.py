"""Lambda entry point for Partner Central invitation events: parse, validate, hand over."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from invitation_sync.models.event import parse_invitation_event
from invitation_sync.observability import logger, metrics, tracer
from invitation_sync.wiring import invitation_sync


@logger.inject_lambda_context(correlation_id_path="id", clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    invitation_event = parse_invitation_event(event)
    logger.append_keys(invitation_id=invitation_event.invitation_id, catalog=invitation_event.catalog)
    metrics.add_dimension(name="catalog", value=invitation_event.catalog)
    result = invitation_sync().sync_event(invitation_event)
    logger.info("invitation synced", status=result.status, outcome=result.outcome, version=result.version)
    metrics.add_metric(name=f"Invitations{result.outcome.capitalize()}", unit=MetricUnit.Count, value=1)
    return result.summary()
