"""The stored item: the normalized invitation plus the bookkeeping that makes writes safe."""

import hashlib
import json
import uuid
from typing import Final

from pydantic import BaseModel, ConfigDict

from invitation_sync.models.invitation import Invitation

_EVENT_ID_NAMESPACE: Final = uuid.UUID("6f1d2a2e-4f39-4a53-9a55-6a3f1b0c7e21")


def content_hash(invitation: Invitation) -> str:
    """SHA-256 of the invitation's canonical JSON: equal content, equal hash, whatever the key order."""
    canonical = json.dumps(invitation.model_dump(mode="json", by_alias=True), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


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
