"""The port through which the CLI reaches the deployed functions: every write and publish happens
under the function's own role and Lambda's clock, never the operator's."""

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from invitation_sync_cli.errors import CommandError

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


class FunctionFailedError(CommandError):
    """The function raised: Lambda answered with FunctionError and the error's type and message."""

    def __init__(self, function_name: str, error_type: str, message: str) -> None:
        super().__init__(f"function {function_name} failed: {error_type}: {message}")
        self.error_type = error_type


class FunctionInvoker(Protocol):
    def invoke(self, function_name: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """The function's JSON answer to `payload`, or FunctionFailedError."""
        ...


class LambdaInvoker:
    """Synchronous Lambda Invoke (RequestResponse)."""

    def __init__(self, client: "LambdaClient") -> None:
        self._client = client

    def invoke(self, function_name: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        response = self._client.invoke(
            FunctionName=function_name, InvocationType="RequestResponse", Payload=json.dumps(payload).encode()
        )
        return answer(function_name, json.loads(response["Payload"].read() or b"null"), response.get("FunctionError"))


def answer(function_name: str, body: Any, function_error: str | None) -> dict[str, Any]:
    """Lambda's answer as the CLI sees it, the same for the real and the local invoker."""
    if function_error:
        error = body if isinstance(body, dict) else {}
        raise FunctionFailedError(
            function_name, str(error.get("errorType", function_error)), str(error.get("errorMessage", ""))
        )
    if not isinstance(body, dict):
        raise CommandError(f"function {function_name} answered {body!r}, not a JSON object")
    return body
