"""What a person reads in chat about one published invitation event, and the buttons they answer with.

A message says what a sales rep needs to decide: the payload type, sender, customer company, project
title, stage or use case, status, the time left, who answered, and a link to the invitation in
Partner Central. Never a contact's name, e-mail or phone (the rule the logs follow too): they are
not read here at all. Every field is shortened with an ellipsis to the custom-notification limits.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from invitation_sync.domain import PENDING
from invitation_sync.models.chat import (
    CONTEXT_VALUE_MAX,
    DESCRIPTION_MAX,
    KEYWORD_MAX,
    LINE_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    CustomNotification,
    NotificationContent,
    NotificationMetadata,
    shorten,
)
from invitation_sync.models.invitation import Invitation, LeadPayload, OpportunityPayload
from invitation_sync.models.published import InvitationChangedEvent

ANSWER_FAILED: Final = "invitation.answer-failed"  # published by the answer function (issue 23)
FIELD_MAX: Final = 200  # one value in the description
# additionalContext keys the buttons read as variables (infra/chat_buttons.py names them).
CATALOG_KEY: Final = "catalog"
INVITATION_KEY: Final = "invitationId"
ANSWER_FUNCTION_KEY: Final = "answerFunction"
ACCEPT_REQUEST_KEY: Final = "acceptRequest"
REJECT_REQUEST_KEY: Final = "rejectRequest"
# The buttons' labels (infra/chat_buttons.py); Reject's ellipsis: the service asks for the reason first.
ACCEPT_BUTTON: Final = "Accept"
REJECT_BUTTON: Final = "Reject…"

_PAYLOAD_LABELS: Final = {
    "OpportunityInvitation": "Opportunity invitation",
    "LeadInvitation": "Lead invitation",
    "AccountPlanningInvitation": "Account planning invitation",
}
_HEADLINES: Final = {
    "invitation.created": "New",
    "invitation.expiring": "Expiring",
    "invitation.accepted": "Accepted",
    "invitation.rejected": "Rejected",
    "invitation.expired": "Expired",
    "invitation.updated": "Updated",
    ANSWER_FAILED: "Answer failed",
}


class NotifiedEvent(InvitationChangedEvent):
    """A published event as the notifier reads it: any eventType a later 1.x adds."""

    event_type: str  # type: ignore[assignment]  # wider than the publisher's: read, never published


@dataclass(frozen=True)
class AnswerButtons:
    """What the Accept and Reject buttons need from a PENDING invitation's message."""

    function_arn: str


def time_left(expiration_date: str | None, now: datetime) -> str | None:
    """ "expires in 23 h" (whole hours, rounded down), "expires in 3 d 4 h" beyond two days."""
    if not expiration_date:
        return None
    seconds = (datetime.fromisoformat(expiration_date.replace("Z", "+00:00")) - now).total_seconds()
    if seconds <= 0:
        return "expiry passed"
    hours = int(seconds // 3600)
    if hours < 1:
        return "expires in under 1 h"
    if hours < 48:
        return f"expires in {hours} h"
    return f"expires in {hours // 24} d {hours % 24} h"


def invitation_link(template: str, invitation: Invitation) -> str:
    return template.format(catalog=invitation.catalog, invitationId=invitation.id)


def chat_message(
    event: NotifiedEvent, *, now: datetime, link_template: str, buttons: AnswerButtons | None
) -> CustomNotification:
    """The custom notification for `event`; buttons only on a PENDING invitation's new or reminder message."""
    invitation = event.invitation
    kind = _PAYLOAD_LABELS.get(invitation.payload_type or "", invitation.payload_type or "Invitation")
    sender = invitation.sender_company_name or ("AWS" if invitation.sender_aws_account_id == "aws" else None)
    subject = invitation.project_title or invitation.engagement_title or invitation.id
    left = time_left(invitation.expiration_date, now) if invitation.status == PENDING else None
    link = invitation_link(link_template, invitation)
    answerable = buttons is not None and invitation.status == PENDING and left != "expiry passed"
    answerable = answerable and event.event_type in ("invitation.created", "invitation.expiring")
    headline = _HEADLINES.get(event.event_type, event.event_type)
    title = f"{headline}: {kind.lower() if headline == 'New' else kind} — {subject}"
    context = {CATALOG_KEY: invitation.catalog, INVITATION_KEY: invitation.id}
    if answerable and buttons is not None:
        context |= _button_context(invitation, buttons)
    return CustomNotification(
        id=event.event_id,
        content=NotificationContent(
            title=shorten(title, TITLE_MAX),
            description=shorten("\n".join(_facts(event, kind, sender, left)), DESCRIPTION_MAX),
            next_steps=[shorten(step, LINE_MAX) for step in _next_steps(event, link, answerable)],
            keywords=[shorten(word, KEYWORD_MAX) for word in (kind, invitation.catalog, invitation.status) if word],
        ),
        metadata=NotificationMetadata(
            thread_id=f"{invitation.catalog}-{invitation.id}",
            summary=shorten(" · ".join(part for part in (title, sender, left) if part), SUMMARY_MAX),
            event_type=event.event_type,
            related_resources=[invitation.arn] if invitation.arn else [],
            additional_context={key: shorten(value, CONTEXT_VALUE_MAX) for key, value in context.items()},
            enable_custom_actions=answerable,
        ),
    )


def _facts(event: NotifiedEvent, kind: str, sender: str | None, left: str | None) -> list[str]:
    invitation = event.invitation
    payload = invitation.payload
    customer = getattr(payload, "customer", None)
    facts = [
        ("Type", kind),
        ("From", sender),
        ("Customer", getattr(customer, "company_name", None)),
        ("Project", invitation.project_title or invitation.engagement_title),
        *_stage_or_use_case(payload),
        ("Status", " — ".join(part for part in (invitation.status, left) if part) or None),
        ("Expires", invitation.expiration_date if invitation.status == PENDING else None),
        *_answer_facts(event),
        ("Invitation", f"{invitation.catalog} / {invitation.id}"),
    ]
    return [f"*{label}:* {shorten(value, FIELD_MAX)}" for label, value in facts if value]


def _stage_or_use_case(payload: object) -> list[tuple[str, str | None]]:
    if isinstance(payload, LeadPayload):
        return [("Use case", payload.interaction.usecase if payload.interaction else None)]
    if isinstance(payload, OpportunityPayload):
        return [("Opportunity type", payload.opportunity_type)]
    return []


def _answer_facts(event: NotifiedEvent) -> list[tuple[str, str | None]]:
    answer = event.answer
    if answer is None:
        return []
    by = " at ".join(part for part in (answer.requested_by, answer.requested_at) if part) or None
    return [
        ("Answered by" if event.event_type != ANSWER_FAILED else "Asked by", by),
        ("Decision", answer.decision),
        ("Reason", answer.reason),
        ("Opportunity", answer.opportunity_id),
        ("Partner Central said", answer.failure_code),
    ]


def _next_steps(event: NotifiedEvent, link: str, answerable: bool) -> list[str]:
    if answerable:
        return ["Accept or Reject with the buttons below (Reject asks for a reason).", f"Open it: {link}"]
    if event.event_type == ANSWER_FAILED:
        return ["Nothing was answered: check the reason, then answer again or in Partner Central.", f"Open: {link}"]
    return [f"Open it in Partner Central: {link}"]


def _button_context(invitation: Invitation, buttons: AnswerButtons) -> dict[str, str]:
    """The closing members of the answer request each button sends (the button's command opens it with the
    reason and requestedBy, which the members after them override: infra/chat_buttons.py); a custom
    action's command holds at most 100 characters."""
    base = {"catalog": invitation.catalog, "invitationId": invitation.id}
    return {
        ANSWER_FUNCTION_KEY: buttons.function_arn,
        ACCEPT_REQUEST_KEY: _closing_members({**base, "decision": "accept"}),
        REJECT_REQUEST_KEY: _closing_members({**base, "decision": "reject"}),
    }


def _closing_members(members: dict[str, str]) -> str:
    """`"catalog":"AWS",...,"decision":"accept"}`: compact JSON without its opening brace."""
    return json.dumps(members, separators=(",", ":"))[1:]


def utc_now() -> datetime:
    return datetime.now(UTC)
