"""A whole local AWS for the real handler: moto in-process for DynamoDB/SNS/SQS, the Partner Central
emulator over HTTP, and the environment variables the stack gives the function."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import boto3
from moto import mock_aws

from invitation_sync.wiring.sync import sync_services
from local.aws_resources import LocalResources, create_resources, make_moto_item_writes_atomic

BASE_ENVIRONMENT: Final = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "POWERTOOLS_SERVICE_NAME": "invitation-sync",
    "POWERTOOLS_METRICS_NAMESPACE": "InvitationSync",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "SYNC_CATALOGS": "AWS,Sandbox",
}
_NEVER_INHERITED: Final = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_DYNAMODB")


@contextmanager
def local_process_environment(**environment: str) -> Iterator[None]:
    """Fake credentials, us-east-1, no inherited profile or endpoints, plus `environment`; the
    process environment is restored on exit."""
    saved = dict(os.environ)
    for name in _NEVER_INHERITED:
        os.environ.pop(name, None)
    os.environ.update(BASE_ENVIRONMENT, **environment)
    try:
        yield
    finally:
        _restore(saved)


def _restore(saved: dict[str, str]) -> None:
    """Only the variables that differ: setenv and unsetenv race with other threads' getenv in C (glibc), and
    servers and pollers may still be running threads here. Clearing the whole environment and setting it
    again was seen to crash a worker with a segmentation fault."""
    for name in set(os.environ) - set(saved):
        os.environ.pop(name, None)
    for name, value in saved.items():
        if os.environ.get(name) != value:
            os.environ[name] = value


@contextmanager
def local_aws(partner_central_url: str, **environment: str) -> Iterator[LocalResources]:
    """Everything inside talks to the emulator and to moto; the process environment is restored after."""
    with (
        local_process_environment(AWS_ENDPOINT_URL_PARTNERCENTRAL_SELLING=partner_central_url, **environment),
        mock_aws(),
    ):
        make_moto_item_writes_atomic()
        resources = create_resources(boto3.client("dynamodb"), boto3.client("sns"), boto3.client("sqs"))
        os.environ.update(
            INVITATIONS_TABLE_NAME=resources.table_name,
            INVITATION_EVENTS_TOPIC_ARN=resources.topic_arn,
            FAILED_EVENTS_QUEUE_URL=resources.failed_events_queue_url,
            INVITATION_EVENTS_QUEUE_URL=resources.event_queue_url,
            PARTNER_CENTRAL_HOLD_RATE_WINDOW="false",  # tests/integration/test_event_path.py turns it on
        )
        sync_services.cache_clear()
        try:
            yield resources
        finally:
            sync_services.cache_clear()
