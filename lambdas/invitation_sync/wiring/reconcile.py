"""The reconciler function's services."""

from dataclasses import dataclass
from functools import cache

from aws_lambda_powertools.metrics import MetricUnit

from invitation_sync.adapters.aws import PARTNER_CENTRAL_CONFIG, dynamodb_client
from invitation_sync.adapters.store import InvitationStore
from invitation_sync.budgets import BATCH_GET_WORST_CASE, call_worst_case, reconcile_sync_worst_case
from invitation_sync.observability import PARTNER_CENTRAL_THROTTLED, metrics
from invitation_sync.rate_limit import RateLimiter
from invitation_sync.reconcile import Reconciler
from invitation_sync.settings import ReconcileSettings
from invitation_sync.sync import InvitationSync
from invitation_sync.wiring import build_sync, paced_partner_central


@dataclass(frozen=True)
class ReconcileServices:
    reconciler: Reconciler
    sync: InvitationSync
    settings: ReconcileSettings
    rate_limiter: RateLimiter


def _count_throttle() -> None:
    metrics.add_metric(name=PARTNER_CENTRAL_THROTTLED, unit=MetricUnit.Count, value=1)


def build_reconcile_services(settings: ReconcileSettings) -> ReconcileServices:
    partner_central, limiter = paced_partner_central(settings.rate_cap, _count_throttle)
    store = InvitationStore(dynamodb_client(), settings.table_name)
    sync = build_sync(settings, partner_central, store)
    pacing = limiter.longest_wait
    reconciler = Reconciler(
        partner_central,
        store,
        sync,
        seconds_per_page=call_worst_case(PARTNER_CENTRAL_CONFIG, pacing) + BATCH_GET_WORST_CASE,
        seconds_per_sync=reconcile_sync_worst_case(pacing),
    )
    return ReconcileServices(reconciler, sync, settings, limiter)


@cache
def reconcile_services() -> ReconcileServices:
    return build_reconcile_services(ReconcileSettings.from_environment())
