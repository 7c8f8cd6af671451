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
from invitation_sync.adapters.store import InvitationStore, SaveResult
from invitation_sync.budgets import PUBLISH_LEASE_SECONDS, PUBLISH_WAIT_SECONDS
from invitation_sync.domain import ENGAGEMENT_ID_PATTERN, EXPIRED, FINAL_STATUSES, PARTICIPANT_TYPES, REJECTED
from invitation_sync.errors import (
    ConcurrentChangeError,
    InvalidEventError,
    InvitationNotAccessibleError,
    LaggingReadError,
    PartnerCentralRequestError,
    PublishError,
    StoreUnavailableError,
)
from invitation_sync.models.base import describe
from invitation_sync.models.event import InvitationEvent
from invitation_sync.models.invitation import Invitation
from invitation_sync.models.published import InvitationChangedEvent
from invitation_sync.models.stored import StoredInvitation, content_hash
from invitation_sync.normalize import iso_utc, normalize, normalize_summary
from invitation_sync.observability import logger

# How long a writer has to publish before another delivery may take over (budgets.py: longer than
# SNS's worst case); if a publish still overruns it, the cost is a duplicate with the same eventId.
PUBLISH_LEASE: Final = timedelta(seconds=PUBLISH_LEASE_SECONDS)
PUBLISH_WAIT: Final = timedelta(seconds=PUBLISH_WAIT_SECONDS)
_FIRST_WAIT: Final = 0.05  # seconds before the next write while another writer publishes; doubles
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
        """Sync the invitation an EventBridge event names."""
        if event.catalog not in self._catalogs:
            raise InvalidEventError(
                f"detail.catalog: {event.catalog} is not synced here (configured: {sorted(self._catalogs)})"
            )
        return self.sync_invitation(
            event.catalog,
            event.invitation_id,
            event.id,
            announced_status=event.status,
            known=_from_event(event),
            participant_type=event.detail.engagement_invitation.participant_type,
        )

    def sync_invitation(
        self,
        catalog: str,
        invitation_id: str,
        source_event_id: str,
        *,
        announced_status: str | None = None,
        known: Invitation | None = None,
        participant_type: str | None = None,
        known_from_summary: bool = False,
    ) -> SyncResult:
        """Fetch, normalize, store, publish. `announced_status`, `known` and `participant_type` say what
        the caller (an event, a List summary) already knows, for when Partner Central no longer serves
        the details; `known_from_summary`: `known` is the List summary already, not to be looked up again.
        An announced final status that Get does not answer yet is a lagging read: what Get answered is
        stored, and LaggingReadError asks for the event again later."""
        try:
            response = self._partner_central.get(catalog, invitation_id)
        except InvitationNotAccessibleError as error:
            return self.sync_inaccessible(
                error,
                catalog,
                invitation_id,
                source_event_id,
                announced_status=announced_status,
                known=known,
                participant_type=participant_type,
                known_from_summary=known_from_summary,
            )
        synced_at = iso_utc(self._clock())
        try:
            invitation = normalize(response)
        except ValidationError as error:
            message = f"GetEngagementInvitation answer unusable: {describe(error)}"
            raise PartnerCentralRequestError(message) from None  # the cause would echo response values
        result = self.store_and_publish(invitation, synced_at, source_event_id)
        announced_final = announced_status in FINAL_STATUSES and invitation.status not in FINAL_STATUSES
        if announced_final and result.status not in FINAL_STATUSES:  # nor has the table (a reconcile may have)
            raise LaggingReadError(
                f"{catalog}/{invitation_id}: the event announced {announced_status}, "
                f"GetEngagementInvitation still answers {invitation.status}"
            )
        return result

    def finish_pending_publish(self, stored: StoredInvitation) -> bool:
        """Publish a stored version whose writer never cleared its marker (used by the reconciler)."""
        return stored.publish_pending and self._take_over_publish(stored)

    def store_and_publish(self, invitation: Invitation, synced_at: str, source_event_id: str) -> SyncResult:
        """Write the change if it is new. A version still waiting to be published is finished first
        (once its writer's lease ran out), so every stored version is published before the next."""
        fingerprint = content_hash(invitation)
        return self._write_and_publish(
            f"{invitation.catalog}/{invitation.id}",
            lambda lease_until: self._store.save(invitation, fingerprint, synced_at, source_event_id, lease_until),
            lambda current: SyncOutcome.UNCHANGED if current.content_hash == fingerprint else SyncOutcome.STALE,
        )

    def announce_answer(self, catalog: str, invitation_id: str, source_event_id: str) -> SyncResult:
        """Publish what the invitation's answer record gained after its answered status went out (the accept
        task's opportunity) on a new version, its content unchanged (invitation.updated); UNCHANGED when there
        is nothing (left) to announce."""
        return self._write_and_publish(
            f"{catalog}/{invitation_id}",
            lambda lease_until: self._store.announce_answer(catalog, invitation_id, source_event_id, lease_until),
            lambda _: SyncOutcome.UNCHANGED,
        )

    def _write_and_publish(
        self,
        name: str,
        write: Callable[[str], SaveResult],
        refused: Callable[[StoredInvitation], SyncOutcome],
    ) -> SyncResult:
        """`write` a version (leased to us until the time it is given) and publish it; while an earlier version
        waits for its publish, finish that first (once its writer's lease ran out) or wait for its writer."""
        completed = 0
        # No round starts after PUBLISH_WAIT: the record is then retried later, when any lease has run out.
        give_up_at = self._clock() + PUBLISH_WAIT
        wait = _FIRST_WAIT
        while True:
            result = write(self._lease_until())
            current = result.current
            if result.saved:
                event = self._publish(current)
                return _result(SyncOutcome.STORED, current, event.event_type, completed)
            if not current.publish_pending:
                return _result(refused(current), current, None, completed)
            if self._take_over_publish(current):
                completed += 1
            elif (left := (give_up_at - self._clock()).total_seconds()) > 0:
                # Its writer holds the lease and is publishing now: wait for it rather than report success
                # for a change that is not published yet.
                self._sleep(min(wait, left))
                wait *= 2
            if self._clock() >= give_up_at:
                raise ConcurrentChangeError(f"{name}: another delivery still publishes version {current.version}")

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
            try:
                self._store.release_publish_lease(stored, iso_utc(self._clock()))
            except StoreUnavailableError:
                logger.warning("lease not released: the next delivery takes over when it expires")
            raise
        self._store.clear_publish_pending(stored)
        return event

    def sync_inaccessible(
        self,
        error: InvitationNotAccessibleError,
        catalog: str,
        invitation_id: str,
        source_event_id: str,
        *,
        announced_status: str | None,
        known: Invitation | None,
        participant_type: str | None,
        known_from_summary: bool = False,
    ) -> SyncResult:
        """After a rejection or an expiry: keep what we knew, fill in what the List summary still says,
        take the announced status, and say the details are gone. A late announcement for an invitation
        already closed that way is stale. (A stored final status is never replaced: the store refuses.)
        The reconciler calls it too, with the status a List summary announces, once Get has refused."""
        stored = self._store.get(catalog, invitation_id)
        if announced_status in _INACCESSIBLE_AFTER:
            known = known or Invitation(id=invitation_id, catalog=catalog)
            if stored is None and not known_from_summary:
                known = self._with_summary(known, participant_type)
            if stored and stored.invitation.status in FINAL_STATUSES and stored.invitation.status != announced_status:
                return _result(SyncOutcome.STALE, stored, None, 0)  # final is final: a contradicting claim
            base = stored.invitation.filled_from(known) if stored else known
            invitation = base.model_copy(update={"status": announced_status, "details_retrievable": False})
            return self.store_and_publish(invitation, iso_utc(self._clock()), source_event_id)
        if stored and stored.invitation.status in _INACCESSIBLE_AFTER:
            return _result(SyncOutcome.STALE, stored, None, 0)
        raise error

    def _with_summary(self, known: Invitation, participant_type: str | None) -> Invitation:
        """A first sighting whose details are gone: its List summary (dates, titles, sender, status) so the
        item enters the indexes. The summary is found through its engagement; without one, ids are all."""
        if not known.engagement_id or not ENGAGEMENT_ID_PATTERN.fullmatch(known.engagement_id):
            return known
        for participant in [participant_type] if participant_type else list(PARTICIPANT_TYPES):
            summary = self._partner_central.find_summary(known.catalog, participant, known.engagement_id, known.id)
            if summary is not None:
                return known.filled_from(normalize_summary(summary))
        return known


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
