"""Lambda entry point for the scheduled expiry-reminder check: PENDING invitations near their expiry.

It never fails for one invitation: a reminder that could not be published stays recorded and the
next scheduled run publishes it with the same eventId (counted in ReminderFailures meanwhile).
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from invitation_sync import observability as names
from invitation_sync.observability import logger, metrics, tracer
from invitation_sync.wiring.reminders import reminder_services


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    services = reminder_services()
    report = services.reminders.run(
        sorted(services.settings.catalogs), time_left=lambda: context.get_remaining_time_in_millis() / 1000
    )
    metrics.add_metric(name=names.REMINDERS_PUBLISHED, unit=MetricUnit.Count, value=report.published + report.repeated)
    metrics.add_metric(name=names.REMINDER_FAILURES, unit=MetricUnit.Count, value=len(report.failed))
    logger.info("reminder run", complete=report.complete, checked=report.checked, published=report.published)
    return report.summary()
