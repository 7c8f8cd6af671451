"""Client construction and fault classification shared by the adapters.

Endpoints are never set here: botocore reads AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>
itself, which is how tests, the demo and emulators redirect every client.
"""

from typing import TYPE_CHECKING, Any, Final

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_partnercentral_selling import PartnerCentralSellingAPIClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient

PARTNER_CENTRAL_REGION: Final = "us-east-1"  # the API exists only there
TRANSIENT_CODES: Final = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "InternalServerException",
        "InternalServerError",
        "InternalError",
        "ServiceUnavailable",
        "KMSThrottlingException",
    }
)

# Standard mode: exponential backoff with jitter on throttles and 5xx. Not adaptive: its token
# bucket lives in one client, and each Lambda execution environment makes one call at a time, so
# it would only slow a function down; every function paces itself with its own limiter (rate_limit.py),
# and the event path's share of the shared quota is bounded by its queue's maximum concurrency.
PARTNER_CENTRAL_CONFIG: Final = Config(
    retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=2, read_timeout=5
)
# Answers' write calls: no botocore retries, each attempt must hold a write slot of its own (write_slots.py).
PARTNER_CENTRAL_WRITE_CONFIG: Final = Config(
    retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=2, read_timeout=10
)
# No client-side parameter validation for DynamoDB and SNS: our requests are built from validated
# models, the services validate anyway, and botocore's walk over the nested invitation map was the
# largest single CPU cost per event (see docs/performance.md).
AWS_CONFIG: Final = Config(
    retries={"mode": "standard", "total_max_attempts": 3},
    connect_timeout=1,
    read_timeout=3,
    parameter_validation=False,
)


def partner_central_client() -> "PartnerCentralSellingAPIClient":
    return boto3.client("partnercentral-selling", region_name=PARTNER_CENTRAL_REGION, config=PARTNER_CENTRAL_CONFIG)


def partner_central_writer() -> "PartnerCentralSellingAPIClient":
    return boto3.client(
        "partnercentral-selling", region_name=PARTNER_CENTRAL_REGION, config=PARTNER_CENTRAL_WRITE_CONFIG
    )


def dynamodb_client() -> "DynamoDBClient":
    return boto3.client("dynamodb", config=AWS_CONFIG)


def sns_client() -> "SNSClient":
    return boto3.client("sns", config=AWS_CONFIG)


def sqs_client() -> "SQSClient":
    return boto3.client("sqs", config=AWS_CONFIG)


def error_code(error: Exception) -> str:
    """AWS's error code for a ClientError, the exception's type name for a botocore failure."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", ""))
    return type(error).__name__


# Refusals whose message names a service limit a request broke: (code, words of the message, the limit).
# The message itself never goes into our errors: some services' validation messages quote request values.
_NAMED_LIMITS: Final = (
    ("ValidationException", "item size", "DynamoDB's 400 KB item size"),
    ("ValidationException", "nesting levels", "DynamoDB's 32 levels of nesting"),
    ("InvalidParameter", "too long", "SNS's 256 KB message size"),
)


def named_limit(error: Exception) -> str | None:
    """The service limit a refusal names, if it is one of ours to recognize. Not every ValidationException
    is permanent: DynamoDB also answers one when the table's key is disabled, which an operator can undo."""
    if not isinstance(error, ClientError):
        return None
    code, message = error_code(error), str(error.response.get("Error", {}).get("Message", "")).lower()
    return next((limit for known, words, limit in _NAMED_LIMITS if code == known and words in message), None)


def is_transient(error: Exception) -> bool:
    """Throttling, 5xx, timeouts and dropped connections: worth another try later."""
    if isinstance(error, ClientError):
        status: Any = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error_code(error) in TRANSIENT_CODES or int(status or 0) >= 500
    return isinstance(error, ConnectionError | HTTPClientError) or (
        isinstance(error, BotoCoreError) and "timeout" in type(error).__name__.lower()
    )
