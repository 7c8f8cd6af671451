"""The production side of the invoker port: Lambda's synchronous Invoke, answered by botocore's
Stubber (which checks both the request and the answer against Lambda's model)."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

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


def test_missing_credentials_are_one_readable_line_not_a_traceback(tmp_path: Path) -> None:
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
    }
    script = Path(sys.executable).with_name("invitation-sync")
    result = subprocess.run(  # noqa: S603
        [str(script), "backfill"], capture_output=True, text=True, env=environment, check=False, cwd=tmp_path
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("invitation-sync backfill: no AWS credentials found")
