"""AWS answered in-process: a `before-call` hook returns canned answers, so only client-side work is timed.

Both the project's handler and the naive one go through it the same way (request serialization runs,
the network and response parsing do not).
"""

from typing import Any

import boto3
from botocore.awsrequest import AWSResponse, HTTPHeaders


class CannedAws:
    def __init__(self, invitation: dict[str, Any], stored_item: dict[str, Any]) -> None:
        self.invitation = invitation
        self.stored_item = stored_item
        self.calls = 0

    def install(self) -> None:
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        hook: Any = self._answer
        boto3.DEFAULT_SESSION.events.register("before-call", hook, unique_id="canned-aws")

    def _answer(self, model: Any, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        self.calls += 1
        metadata = {"ResponseMetadata": {"HTTPStatusCode": 200}}
        match model.name:
            case "GetEngagementInvitation":
                parsed = {**self.invitation, **metadata}
            case "UpdateItem" if b"ALL_NEW" in _body(params):
                parsed = {"Attributes": self.stored_item, **metadata}
            case "Publish":
                parsed = {"MessageId": "00000000-0000-0000-0000-000000000000", **metadata}
            case _:
                parsed = dict(metadata)
        return AWSResponse("https://canned.invalid", 200, HTTPHeaders(), None), parsed


def _body(request: dict[str, Any]) -> bytes:
    """before-call sees the serialized request: for DynamoDB, a JSON body."""
    body = request.get("body", b"")
    return body.encode() if isinstance(body, str) else bytes(body)
