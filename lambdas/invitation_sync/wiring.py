"""Builds the use case from the environment once per execution environment (cold start)."""

from functools import cache

from invitation_sync.adapters.aws import dynamodb_client, partner_central_client, sns_client
from invitation_sync.adapters.partner_central import PartnerCentralInvitations
from invitation_sync.adapters.publisher import InvitationEventPublisher
from invitation_sync.adapters.store import InvitationStore
from invitation_sync.settings import SyncSettings
from invitation_sync.sync import InvitationSync


@cache
def invitation_sync() -> InvitationSync:
    settings = SyncSettings.from_environment()
    return InvitationSync(
        partner_central=PartnerCentralInvitations(partner_central_client()),
        store=InvitationStore(dynamodb_client(), settings.table_name),
        publisher=InvitationEventPublisher(sns_client(), settings.topic_arn),
        catalogs=frozenset(settings.catalogs),
    )
