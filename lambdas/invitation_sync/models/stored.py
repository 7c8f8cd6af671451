"""The stored item: the normalized invitation plus the bookkeeping that makes writes safe."""

import hashlib
import json
import uuid
from typing import Any, Final

from pydantic import BaseModel, ConfigDict

from invitation_sync.models.invitation import Invitation

_EVENT_ID_NAMESPACE: Final = uuid.UUID("6f1d2a2e-4f39-4a53-9a55-6a3f1b0c7e21")


def content_hash(invitation: Invitation) -> str:
    """SHA-256 of the invitation's canonical JSON: keys sorted, and every member that holds its declared
    default or nothing (null, [], {}) left out, at any depth. Equal content hashes equal whatever the key
    order, and a release that adds an optional field (with any default) hashes stored content as before,
    so it publishes no `invitation.updated` for a change that never happened."""
    dumped = invitation.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    canonical = json.dumps(_without_empty(dumped), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


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

    @property
    def event_id(self) -> str:
        return change_event_id(self.invitation.catalog, self.invitation.id, self.version)
