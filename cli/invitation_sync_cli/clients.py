"""The AWS clients of the CLI, made on demand from one session. Endpoints come from the standard
variables (AWS_ENDPOINT_URL, ...), which is how the demo and tests point them at moto."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_partnercentral_selling import PartnerCentralSellingAPIClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sts import STSClient

# A backfill invocation returns within its maxSeconds, but Lambda may hold a synchronous call for the
# function's whole timeout (15 minutes): wait that long, keep the idle connection alive meanwhile.
LAMBDA_CONFIG: Final = Config(
    read_timeout=15 * 60 + 60, connect_timeout=10, tcp_keepalive=True, retries={"mode": "standard"}
)
READ_CONFIG: Final = Config(retries={"mode": "standard"}, connect_timeout=5, read_timeout=30)
PARTNER_CENTRAL_REGION: Final = "us-east-1"  # the API's only endpoint, whatever the stack's region


@dataclass(frozen=True)
class Clients:
    session: boto3.Session

    def cloudformation(self) -> "CloudFormationClient":
        return self.session.client("cloudformation", config=READ_CONFIG)

    def lambda_(self) -> "LambdaClient":
        return self.session.client("lambda", config=LAMBDA_CONFIG)

    def sqs(self) -> "SQSClient":
        return self.session.client("sqs", config=READ_CONFIG)

    def dynamodb(self) -> "DynamoDBClient":
        return self.session.client("dynamodb", config=READ_CONFIG)

    def cloudwatch(self) -> "CloudWatchClient":
        return self.session.client("cloudwatch", config=READ_CONFIG)

    def sts(self) -> "STSClient":
        return self.session.client("sts", config=READ_CONFIG)

    def events(self) -> "EventBridgeClient":
        return self.session.client("events", config=READ_CONFIG)

    def kms(self) -> "KMSClient":
        return self.session.client("kms", config=READ_CONFIG)

    def logs(self) -> "CloudWatchLogsClient":
        return self.session.client("logs", config=READ_CONFIG)

    def partner_central(self) -> "PartnerCentralSellingAPIClient":
        return self.session.client("partnercentral-selling", region_name=PARTNER_CENTRAL_REGION, config=READ_CONFIG)
