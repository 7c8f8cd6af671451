"""Builds each function's use cases from its environment, once per execution environment (cold start).

One module per function, so a function imports only what it runs (the sync function's cold start never
loads the reconciler or the reminders); the builders they share are here.
"""

from collections.abc import Callable

from invitation_sync.adapters.aws import partner_central_client, sns_client
from invitation_sync.adapters.partner_central import PartnerCentralInvitations
from invitation_sync.adapters.publisher import InvitationEventPublisher
from invitation_sync.adapters.store import InvitationStore
from invitation_sync.rate_limit import RateLimiter
from invitation_sync.settings import SyncSettings
from invitation_sync.sync import InvitationSync


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
