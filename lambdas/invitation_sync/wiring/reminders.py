"""The expiry-reminder function's services: DynamoDB and SNS only, reminders never call Partner Central."""

from dataclasses import dataclass
from functools import cache

from invitation_sync.adapters.aws import dynamodb_client, sns_client
from invitation_sync.adapters.publisher import InvitationEventPublisher
from invitation_sync.adapters.reminder_store import ReminderStore
from invitation_sync.reminders import ExpiryReminders
from invitation_sync.settings import ReminderSettings


@dataclass(frozen=True)
class ReminderServices:
    reminders: ExpiryReminders
    settings: ReminderSettings


@cache
def reminder_services() -> ReminderServices:
    settings = ReminderSettings.from_environment()
    store = ReminderStore(dynamodb_client(), settings.table_name)
    publisher = InvitationEventPublisher(sns_client(), settings.topic_arn)
    return ReminderServices(ExpiryReminders(store, publisher, settings.reminder_hours), settings)
