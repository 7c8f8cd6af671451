"""Lambda entry point for the scheduled reconcile run: converge the table to Partner Central's truth."""

from typing import Any, Final

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from invitation_sync import observability as names
from invitation_sync.observability import logger, metrics, tracer
from invitation_sync.wiring import reconcile_services

SAFETY_SECONDS: Final = 10.0  # stop this long before Lambda's timeout, cursor stored


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    services = reconcile_services()
    settings = services.settings
    report = services.reconciler.run(
        sorted(settings.catalogs),
        sorted(settings.participant_types, reverse=True),  # RECEIVER first: invitations to act on
        time_left=lambda: context.get_remaining_time_in_millis() / 1000 - SAFETY_SECONDS,
        run_id=context.aws_request_id,
    )
    for name, value in (
        (names.DRIFT_REPAIRED, report.drift_repaired),
        (names.INVITATIONS_BACKFILLED, report.backfilled),
        (names.RECONCILE_FAILURES, len(report.failed)),
        (names.EVENTS_PUBLISHED, report.drift_repaired + report.backfilled + report.pending_published),
    ):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    logger.info("reconcile run", complete=report.complete, list_calls=report.list_calls, synced=report.synced)
    return report.summary()
