"""Powertools singletons and the metric names the stack's alarms and dashboard read."""

from typing import Final

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE: Final = "invitation-sync"
METRIC_NAMESPACE: Final = "InvitationSync"

INVITATIONS_SYNCED: Final = "InvitationsSynced"  # a new version stored (and published)
INVITATIONS_UNCHANGED: Final = "InvitationsUnchanged"
INVITATIONS_STALE: Final = "InvitationsStale"
EVENTS_PUBLISHED: Final = "EventsPublished"
PUBLISH_FAILURES: Final = "PublishFailures"
INVITATIONS_INACCESSIBLE: Final = "InvitationsInaccessible"
PARTNER_CENTRAL_THROTTLED: Final = "PartnerCentralThrottled"
INVALID_EVENTS: Final = "InvalidEvents"
DRIFT_REPAIRED: Final = "DriftRepaired"  # the reconciler fixed what a missed event should have
INVITATIONS_BACKFILLED: Final = "InvitationsBackfilled"
RECONCILE_FAILURES: Final = "ReconcileFailures"
REMINDERS_PUBLISHED: Final = "RemindersPublished"  # invitation.expiring events, repeats included
REMINDER_FAILURES: Final = "ReminderFailures"  # not published this run: the next run repeats them

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=METRIC_NAMESPACE, service=SERVICE)
