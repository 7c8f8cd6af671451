"""Builds the use cases from the environment once per execution environment (cold start)."""

from dataclasses import dataclass
from functools import cache

from aws_lambda_powertools.metrics import MetricUnit

from invitation_sync.adapters.aws import (
    PARTNER_CENTRAL_CONFIG,
    dynamodb_client,
    partner_central_client,
    sns_client,
    sqs_client,
)
from invitation_sync.adapters.failed_events import FailedEventQueue
from invitation_sync.adapters.partner_central import PartnerCentralInvitations
from invitation_sync.adapters.publisher import InvitationEventPublisher
from invitation_sync.adapters.store import InvitationStore
from invitation_sync.budgets import AWS_CALL_WORST_CASE, call_worst_case, sync_worst_case
from invitation_sync.observability import PARTNER_CENTRAL_THROTTLED, metrics
from invitation_sync.rate_limit import RateLimiter
from invitation_sync.reconcile import Reconciler
from invitation_sync.settings import ReconcileSettings, SyncSettings
from invitation_sync.sync import InvitationSync


@dataclass(frozen=True)
class SyncServices:
    sync: InvitationSync
    failed_events: FailedEventQueue | None  # None only outside AWS: permanent errors are then raised


@dataclass(frozen=True)
class ReconcileServices:
    reconciler: Reconciler
    sync: InvitationSync
    settings: ReconcileSettings
    rate_limiter: RateLimiter


def _count_throttle() -> None:
    metrics.add_metric(name=PARTNER_CENTRAL_THROTTLED, unit=MetricUnit.Count, value=1)


def build_sync(
    settings: SyncSettings, partner_central: PartnerCentralInvitations, store: InvitationStore
) -> InvitationSync:
    return InvitationSync(
        partner_central=partner_central,
        store=store,
        publisher=InvitationEventPublisher(sns_client(), settings.topic_arn),
        catalogs=frozenset(settings.catalogs),
    )


@cache
def sync_services() -> SyncServices:
    settings = SyncSettings.from_environment()
    partner_central = PartnerCentralInvitations(partner_central_client(), on_throttle=_count_throttle)
    sync = build_sync(settings, partner_central, InvitationStore(dynamodb_client(), settings.table_name))
    queue_url = settings.failed_events_queue_url
    return SyncServices(sync, FailedEventQueue(sqs_client(), queue_url) if queue_url else None)


def build_reconcile_services(settings: ReconcileSettings) -> ReconcileServices:
    """One rate limiter on the Partner Central client paces every call the reconciler makes."""
    client = partner_central_client()
    limiter = RateLimiter(settings.rate_cap)
    limiter.install(client)
    partner_central = PartnerCentralInvitations(client, on_throttle=_count_throttle)
    store = InvitationStore(dynamodb_client(), settings.table_name)
    sync = build_sync(settings, partner_central, store)
    pacing = limiter.window  # the longest the limiter makes one attempt wait
    reconciler = Reconciler(
        partner_central,
        store,
        sync,
        seconds_per_page=call_worst_case(PARTNER_CENTRAL_CONFIG, pacing) + AWS_CALL_WORST_CASE,
        seconds_per_sync=sync_worst_case(pacing),
    )
    return ReconcileServices(reconciler, sync, settings, limiter)


@cache
def reconcile_services() -> ReconcileServices:
    return build_reconcile_services(ReconcileSettings.from_environment())
