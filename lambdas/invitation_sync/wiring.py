"""Builds the use cases from the environment once per execution environment (cold start)."""

from collections.abc import Callable
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
from invitation_sync.adapters.event_queue import EventQueue
from invitation_sync.adapters.failed_events import FailedEventQueue
from invitation_sync.adapters.partner_central import PartnerCentralInvitations
from invitation_sync.adapters.publisher import InvitationEventPublisher
from invitation_sync.adapters.reminder_store import ReminderStore
from invitation_sync.adapters.store import InvitationStore
from invitation_sync.budgets import AWS_CALL_WORST_CASE, call_worst_case, record_worst_case, sync_worst_case
from invitation_sync.observability import PARTNER_CENTRAL_THROTTLED, catalog_metrics, metrics
from invitation_sync.rate_limit import RateLimiter
from invitation_sync.reconcile import Reconciler
from invitation_sync.reminders import ExpiryReminders
from invitation_sync.settings import EventSyncSettings, ReconcileSettings, ReminderSettings, SyncSettings
from invitation_sync.sync import InvitationSync


@dataclass(frozen=True)
class SyncServices:
    sync: InvitationSync
    failed_events: FailedEventQueue
    event_queue: EventQueue
    record_budget_seconds: float  # one record at its worst: a record is only started with this much time left
    rate_limiter: RateLimiter
    hold_rate_window: bool


@dataclass(frozen=True)
class ReconcileServices:
    reconciler: Reconciler
    sync: InvitationSync
    settings: ReconcileSettings
    rate_limiter: RateLimiter


def _count_throttle() -> None:
    metrics.add_metric(name=PARTNER_CENTRAL_THROTTLED, unit=MetricUnit.Count, value=1)


def _count_record_throttle() -> None:
    catalog_metrics.count_current(PARTNER_CENTRAL_THROTTLED)


def build_sync(
    settings: SyncSettings, partner_central: PartnerCentralInvitations, store: InvitationStore
) -> InvitationSync:
    return InvitationSync(
        partner_central=partner_central,
        store=store,
        publisher=InvitationEventPublisher(sns_client(), settings.topic_arn),
        catalogs=frozenset(settings.catalogs),
    )


def paced_partner_central(
    rate_cap: float, on_throttle: Callable[[], None]
) -> tuple[PartnerCentralInvitations, RateLimiter]:
    """One rate limiter on the client's before-send paces every attempt, botocore's retries included."""
    client = partner_central_client()
    limiter = RateLimiter(rate_cap)
    limiter.install(client)
    return PartnerCentralInvitations(client, on_throttle=on_throttle), limiter


@cache
def sync_services() -> SyncServices:
    settings = EventSyncSettings.from_environment()
    partner_central, limiter = paced_partner_central(settings.rate_cap, _count_record_throttle)
    sync = build_sync(settings, partner_central, InvitationStore(dynamodb_client(), settings.table_name))
    sqs = sqs_client()
    return SyncServices(
        sync,
        FailedEventQueue(sqs, settings.failed_events_queue_url),
        EventQueue(sqs, settings.event_queue_url),
        record_worst_case(limiter.longest_wait),
        limiter,
        settings.hold_rate_window,
    )


def build_reconcile_services(settings: ReconcileSettings) -> ReconcileServices:
    partner_central, limiter = paced_partner_central(settings.rate_cap, _count_throttle)
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


@dataclass(frozen=True)
class ReminderServices:
    reminders: ExpiryReminders
    settings: ReminderSettings


@cache
def reminder_services() -> ReminderServices:
    """DynamoDB and SNS only: reminders never call Partner Central."""
    settings = ReminderSettings.from_environment()
    store = ReminderStore(dynamodb_client(), settings.table_name)
    publisher = InvitationEventPublisher(sns_client(), settings.topic_arn)
    return ReminderServices(ExpiryReminders(store, publisher, settings.reminder_hours), settings)
