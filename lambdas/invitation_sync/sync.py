"""The sync use case: fetch -> normalize -> conditional store -> publish -> clear the marker.

Every path into the table (events, the reconciler, redrive) goes through InvitationSync, so the
guarantees are the same wherever a change is noticed.
"""

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final

from pydantic import ValidationError

from invitation_sync.adapters.partner_central import PartnerCentralInvitations
from invitation_sync.adapters.publisher import InvitationEventPublisher
from invitation_sync.adapters.store import InvitationStore
from invitation_sync.domain import EXPIRED, REJECTED
from invitation_sync.errors import (
    ConcurrentChangeError,
    InvalidEventError,
    InvitationNotAccessibleError,
    PartnerCentralRequestError,
    PublishError,
)
from invitation_sync.models.base import describe
from invitation_sync.models.event import InvitationEvent
from invitation_sync.models.invitation import Invitation
from invitation_sync.models.published import InvitationChangedEvent
from invitation_sync.models.stored import StoredInvitation, content_hash
from invitation_sync.normalize import iso_utc, normalize

PUBLISH_LEASE: Final = timedelta(seconds=60)  # longer than one SNS publish with all its retries
_BUSY_WAITS: Final = (0.05, 0.1, 0.2, 0.4, 0.8)  # seconds between writes while another writer publishes
_INACCESSIBLE_AFTER: Final = frozenset({REJECTED, EXPIRED})


class SyncOutcome(StrEnum):
    STORED = "stored"  # a new version was written and published
    UNCHANGED = "unchanged"  # same content as stored: nothing written, nothing published
    STALE = "stale"  # an older fetch or a move back from a final status: refused


@dataclass(frozen=True)
class SyncResult:
    outcome: SyncOutcome
    catalog: str
    invitation_id: str
    status: str | None
    version: int
    event_type: str | None = None
    details_retrievable: bool = True
    completed_pending: int = 0  # earlier changes whose publish this run finished

    def summary(self) -> dict[str, object]:
        return asdict(self)


def _now() -> datetime:
    return datetime.now(UTC)


class InvitationSync:
    def __init__(
        self,
        partner_central: PartnerCentralInvitations,
        store: InvitationStore,
        publisher: InvitationEventPublisher,
        catalogs: frozenset[str],
        *,
        clock: Callable[[], datetime] = _now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._partner_central = partner_central
        self._store = store
        self._publisher = publisher
        self._catalogs = catalogs
        self._clock = clock
        self._sleep = sleep

    def sync_event(self, event: InvitationEvent) -> SyncResult:
        """Sync the invitation an EventBridge event names; a Rejected/Expired event whose details
        Partner Central no longer serves still records the new status."""
        if event.catalog not in self._catalogs:
            raise InvalidEventError(
                f"detail.catalog: {event.catalog} is not synced here (configured: {sorted(self._catalogs)})"
            )
        try:
            return self.sync_invitation(event.catalog, event.invitation_id, source_event_id=event.id)
        except InvitationNotAccessibleError:
            stored = self._store.get(event.catalog, event.invitation_id)
            if event.status in _INACCESSIBLE_AFTER:
                return self._record_inaccessible(event, stored)
            if stored and stored.invitation.status in _INACCESSIBLE_AFTER:
                return _result(SyncOutcome.STALE, stored, None, 0)  # a late event for a closed invitation
            raise

    def sync_invitation(self, catalog: str, invitation_id: str, source_event_id: str) -> SyncResult:
        response = self._partner_central.get(catalog, invitation_id)
        synced_at = iso_utc(self._clock())
        try:
            invitation = normalize(response)
        except ValidationError as error:
            message = f"GetEngagementInvitation answer unusable: {describe(error)}"
            raise PartnerCentralRequestError(message) from None  # the cause would echo response values
        return self.store_and_publish(invitation, synced_at, source_event_id)

    def store_and_publish(self, invitation: Invitation, synced_at: str, source_event_id: str) -> SyncResult:
        """Write the change if it is new. A version still waiting to be published is finished first
        (once its writer's lease ran out), so every stored version is published before the next."""
        fingerprint = content_hash(invitation)
        completed = 0
        for wait in (*_BUSY_WAITS, None):
            result = self._store.save(invitation, fingerprint, synced_at, source_event_id, self._lease_until())
            current = result.current
            if result.saved:
                event = self._publish(current)
                return _result(SyncOutcome.STORED, current, event.event_type, completed)
            if not current.publish_pending:
                outcome = SyncOutcome.UNCHANGED if current.content_hash == fingerprint else SyncOutcome.STALE
                return _result(outcome, current, None, completed)
            if self._take_over_publish(current):
                completed += 1
                continue
            if current.content_hash == fingerprint:  # its writer is publishing exactly this change
                return _result(SyncOutcome.UNCHANGED, current, None, completed)
            if wait is not None:
                self._sleep(wait)
        raise ConcurrentChangeError(
            f"{invitation.catalog}/{invitation.id}: another delivery still publishes version {current.version}"
        )

    def _lease_until(self) -> str:
        return iso_utc(self._clock() + PUBLISH_LEASE)

    def _take_over_publish(self, stored: StoredInvitation) -> bool:
        """Publish a pending version whose writer's lease expired (it crashed or its publish failed)."""
        now = iso_utc(self._clock())
        if (stored.publish_lease_until or "") > now or not self._store.lease_publish(stored, now, self._lease_until()):
            return False
        self._publish(stored)
        return True

    def _publish(self, stored: StoredInvitation) -> InvitationChangedEvent:
        event = InvitationChangedEvent.from_stored(stored)
        try:
            self._publisher.publish(event)
        except PublishError:
            self._store.release_publish_lease(stored, iso_utc(self._clock()))
            raise
        self._store.clear_publish_pending(stored)
        return event

    def _record_inaccessible(self, event: InvitationEvent, stored: StoredInvitation | None) -> SyncResult:
        """Keep what we knew, take the status from the event, and say the details are gone."""
        known = stored.invitation if stored else _from_event(event)
        invitation = known.model_copy(update={"status": event.status, "details_retrievable": False})
        return self.store_and_publish(invitation, iso_utc(self._clock()), event.id)


def _from_event(event: InvitationEvent) -> Invitation:
    detail = event.detail.engagement_invitation
    return Invitation(
        id=event.invitation_id,
        catalog=event.catalog,
        arn=detail.arn,
        engagement_id=detail.engagement_id,
        payload_type=detail.payload_type,
    )


def _result(outcome: SyncOutcome, stored: StoredInvitation, event_type: str | None, completed: int) -> SyncResult:
    invitation = stored.invitation
    return SyncResult(
        outcome=outcome,
        catalog=invitation.catalog,
        invitation_id=invitation.id,
        status=invitation.status,
        version=stored.version,
        event_type=event_type,
        details_retrievable=invitation.details_retrievable,
        completed_pending=completed,
    )
