"""The production side of the invoker port: Lambda's synchronous Invoke, answered by botocore's
Stubber (which checks both the request and the answer against Lambda's model)."""

import io
import json

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from invitation_sync_cli.invoker import FunctionFailedError, LambdaInvoker


def payload(body: object) -> StreamingBody:
    raw = json.dumps(body).encode()
    return StreamingBody(io.BytesIO(raw), len(raw))


def test_invoke_sends_the_payload_synchronously_and_returns_the_answer() -> None:
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    request = {"mode": "backfill", "dryRun": True}
    with Stubber(client) as stubber:
        stubber.add_response(
            "invoke",
            {"StatusCode": 200, "Payload": payload({"complete": True, "listed": 3})},
            {
                "FunctionName": "reconciler",
                "InvocationType": "RequestResponse",
                "Payload": json.dumps(request).encode(),
            },
        )
        assert LambdaInvoker(client).invoke("reconciler", request) == {"complete": True, "listed": 3}


def test_a_function_error_is_one_readable_error_naming_type_and_message() -> None:
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    error = {"errorType": "InvalidReconcileRequestError", "errorMessage": "catalogs ['Sandbox'] are not configured"}
    with Stubber(client) as stubber:
        stubber.add_response("invoke", {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": payload(error)})
        with pytest.raises(FunctionFailedError) as failed:
            LambdaInvoker(client).invoke("reconciler", {"mode": "backfill"})
    assert str(failed.value) == (
        "function reconciler failed: InvalidReconcileRequestError: catalogs ['Sandbox'] are not configured"
    )
