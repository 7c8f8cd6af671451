"""The fault suite's client-side failures: they reach clients created while installed, and stop when told."""

from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ClientError

from local.faults import ClientFaults


def test_a_stopped_plan_fails_no_call_of_a_client_created_while_installed() -> None:
    session = boto3.Session(region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    faults = ClientFaults()
    faults.install(session)
    client = session.client("sns")
    faults.fail_randomly("sns.ListTopics", 1.0, "InternalError", 500)
    with pytest.raises(ClientError, match="injected fault"):
        client.list_topics()
    faults.uninstall(session)  # the client keeps the hook it copied when it was created
    with pytest.raises(ClientError, match="injected fault"):
        client.list_topics()
    faults.stop()
    answer = {"Topics": [], "ResponseMetadata": {"HTTPStatusCode": 200}}
    ok = AWSResponse("https://sns.invalid", 200, HTTPHeaders(), None)
    # After the faults' hook (botocore calls more specific event names first), so it answers only if they pass.
    answering: Any = lambda **_: (ok, answer)  # noqa: E731 - botocore types hooks as returning None
    client.meta.events.register_last("before-call", answering)  # no network
    assert client.list_topics()["Topics"] == []
    assert faults.injected["sns.ListTopics:InternalError"] == 2
