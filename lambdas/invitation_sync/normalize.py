"""GetEngagementInvitation response (as botocore parses it) -> normalized Invitation.

Generic on purpose: members are camelCased and timestamps rendered as they come, so a member a newer
botocore knows and this model does not is kept rather than dropped; only the tagged unions get their
shape changed. A union member even botocore lacks arrives whole through the adapter's hook (from the
HTTP body); a structure member botocore lacks is dropped by botocore itself: ship a current botocore.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from invitation_sync.domain import invitation_id_from
from invitation_sync.errors import PartnerCentralAnswerError
from invitation_sync.models.base import describe
from invitation_sync.models.invitation import KNOWN_PAYLOAD_TYPES, Invitation

SDK_UNKNOWN_MEMBER = "SDK_UNKNOWN_MEMBER"
_KNOWN_MEMBERS = KNOWN_PAYLOAD_TYPES | {"Account"}
_UNIONS_AND_METADATA = frozenset({"Payload", "Receiver", "ResponseMetadata"})


def iso_utc(moment: datetime) -> str:
    """Fixed-width ISO-8601 UTC (e.g. 2026-11-26T05:39:55.123Z), so strings sort like instants."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def camelize(value: Any) -> Any:
    """PascalCase members -> camelCase, datetimes -> ISO-8601 UTC, Decimals -> exact strings."""
    if isinstance(value, Mapping):
        return {key[:1].lower() + key[1:]: camelize(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [camelize(item) for item in value]
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def flatten_union(union: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """{"Member": {...}} -> {"type": "Member", ...}; a member unknown to this release stays raw."""
    if not union:
        return None
    (member, content), *_ = union.items()
    if member == SDK_UNKNOWN_MEMBER:
        name = content.get("name") if isinstance(content, Mapping) else None
        return {"type": str(name or "Unknown"), "raw": {}}
    fields = camelize(content) if isinstance(content, Mapping) else {"value": camelize(content)}
    return {"type": member, **fields} if member in _KNOWN_MEMBERS else {"type": member, "raw": fields}


def normalize(response: Mapping[str, Any]) -> Invitation:
    """Build the normalized invitation; raises pydantic.ValidationError only if Id/Catalog are missing."""
    data = camelize({key: value for key, value in response.items() if key not in _UNIONS_AND_METADATA})
    data["payload"] = flatten_union(response.get("Payload"))
    data["receiver"] = flatten_union(response.get("Receiver"))
    data["id"] = invitation_id_from(str(data.get("id", ""))) or data.get("id")  # an ARN answer keys like an id
    return Invitation.model_validate(data)


def normalize_summary(summary: Mapping[str, Any]) -> Invitation:
    """A ListEngagementInvitations summary as far as it describes the invitation (not ParticipantType).
    One that does not fit raises PartnerCentralAnswerError naming the fields, never their values."""
    try:
        return normalize({key: value for key, value in summary.items() if key != "ParticipantType"})
    except ValidationError as error:
        message = f"ListEngagementInvitations summary unusable: {describe(error)}"
        raise PartnerCentralAnswerError(message) from None  # the cause would quote the summary's values
