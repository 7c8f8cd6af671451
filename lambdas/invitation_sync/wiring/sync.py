"""The sync function's services."""

from dataclasses import dataclass
from functools import cache

from invitation_sync.adapters.aws import dynamodb_client, sqs_client
from invitation_sync.adapters.event_queue import EventQueue
from invitation_sync.adapters.failed_events import FailedEventQueue
from invitation_sync.adapters.store import InvitationStore
from invitation_sync.budgets import record_worst_case
from invitation_sync.observability import PARTNER_CENTRAL_THROTTLED, catalog_metrics
from invitation_sync.rate_limit import RateLimiter
from invitation_sync.settings import EventSyncSettings
from invitation_sync.sync import InvitationSync
from invitation_sync.wiring import build_sync, paced_partner_central


@dataclass(frozen=True)
class SyncServices:
    sync: InvitationSync
    failed_events: FailedEventQueue
    event_queue: EventQueue
    record_budget_seconds: float  # one record at its worst: a record is only started with this much time left
    rate_limiter: RateLimiter
    hold_rate_window: bool


def _count_record_throttle() -> None:
    catalog_metrics.count_current(PARTNER_CENTRAL_THROTTLED)


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
