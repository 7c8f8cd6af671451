"""Partner Central Selling API adapter: one Get per invitation, typed errors, unknown union members kept."""

import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from botocore.awsrequest import AWSResponse
from botocore.exceptions import BotoCoreError, ClientError
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from invitation_sync.adapters.aws import error_code, is_transient
from invitation_sync.errors import (
    InvitationNotAccessibleError,
    ListTokenRefusedError,
    PartnerCentralRequestError,
    PartnerCentralUnavailableError,
)
from invitation_sync.normalize import SDK_UNKNOWN_MEMBER
from invitation_sync.observability import tracer

if TYPE_CHECKING:
    from mypy_boto3_partnercentral_selling import PartnerCentralSellingAPIClient


_NOT_ACCESSIBLE = frozenset({"ResourceNotFoundException", "AccessDeniedException"})


class PartnerCentralInvitations:
    """Reads engagement invitations; botocore's retry mode absorbs short throttling bursts."""

    def __init__(self, client: "PartnerCentralSellingAPIClient", on_throttle: Callable[[], None] | None = None) -> None:
        self._client = client
        client.meta.events.register(
            "after-call.partnercentral-selling", _keep_unknown_union_members, unique_id=_KEEP_UNKNOWN_MEMBERS
        )
        if on_throttle is not None:
            # Called for every throttled attempt, including the ones botocore's retries absorb.
            def count(response: Any = None, **_: Any) -> None:
                if response and response[1].get("Error", {}).get("Code") == "ThrottlingException":
                    on_throttle()

            client.meta.events.register("needs-retry.partnercentral-selling", count)

    @tracer.capture_method(capture_response=False)
    def get(self, catalog: str, invitation_id: str) -> dict[str, Any]:
        """The GetEngagementInvitation response as botocore parsed it (datetimes, unions as dicts), with
        a union member botocore does not know as it came on the wire (see _keep_unknown_union_members)."""
        try:
            response = self._client.get_engagement_invitation(Catalog=catalog, Identifier=invitation_id)
        except (ClientError, BotoCoreError) as error:
            raise _classify(error, f"GetEngagementInvitation {catalog}/{invitation_id}") from error
        return dict(response)

    @tracer.capture_method(capture_response=False)
    def list_page(
        self,
        catalog: str,
        participant_type: str,
        next_token: str | None,
        *,
        statuses: Sequence[str] = (),
        engagement_ids: Sequence[str] = (),
        newest_first: bool = False,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page (up to 100) of invitation summaries sorted by invitation date, and the next token.
        A token Partner Central refuses (it expired) raises ListTokenRefusedError: list again from the start."""
        request: dict[str, Any] = {
            "Catalog": catalog,
            "ParticipantType": participant_type,
            "MaxResults": 100,
            "Sort": {"SortOrder": "DESCENDING" if newest_first else "ASCENDING", "SortBy": "InvitationDate"},
        }
        if statuses:
            request["Status"] = list(statuses)
        if engagement_ids:
            request["EngagementIdentifier"] = list(engagement_ids)
        if next_token:
            request["NextToken"] = next_token
        call = f"ListEngagementInvitations {catalog}/{participant_type}"
        try:
            response = self._client.list_engagement_invitations(**request)
        except (ClientError, BotoCoreError) as error:
            if next_token and error_code(error) == "ValidationException":
                raise ListTokenRefusedError(f"{call}: the NextToken was refused (ValidationException)") from error
            raise _classify(error, call) from error
        summaries = [dict(summary) for summary in response.get("EngagementInvitationSummaries", [])]
        return summaries, response.get("NextToken")

    @tracer.capture_method(capture_response=False)
    def find_summary(
        self, catalog: str, participant_type: str, engagement_id: str, invitation_id: str
    ) -> dict[str, Any] | None:
        """The List summary of one invitation, found among its engagement's invitations (the API filters by
        engagement, not by invitation id): what Partner Central still serves once Get no longer answers.
        One page (100) only: an engagement has a handful of invitations, and the call's budget is one call."""
        summaries, _ = self.list_page(catalog, participant_type, None, engagement_ids=[engagement_id])
        return next((summary for summary in summaries if summary.get("Id") == invitation_id), None)


_KEEP_UNKNOWN_MEMBERS: Final = "invitation-sync-keep-unknown-union-members"


def _keep_unknown_union_members(
    http_response: AWSResponse, parsed: dict[str, Any], model: OperationModel, **_: Any
) -> None:
    """botocore's after-call hook. botocore answers a union member its model lacks (a payload type AWS
    added after this SDK) with {"SDK_UNKNOWN_MEMBER": {"name": ...}} and drops the content; put the
    member back from the HTTP body, as sent: {name: JSON}, fractional numbers as exact Decimals (the
    table cannot store floats). Nothing of the content is logged or put into an exception."""
    if http_response.status_code >= 300 or model.output_shape is None or not _mentions_unknown(parsed):
        return
    _restore_unknown(parsed, json.loads(http_response.content, parse_float=Decimal), model.output_shape)


def _mentions_unknown(value: Any) -> bool:
    if isinstance(value, dict):
        return SDK_UNKNOWN_MEMBER in value or any(_mentions_unknown(item) for item in value.values())
    return isinstance(value, list) and any(_mentions_unknown(item) for item in value)


def _restore_unknown(parsed: Any, wire: Any, shape: Shape) -> None:
    """Walk the parsed answer and the wire JSON side by side, guided by the model that parsed one from the other."""
    if isinstance(shape, StructureShape) and isinstance(parsed, dict) and isinstance(wire, dict):
        for name, member in shape.members.items():
            value, sent = parsed.get(name), wire.get(member.serialization.get("name", name))
            marker = value.get(SDK_UNKNOWN_MEMBER) if isinstance(value, dict) else None
            tag = marker.get("name") if isinstance(marker, dict) else None
            if tag is not None and isinstance(sent, dict) and tag in sent:
                parsed[name] = {tag: sent[tag]}
            elif value is not None:
                _restore_unknown(value, sent, member)
    elif isinstance(shape, ListShape) and isinstance(parsed, list) and isinstance(wire, list):
        for item, sent_item in zip(parsed, wire, strict=False):
            _restore_unknown(item, sent_item, shape.member)
    elif isinstance(shape, MapShape) and isinstance(parsed, dict) and isinstance(wire, dict):
        for key, item in parsed.items():
            _restore_unknown(item, wire.get(key), shape.value)


def _classify(error: ClientError | BotoCoreError, call: str) -> Exception:
    """Map botocore's error to ours; the message names the call and the code, never response data."""
    code = error_code(error)
    if code in _NOT_ACCESSIBLE:
        return InvitationNotAccessibleError(f"{call}: {code}", code)
    if is_transient(error):
        return PartnerCentralUnavailableError(f"{call}: {code} persisted after retries")
    return PartnerCentralRequestError(f"{call}: {code}")
