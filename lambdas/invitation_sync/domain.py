"""Vocabulary shared by every layer: catalogs, statuses, participant types, invitation ids."""

import re
from datetime import timedelta
from typing import Final, Literal, get_args

Catalog = Literal["AWS", "Sandbox"]
CATALOGS: Final = frozenset(get_args(Catalog))

ParticipantType = Literal["SENDER", "RECEIVER"]
PARTICIPANT_TYPES: Final = ("RECEIVER", "SENDER")  # RECEIVER first: the invitations to act on

PENDING: Final = "PENDING"
ACCEPTED: Final = "ACCEPTED"
REJECTED: Final = "REJECTED"
EXPIRED: Final = "EXPIRED"
FINAL_STATUSES: Final = frozenset({ACCEPTED, REJECTED, EXPIRED})
STATUSES: Final = (PENDING, ACCEPTED, REJECTED, EXPIRED)  # Partner Central's InvitationStatus today

INVITATION_ID_PATTERN: Final = re.compile(r"engi-[0-9a-z]{13}")
ENGAGEMENT_ID_PATTERN: Final = re.compile(r"eng-[0-9a-z]{14}")  # what ListEngagementInvitations filters by
# arn:aws:partnercentral:us-east-1::catalog/AWS/engagement-invitation/engi-v7p8z56whnauo
INVITATION_ARN_PATTERN: Final = re.compile(
    r"arn:aws[a-z-]*:partnercentral:[a-z0-9-]*:[0-9]*:catalog/(?P<catalog>[A-Za-z]+)"
    r"/engagement-invitation/(?P<id>engi-[0-9a-z]{13})"
)


def invitation_id_from(value: str) -> str | None:
    """The invitation id in `value` (a bare id or an invitation ARN), or None if it is neither."""
    if INVITATION_ID_PATTERN.fullmatch(value):
        return value
    match = INVITATION_ARN_PATTERN.fullmatch(value)
    return match["id"] if match else None


def hours_left(left: timedelta) -> int:
    """Whole hours, rounded down: the published reminder's `hoursLeft` and `invitation-sync status` agree
    (30 h 59 min is 30 h, never 31: that would promise time the invitation does not have)."""
    return int(left.total_seconds() // 3600)
