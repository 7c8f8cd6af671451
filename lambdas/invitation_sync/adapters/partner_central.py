"""Partner Central Selling API adapter: one Get per invitation, typed errors."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from invitation_sync.adapters.aws import error_code, is_transient
from invitation_sync.errors import (
    InvitationNotAccessibleError,
    PartnerCentralRequestError,
    PartnerCentralUnavailableError,
)
from invitation_sync.observability import tracer

if TYPE_CHECKING:
    from mypy_boto3_partnercentral_selling import PartnerCentralSellingAPIClient


_NOT_ACCESSIBLE = frozenset({"ResourceNotFoundException", "AccessDeniedException"})


class PartnerCentralInvitations:
    """Reads engagement invitations; botocore's retry mode absorbs short throttling bursts."""

    def __init__(self, client: "PartnerCentralSellingAPIClient", on_throttle: Callable[[], None] | None = None) -> None:
        self._client = client
        if on_throttle is not None:
            # Called for every throttled attempt, including the ones botocore's retries absorb.
            def count(response: Any = None, **_: Any) -> None:
                if response and response[1].get("Error", {}).get("Code") == "ThrottlingException":
                    on_throttle()

            client.meta.events.register("needs-retry.partnercentral-selling", count)

    @tracer.capture_method(capture_response=False)
    def get(self, catalog: str, invitation_id: str) -> dict[str, Any]:
        """The GetEngagementInvitation response as botocore parsed it (datetimes, unions as dicts)."""
        try:
            response = self._client.get_engagement_invitation(Catalog=catalog, Identifier=invitation_id)
        except (ClientError, BotoCoreError) as error:
            raise _classify(error, f"GetEngagementInvitation {catalog}/{invitation_id}") from error
        return dict(response)

    @tracer.capture_method(capture_response=False)
    def list_page(
        self, catalog: str, participant_type: str, next_token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page (up to 100) of invitation summaries, oldest invitation first, and the next token."""
        request: dict[str, Any] = {
            "Catalog": catalog,
            "ParticipantType": participant_type,
            "MaxResults": 100,
            "Sort": {"SortOrder": "ASCENDING", "SortBy": "InvitationDate"},
        }
        if next_token:
            request["NextToken"] = next_token
        try:
            response = self._client.list_engagement_invitations(**request)
        except (ClientError, BotoCoreError) as error:
            raise _classify(error, f"ListEngagementInvitations {catalog}/{participant_type}") from error
        summaries = [dict(summary) for summary in response.get("EngagementInvitationSummaries", [])]
        return summaries, response.get("NextToken")

    @tracer.capture_method(capture_response=False)
    def find_summary(
        self, catalog: str, participant_type: str, engagement_id: str, invitation_id: str
    ) -> dict[str, Any] | None:
        """The List summary of one invitation, found among its engagement's invitations (the API filters by
        engagement, not by invitation id): what Partner Central still serves once Get no longer answers."""
        token: str | None = None
        while True:
            request: dict[str, Any] = {
                "Catalog": catalog,
                "ParticipantType": participant_type,
                "EngagementIdentifier": [engagement_id],
                "MaxResults": 100,
            }
            if token:
                request["NextToken"] = token
            try:
                response = self._client.list_engagement_invitations(**request)
            except (ClientError, BotoCoreError) as error:
                raise _classify(error, f"ListEngagementInvitations {catalog}/{participant_type}") from error
            for summary in response.get("EngagementInvitationSummaries", []):
                if summary.get("Id") == invitation_id:
                    return dict(summary)
            token = response.get("NextToken")
            if not token:
                return None


def _classify(error: ClientError | BotoCoreError, call: str) -> Exception:
    """Map botocore's error to ours; the message names the call and the code, never response data."""
    code = error_code(error)
    if code in _NOT_ACCESSIBLE:
        return InvitationNotAccessibleError(f"{call}: {code}")
    if is_transient(error):
        return PartnerCentralUnavailableError(f"{call}: {code} persisted after retries")
    return PartnerCentralRequestError(f"{call}: {code}")
