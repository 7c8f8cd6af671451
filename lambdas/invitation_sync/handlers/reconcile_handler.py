"""Lambda entry point for the reconciler: the hourly incremental run, the weekly full sweep and the
operator's backfill, each from its invocation payload (see models/reconcile_request.py)."""

import time
from typing import Any, Final

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from invitation_sync import observability as names
from invitation_sync.budgets import AWS_CALL_WORST_CASE
from invitation_sync.domain import PARTICIPANT_TYPES
from invitation_sync.models.reconcile_request import InvalidReconcileRequestError, ReconcileRequest
from invitation_sync.observability import logger, metrics, tracer
from invitation_sync.reconcile import Budget
from invitation_sync.wiring.reconcile import reconcile_services

# Stop starting steps this long before Lambda's timeout: the calls after the last step that checked the
# budget, each at its worst. At most the run's final state, the progress save of a full sweep the run
# carries on, and the lock release (tests/integration/test_reconcile_time_limit.py counts them).
SAFETY_SECONDS: Final = 3 * AWS_CALL_WORST_CASE


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    started = time.monotonic()
    request = ReconcileRequest.from_event(event)
    services = reconcile_services()
    settings = services.settings
    catalogs = request.catalogs or sorted(settings.catalogs)
    if unknown := sorted(set(catalogs) - settings.catalogs):
        raise InvalidReconcileRequestError(
            f"invalid reconcile request: catalogs {unknown} are not configured here "
            f"(configured: {sorted(settings.catalogs)})"
        )
    participant_types = request.participant_types or [p for p in PARTICIPANT_TYPES if p in settings.participant_types]
    logger.append_keys(reconcile_mode=request.mode, dry_run=request.dry_run)
    requests_before = services.rate_limiter.sent
    report = services.reconciler.run(
        request,
        catalogs,
        participant_types,
        Budget(
            time_left=lambda: context.get_remaining_time_in_millis() / 1000 - SAFETY_SECONDS,
            stop_at=started + request.max_seconds if request.max_seconds else None,
        ),
        run_id=context.aws_request_id,
        lock_seconds=context.get_remaining_time_in_millis() / 1000,
    )
    report.partner_central_requests = services.rate_limiter.sent - requests_before  # what the read quota counts
    runs = report.runs()
    for name, value in (
        (names.DRIFT_REPAIRED, sum(r.drift_repaired for r in runs)),
        (names.INVITATIONS_BACKFILLED, sum(r.backfilled for r in runs)),
        (names.RECONCILE_FAILURES, sum(len(r.failed) for r in runs)),
        (names.EVENTS_PUBLISHED, sum(r.drift_repaired + r.backfilled + r.pending_published for r in runs)),
        (names.RECONCILE_SKIPPED, int(report.skipped is not None)),  # another run (a backfill) held the lock
    ):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    logger.info(
        "reconcile run",
        complete=report.complete,
        skipped=report.skipped,
        list_calls=report.list_calls,
        synced=report.synced,
        failed=len(report.failed),
    )
    return report.summary()
