"""The EventBridge event Partner Central sends when an engagement invitation changes."""

from datetime import datetime
from typing import Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from invitation_sync.domain import (
    ACCEPTED,
    EXPIRED,
    PENDING,
    REJECTED,
    Catalog,
    ParticipantType,
    invitation_id_from,
)
from invitation_sync.errors import InvalidEventError
from invitation_sync.models.base import describe

SOURCE: Final = "aws.partnercentral-selling"
InvitationDetailType = Literal[
    "Engagement Invitation Created",
    "Engagement Invitation Accepted",
    "Engagement Invitation Rejected",
    "Engagement Invitation Expired",
]
STATUS_BY_DETAIL_TYPE: Final[dict[str, str]] = {
    "Engagement Invitation Created": PENDING,
    "Engagement Invitation Accepted": ACCEPTED,
    "Engagement Invitation Rejected": REJECTED,
    "Engagement Invitation Expired": EXPIRED,
}


class EngagementInvitationDetail(BaseModel):
    """`detail.engagementInvitation`: ids only; the content comes from GetEngagementInvitation."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: str | None = Field(None, max_length=255)
    arn: str | None = Field(None, max_length=2048)
    engagement_id: str | None = Field(None, alias="engagementId", max_length=255)
    payload_type: str | None = Field(None, alias="payloadType", max_length=255)
    participant_type: ParticipantType | None = Field(None, alias="participantType")

    @field_validator("participant_type", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        # The events document Sender/Receiver, the API answers SENDER/RECEIVER.
        return value.upper() if isinstance(value, str) else value


class InvitationEventDetail(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    catalog: Catalog
    engagement_invitation: EngagementInvitationDetail = Field(
        default_factory=EngagementInvitationDetail, alias="engagementInvitation"
    )


class InvitationEvent(BaseModel):
    """An `Engagement Invitation *` event, with the invitation id resolved from id, arn or resources[0].

    The EventBridge envelope's fields as Powertools' EventBridgeModel declares them, declared here:
    importing that model builds every event model Powertools bundles (see docs/performance.md)."""

    model_config = ConfigDict(populate_by_name=True)

    version: str
    id: str
    source: Literal["aws.partnercentral-selling"]
    account: str
    time: datetime
    region: str
    detail_type: InvitationDetailType = Field(alias="detail-type")
    detail: InvitationEventDetail
    resources: list[str] = Field(default_factory=list, max_length=10)
    replay_name: str | None = Field(None, alias="replay-name")
    _invitation_id: str = PrivateAttr("")

    @model_validator(mode="after")
    def _resolve_invitation_id(self) -> "InvitationEvent":
        invitation = self.detail.engagement_invitation
        candidates = [invitation.id, invitation.arn, *self.resources[:1]]
        for candidate in candidates:
            if candidate and (resolved := invitation_id_from(candidate)):
                self._invitation_id = resolved
                return self
        raise ValueError(
            "no invitation id: detail.engagementInvitation.id, detail.engagementInvitation.arn and "
            "resources[0] hold neither an id matching engi-[0-9a-z]{13} nor an invitation ARN"
        )

    @property
    def invitation_id(self) -> str:
        return self._invitation_id

    @property
    def catalog(self) -> Catalog:
        return self.detail.catalog

    @property
    def status(self) -> str:
        """The status this event announces (Created announces PENDING)."""
        return STATUS_BY_DETAIL_TYPE[self.detail_type]


def unwrap_parked(body: object) -> object:
    """The original event of a parked record moved back by a message move task: the sync function's own
    (`{"errorType", "reason", "failedAt", "event"}`) or Lambda's on-failure record of a direct invocation
    (`requestPayload`); any other body as it is."""
    if isinstance(body, dict) and "event" in body and "reason" in body and "detail-type" not in body:
        return body["event"]
    if isinstance(body, dict) and "requestPayload" in body and "detail-type" not in body:
        return body["requestPayload"]  # Lambda's on-failure record of a direct invocation
    return body


def parse_invitation_event(raw: object) -> InvitationEvent:
    """Any problem becomes an InvalidEventError naming the field."""
    if not isinstance(raw, dict):
        raise InvalidEventError(f"event: expected a JSON object, got {type(raw).__name__}")
    try:
        return InvitationEvent.model_validate(raw)
    except ValidationError as error:
        raise InvalidEventError(describe(error)) from None  # the cause would echo input values
