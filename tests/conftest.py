"""Shared fixtures: moto for DynamoDB/SNS/SQS, the Partner Central emulator over HTTP, a fake context."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from invitation_sync.wiring import sync_services
from local.aws_resources import (
    LocalResources,
    PublishedMessage,
    create_resources,
    drain_published,
    make_moto_item_writes_atomic,
)
from local.partner_central_emulator import PartnerCentralEmulator

BASE_ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "POWERTOOLS_SERVICE_NAME": "invitation-sync",
    "POWERTOOLS_METRICS_NAMESPACE": "InvitationSync",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "SYNC_CATALOGS": "AWS,Sandbox",
}


@dataclass
class FakeLambdaContext:
    function_name: str = "invitation-sync-test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:111122223333:function:invitation-sync-test"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@dataclass
class LocalAws:
    resources: LocalResources
    emulator: PartnerCentralEmulator

    @property
    def dynamodb(self):  # type: ignore[no-untyped-def]
        return boto3.client("dynamodb")

    def published(self) -> list[PublishedMessage]:
        return drain_published(boto3.client("sqs"), self.resources.probe_queue_url)

    def failed_events(self) -> list[dict[str, Any]]:
        sqs = boto3.client("sqs")
        messages = sqs.receive_message(QueueUrl=self.resources.failed_events_queue_url, MaxNumberOfMessages=10)
        return [json.loads(message["Body"]) for message in messages.get("Messages", [])]

    def item_count(self) -> int:
        return int(self.dynamodb.scan(TableName=self.resources.table_name, Select="COUNT")["Count"])


@pytest.fixture(scope="session")
def emulator() -> Iterator[PartnerCentralEmulator]:
    with PartnerCentralEmulator() as running:
        yield running


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def local_aws(monkeypatch: pytest.MonkeyPatch, emulator: PartnerCentralEmulator) -> Iterator[LocalAws]:
    """moto in-process for DynamoDB/SNS/SQS; Partner Central calls pass through to the emulator."""
    emulator.reset()
    make_moto_item_writes_atomic()
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in BASE_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL_PARTNERCENTRAL_SELLING", emulator.url)
    with mock_aws():
        resources = create_resources(boto3.client("dynamodb"), boto3.client("sns"), boto3.client("sqs"))
        monkeypatch.setenv("INVITATIONS_TABLE_NAME", resources.table_name)
        monkeypatch.setenv("INVITATION_EVENTS_TOPIC_ARN", resources.topic_arn)
        monkeypatch.setenv("FAILED_EVENTS_QUEUE_URL", resources.failed_events_queue_url)
        sync_services.cache_clear()
        yield LocalAws(resources, emulator)
    sync_services.cache_clear()
