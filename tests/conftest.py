"""Shared fixtures: moto for DynamoDB/SNS/SQS, the Partner Central emulator over HTTP, a fake context."""

import io
import json
import logging
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import jsonschema
import pytest

import infra  # noqa: F401 - before anything imports aws_cdk: points jsii at the venv's Node
from invitation_sync.observability import SERVICE, logger
from local.aws_resources import LocalResources, PublishedMessage, drain_published
from local.environment import local_aws as local_environment
from local.lambda_context import FakeLambdaContext
from local.partner_central_emulator import PartnerCentralEmulator
from local.published_contract import ATTRIBUTES_SCHEMA_PATH, SCHEMA_PATH

REPO = Path(__file__).resolve().parents[1]
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]  # what --version prints
PUBLISHED_EVENT_SCHEMA = json.loads((REPO / SCHEMA_PATH).read_text())
PUBLISHED_ATTRIBUTES_SCHEMA = json.loads((REPO / ATTRIBUTES_SCHEMA_PATH).read_text())

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@dataclass
class LocalAws:
    resources: LocalResources
    emulator: PartnerCentralEmulator

    @property
    def dynamodb(self) -> "DynamoDBClient":
        return boto3.client("dynamodb")

    def published(self) -> list[PublishedMessage]:
        """What subscribers received; every message is checked against the committed contract."""
        messages = drain_published(boto3.client("sqs"), self.resources.probe_queue_url)
        for message in messages:
            jsonschema.validate(message.body, PUBLISHED_EVENT_SCHEMA)
            jsonschema.validate(message.attributes, PUBLISHED_ATTRIBUTES_SCHEMA)
            invitation = message.body["invitation"]
            assert message.attributes == {
                "eventType": message.body["eventType"],
                "catalog": invitation["catalog"],
                "status": invitation["status"] or "UNKNOWN",
                "payloadType": invitation["payloadType"] or "UNKNOWN",
            }
        return messages

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


class LogLines:
    """The Powertools logger's JSON lines, exactly as Lambda would ship them to CloudWatch Logs."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(logger.registered_formatter)

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def parsed(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    """Powertools' handler holds the stdout of import time, which capsys never sees: add our own."""
    lines = LogLines()
    standard_logger = logging.getLogger(SERVICE)  # the logging.Logger behind Powertools' Logger
    standard_logger.addHandler(lines.handler)
    yield lines
    standard_logger.removeHandler(lines.handler)


@pytest.fixture
def local_aws(emulator: PartnerCentralEmulator) -> Iterator[LocalAws]:
    """moto in-process for DynamoDB/SNS/SQS; Partner Central calls pass through to the emulator."""
    emulator.reset()
    with local_environment(emulator.url) as resources:
        yield LocalAws(resources, emulator)
