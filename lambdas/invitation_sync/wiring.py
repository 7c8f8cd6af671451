"""Builds the use case from the environment once per execution environment (cold start)."""

from dataclasses import dataclass
from functools import cache

from aws_lambda_powertools.metrics import MetricUnit

from invitation_sync.adapters.aws import dynamodb_client, partner_central_client, sns_client, sqs_client
from invitation_sync.adapters.failed_events import FailedEventQueue
from invitation_sync.adapters.partner_central import PartnerCentralInvitations
from invitation_sync.adapters.publisher import InvitationEventPublisher
from invitation_sync.adapters.store import InvitationStore
from invitation_sync.observability import PARTNER_CENTRAL_THROTTLED, metrics
from invitation_sync.settings import SyncSettings
from invitation_sync.sync import InvitationSync


@dataclass(frozen=True)
class SyncServices:
    sync: InvitationSync
    failed_events: FailedEventQueue | None  # None only outside AWS: permanent errors are then raised


def _count_throttle() -> None:
    metrics.add_metric(name=PARTNER_CENTRAL_THROTTLED, unit=MetricUnit.Count, value=1)


@cache
def sync_services() -> SyncServices:
    settings = SyncSettings.from_environment()
    sync = InvitationSync(
        partner_central=PartnerCentralInvitations(partner_central_client(), on_throttle=_count_throttle),
        store=InvitationStore(dynamodb_client(), settings.table_name),
        publisher=InvitationEventPublisher(sns_client(), settings.topic_arn),
        catalogs=frozenset(settings.catalogs),
    )
    queue_url = settings.failed_events_queue_url
    return SyncServices(sync, FailedEventQueue(sqs_client(), queue_url) if queue_url else None)
