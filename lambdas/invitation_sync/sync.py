"""The sync use case: fetch -> normalize -> conditional store -> publish -> clear the marker.

Every path into the table (events, the reconciler, redrive) goes through InvitationSync, so the
guarantees are the same wherever a change is noticed.
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
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
)
from invitation_sync.models.base import describe
from invitation_sync.models.event import InvitationEvent
from invitation_sync.models.invitation import Invitation
from invitation_sync.models.published import InvitationChangedEvent
from invitation_sync.models.stored import StoredInvitation, content_hash
from invitation_sync.normalize import iso_utc, normalize

_MAX_WRITE_ATTEMPTS: Final = 4
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


def _now() -> str:
    return iso_utc(datetime.now(UTC))


class InvitationSync:
    def __init__(
        self,
        partner_central: PartnerCentralInvitations,
        store: InvitationStore,
        publisher: InvitationEventPublisher,
        catalogs: frozenset[str],
        clock: Callable[[], str] = _now,
    ) -> None:
        self._partner_central = partner_central
        self._store = store
        self._publisher = publisher
        self._catalogs = catalogs
        self._clock = clock

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
            if event.status not in _INACCESSIBLE_AFTER:
                raise
            return self._record_inaccessible(event)

    def sync_invitation(self, catalog: str, invitation_id: str, source_event_id: str) -> SyncResult:
        response = self._partner_central.get(catalog, invitation_id)
        synced_at = self._clock()
        try:
            invitation = normalize(response)
        except ValidationError as error:
            raise PartnerCentralRequestError(
                f"GetEngagementInvitation answer unusable: {describe(error)}"
            ) from error
        return self.store_and_publish(invitation, synced_at, source_event_id)

    def store_and_publish(self, invitation: Invitation, synced_at: str, source_event_id: str) -> SyncResult:
        """Write the change if it is new; first finish any earlier change still waiting to publish,
        so every stored version is published before the next replaces it."""
        fingerprint = content_hash(invitation)
        completed = 0
        for _ in range(_MAX_WRITE_ATTEMPTS):
            result = self._store.save(invitation, fingerprint, synced_at, source_event_id)
            if result.saved:
                event = self._publish(result.current)
                return _result(SyncOutcome.STORED, result.current, event.event_type, completed)
            current = result.current
            if current.publish_pending:
                self._publish(current)
                completed += 1
                continue
            outcome = SyncOutcome.UNCHANGED if current.content_hash == fingerprint else SyncOutcome.STALE
            return _result(outcome, current, None, completed)
        raise ConcurrentChangeError(
            f"{invitation.catalog}/{invitation.id}: still changing after {_MAX_WRITE_ATTEMPTS} write attempts"
        )

    def _publish(self, stored: StoredInvitation) -> InvitationChangedEvent:
        event = InvitationChangedEvent.from_stored(stored)
        self._publisher.publish(event)
        self._store.clear_publish_pending(stored)
        return event

    def _record_inaccessible(self, event: InvitationEvent) -> SyncResult:
        """Keep what we knew, take the status from the event, and say the details are gone."""
        stored = self._store.get(event.catalog, event.invitation_id)
        known = stored.invitation if stored else _from_event(event)
        invitation = known.model_copy(update={"status": event.status, "details_retrievable": False})
        return self.store_and_publish(invitation, self._clock(), event.id)


def _from_event(event: InvitationEvent) -> Invitation:
    detail = event.detail.engagement_invitation
    return Invitation(
        id=event.invitation_id,
        catalog=event.catalog,
        arn=detail.arn,
        engagement_id=detail.engagement_id,
        payload_type=detail.payload_type,
    )


def _result(
    outcome: SyncOutcome, stored: StoredInvitation, event_type: str | None, completed: int
) -> SyncResult:
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
