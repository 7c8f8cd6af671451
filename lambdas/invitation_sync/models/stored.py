"""The stored item: the normalized invitation plus the bookkeeping that makes writes safe."""

import hashlib
import json
import uuid
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict

from invitation_sync.models.base import CamelModel
from invitation_sync.models.invitation import Invitation

_EVENT_ID_NAMESPACE: Final = uuid.UUID("6f1d2a2e-4f39-4a53-9a55-6a3f1b0c7e21")


def content_hash(invitation: Invitation) -> str:
    """SHA-256 of the invitation's canonical JSON: keys sorted, and every member that holds its declared
    default or nothing (null, [], {}) left out, at any depth. Equal content hashes equal whatever the key
    order, and a release that adds an optional field (with any default) hashes stored content as before,
    so it publishes no `invitation.updated` for a change that never happened."""
    canonical = json.dumps(_canonical(invitation), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _canonical(invitation: Invitation) -> Any:
    """The content the hash and changedFields compare: no defaults, no empty members."""
    return _without_empty(invitation.model_dump(mode="json", by_alias=True, exclude_defaults=True))


def _without_empty(value: Any) -> Any:
    """Drop null and empty members of maps, recursively; list items keep their places."""
    if isinstance(value, dict):
        members = {key: _without_empty(item) for key, item in value.items()}
        return {key: item for key, item in members.items() if item not in (None, [], {})}
    if isinstance(value, list):
        return [_without_empty(item) for item in value]
    return value


def change_event_id(catalog: str, invitation_id: str, version: int) -> str:
    """Deterministic per change, so a retried publish carries the same id and subscribers can deduplicate."""
    return str(uuid.uuid5(_EVENT_ID_NAMESPACE, f"{catalog}/{invitation_id}/{version}"))


def reminder_event_id(catalog: str, invitation_id: str, version: int, threshold_hours: int) -> str:
    """One id per invitation, stored version and reminder threshold: a repeated reminder keeps it."""
    return str(uuid.uuid5(_EVENT_ID_NAMESPACE, f"{catalog}/{invitation_id}/{version}/expiring/{threshold_hours}h"))


def changed_paths(before: Invitation, after: Invitation) -> list[str]:
    """Sorted dotted paths of the members whose value differs, in the content the hash compares (so a new
    version always names one, and an empty member equals an absent one); lists compare whole."""
    return sorted(_differences(_canonical(before), _canonical(after)))


def _differences(before: Any, after: Any, path: str = "") -> list[str]:
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return [path] if before != after else []
    prefix = f"{path}." if path else ""
    return [
        found
        for name in before.keys() | after.keys()
        for found in _differences(before.get(name), after.get(name), prefix + name)
    ]


AnswerState = Literal["claimed", "writing", "written", "answered", "failed", "withdrawn"]
OPEN_ANSWER_STATES: Final = ("claimed", "writing", "written")  # resumable by the same decision
RETAKEN_ANSWER_STATES: Final = ("failed", "withdrawn")  # a new claim (any decision) may replace them
PUBLISHED_ANSWER_STATES: Final = ("written", "answered")  # Partner Central took it: the events name it


class AnswerRecord(CamelModel):
    """The invitation's answer: who asked for what and when, and what Partner Central answered (the audit
    record, the `answer` map of the item). `state` moves claimed -> writing (a write call may be on its way)
    -> written (Partner Central took it; the accept task runs) -> answered, or -> failed; a claim that sent
    nothing because Partner Central no longer shows the invitation PENDING ends withdrawn. A failed or
    withdrawn answer may be asked for again: `attempt` then counts up, and with it the ClientToken."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    decision: Literal["accept", "reject"]
    requested_by: str
    requested_at: str
    reason: str | None = None
    attempt: int = 1
    client_token: str
    state: AnswerState
    lease_until: str  # the request that holds it answers until then; afterwards the next one resumes
    operation: str | None = None  # the write operation sent (or to be sent)
    sent_at: str | None = None  # when the last write was recorded as going out (state writing), just before it
    task_id: str | None = None
    task_status: str | None = None
    opportunity_id: str | None = None
    reason_code: str | None = None  # the task's ReasonCode or the error code of a refused write
    answered_at: str | None = None  # when Partner Central took the answer (or refused it)
    failure_published: bool = False  # its invitation.answer-failed event went out
    # Answered after the item stored the answered status: that event lacked what this record adds (the
    # opportunity), so a new version announces it (InvitationSync.announce_answer clears this).
    announce_pending: bool = False

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_ANSWER_STATES


def answer_token(catalog: str, invitation_id: str, decision: str, attempt: int) -> str:
    """The ClientToken of an answer: the same for every retry, resume and repeat of one attempt, never random
    (64 hex characters, inside the API's 1-64 printable ASCII)."""
    return hashlib.sha256(f"{catalog}/{invitation_id}/{decision}/{attempt}".encode()).hexdigest()


def answer_failed_event_id(catalog: str, invitation_id: str, attempt: int) -> str:
    return str(uuid.uuid5(_EVENT_ID_NAMESPACE, f"{catalog}/{invitation_id}/answer-failed/{attempt}"))


class StoredInvitation(BaseModel):
    """One table item as the sync sees it."""

    model_config = ConfigDict(frozen=True)

    invitation: Invitation
    version: int
    content_hash: str
    synced_at: str
    previous_status: str | None = None
    source_event_id: str | None = None
    publish_pending: bool = False
    publish_lease_until: str | None = None  # the writer publishes until then; afterwards anyone may
    # The version this one replaced, kept only while its publish is pending: whoever publishes (the
    # writer, a take-over, the reconciler) derives the same changedFields from the item alone.
    previous_invitation: Invitation | None = None
    answer: AnswerRecord | None = None  # set by the answer function only

    @property
    def changed_fields(self) -> list[str] | None:
        """What this version changed; None for the first version (or one stored before it was kept)."""
        if self.version == 1 or self.previous_invitation is None:
            return None
        return changed_paths(self.previous_invitation, self.invitation)

    @property
    def event_id(self) -> str:
        return change_event_id(self.invitation.catalog, self.invitation.id, self.version)


class RecordedReminder(CamelModel):
    """An expiry reminder written to the invitation's item before it is published (`reminderPending`):
    what a repeated publish needs to send the same event, and the publisher's lease."""

    model_config = ConfigDict(defer_build=True)  # built on first use: only the reminder function uses it

    threshold_hours: int
    expires_at: str
    hours_left: int
    version: int  # the stored version the reminder was recorded against: part of its eventId
    occurred_at: str
    lease_until: str
