"""The normalized invitation: every GetEngagementInvitation field, camelCase, payload flattened."""

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, JsonValue, Tag

from invitation_sync.domain import CATALOGS, STATUSES
from invitation_sync.models.base import CamelModel, known_values


class Contact(CamelModel):
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    business_title: str | None = None
    phone: str | None = None


class Customer(CamelModel):
    """The customer as each payload type describes it; absent members stay null."""

    company_name: str | None = None
    industry: str | None = None
    website_url: str | None = None
    country_code: str | None = None
    aws_maturity: str | None = None
    market_segment: str | None = None


class CustomerSpend(CamelModel):
    amount: str | None = Field(None, description="Exact decimal string, never a float.")
    currency_code: str | None = None
    frequency: str | None = None
    target_company: str | None = None
    estimation_url: str | None = None


class Project(CamelModel):
    title: str | None = None
    business_problem: str | None = None
    target_completion_date: str | None = Field(None, description="YYYY-MM-DD")
    expected_customer_spend: list[CustomerSpend] = Field(default_factory=list)


class OpportunityPayload(CamelModel):
    type: Literal["OpportunityInvitation"]
    customer: Customer | None = None
    project: Project | None = None
    sender_contacts: list[Contact] = Field(default_factory=list)
    receiver_responsibilities: list[str] = Field(default_factory=list)
    opportunity_type: str | None = None


class LeadInteraction(CamelModel):
    source_type: str | None = None
    source_id: str | None = None
    source_name: str | None = None
    usecase: str | None = None
    contact_business_title: str | None = None


class LeadPayload(CamelModel):
    type: Literal["LeadInvitation"]
    customer: Customer | None = None
    interaction: LeadInteraction | None = None


class PreferredContact(CamelModel):
    window: str | None = None
    timezone: str | None = None


class AccountPlanningPayload(CamelModel):
    type: Literal["AccountPlanningInvitation"]
    account_identifier: str | None = None
    customer: Customer | None = None
    sender_contacts: list[Contact] = Field(default_factory=list)
    preferred_contact: PreferredContact | None = None


KNOWN_PAYLOAD_TYPES = frozenset({"OpportunityInvitation", "LeadInvitation", "AccountPlanningInvitation"})
CATALOG_VALUES = known_values(
    sorted(CATALOGS),
    "The Partner Central catalog: AWS (live) or Sandbox (testing). Only the catalogs the stack syncs are "
    "published; one Partner Central adds may be synced by a later 1.x.",
)
STATUS_VALUES = known_values(
    STATUSES,
    "Partner Central's status, as it answered: PENDING, then one final status. Published as sent, so a status "
    "Partner Central adds arrives too: handle one you do not know instead of rejecting the event.",
    nullable=True,
)
PAYLOAD_TYPE_VALUES = known_values(
    sorted(KNOWN_PAYLOAD_TYPES),
    "Partner Central's payload type. A type Partner Central adds arrives under its own name (its payload "
    "as UnknownPayload), never as a failure: accept it too.",
    nullable=True,
)
_NOT_A_KNOWN_TYPE: dict[str, JsonValue] = {"not": {"enum": [*sorted(KNOWN_PAYLOAD_TYPES)]}}


class UnknownPayload(CamelModel):
    """A payload type this release does not know, kept whole in `raw`: members camelCased like the known
    types, values as sent. Where botocore's model lacks the type too, the content comes from the HTTP
    body: timestamps stay epoch seconds and fractional numbers become exact decimal strings (nothing
    says what they are). `raw` is empty only if the content could not be recovered."""

    type: str = Field(json_schema_extra=_NOT_A_KNOWN_TYPE)
    raw: dict[str, Any] = Field(
        default_factory=dict,
        description="The payload's members, camelCase; values as Partner Central sent them (fractions as "
        "exact decimal strings; timestamps as epoch seconds when this SDK does not know the type).",
    )


def _payload_tag(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if kind in KNOWN_PAYLOAD_TYPES else "Unknown"


Payload = Annotated[
    Annotated[OpportunityPayload, Tag("OpportunityInvitation")]
    | Annotated[LeadPayload, Tag("LeadInvitation")]
    | Annotated[AccountPlanningPayload, Tag("AccountPlanningInvitation")]
    | Annotated[UnknownPayload, Tag("Unknown")],
    Discriminator(_payload_tag),
]


class Receiver(CamelModel):
    type: str = Field(description="The Receiver union member, e.g. Account.")
    aws_account_id: str | None = None
    alias: str | None = None
    raw: dict[str, Any] | None = Field(
        None, description="A receiver type this release does not know: its members, kept like UnknownPayload.raw."
    )


class ExistingMember(CamelModel):
    company_name: str | None = None
    website_url: str | None = None


class Invitation(CamelModel):
    """One engagement invitation as Partner Central describes it. Only id and catalog are guaranteed."""

    id: str
    catalog: Annotated[str, CATALOG_VALUES]
    arn: str | None = None
    payload_type: Annotated[str | None, PAYLOAD_TYPE_VALUES] = None
    status: Annotated[str | None, STATUS_VALUES] = None
    engagement_id: str | None = None
    engagement_title: str | None = None
    engagement_description: str | None = None
    invitation_date: str | None = Field(None, description="ISO-8601 UTC, millisecond precision.")
    expiration_date: str | None = Field(None, description="ISO-8601 UTC, millisecond precision.")
    sender_aws_account_id: str | None = Field(None, description="'aws' when AWS sent the invitation.")
    sender_company_name: str | None = None
    receiver: Receiver | None = None
    rejection_reason: str | None = None
    invitation_message: str | None = None
    existing_members: list[ExistingMember] = Field(default_factory=list)
    payload: Payload | None = None
    enrichment_context: dict[str, Any] | None = Field(
        None, description="Partner Central's enrichment data, members camelCased, otherwise as received."
    )
    details_retrievable: bool = Field(
        True, description="False once Partner Central stopped serving the details (after a rejection)."
    )

    def missing_members(self, other: "Invitation") -> dict[str, Any]:
        """The declared members this invitation lacks and `other` has."""
        return {
            name: value
            for name, value in other
            if getattr(self, name, None) in (None, []) and value not in (None, []) and name in type(self).model_fields
        }

    def filled_from(self, other: "Invitation") -> "Invitation":
        """This invitation with the members it lacks taken from `other` (what a List summary or an event
        still says when Partner Central no longer serves the details)."""
        missing = self.missing_members(other)
        return self.model_copy(update=missing) if missing else self

    @property
    def project_title(self) -> str | None:
        """The opportunity's project title: the API's documented link from invitation to opportunity."""
        project = getattr(self.payload, "project", None)
        return project.title if isinstance(project, Project) else None
