"""Cold start: import the handler from the Lambda asset and build its clients, in a fresh interpreter,
against the floor: a fresh interpreter that imports boto3 from the same asset and builds the same clients."""

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Final

from infra.lambda_asset import build_lambda_asset, host_platform

BASE_PYTHON: Final = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
PROJECT: Final = """
import sys, time
sys.path.insert(0, sys.argv[1])
started = time.perf_counter()
from invitation_sync.handlers.sync_handler import lambda_handler
from invitation_sync.wiring import sync_services
sync_services()
print(time.perf_counter() - started)
"""
FLOOR: Final = """
import sys, time
sys.path.insert(0, sys.argv[1])
started = time.perf_counter()
import boto3
from botocore.config import Config
for service in ("partnercentral-selling", "dynamodb", "sns", "sqs"):
    boto3.client(service, region_name="us-east-1", config=Config(retries={"mode": "standard"}))
print(time.perf_counter() - started)
"""
ENVIRONMENT: Final = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "INVITATIONS_TABLE_NAME": "invitations",
    "INVITATION_EVENTS_TOPIC_ARN": "arn:aws:sns:us-east-1:111122223333:events",
    "FAILED_EVENTS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/111122223333/failed",
    "INVITATION_EVENTS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/111122223333/events",
    "SYNC_CATALOGS": "AWS",
    "POWERTOOLS_SERVICE_NAME": "invitation-sync",
    "POWERTOOLS_METRICS_NAMESPACE": "InvitationSync",
}


def _once(script: str, asset: Path) -> float:
    result = subprocess.run(  # noqa: S603
        [str(BASE_PYTHON), "-S", "-E", "-c", script, str(asset)],
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", ""), **ENVIRONMENT},
        check=True,
    )
    return float(result.stdout.strip().splitlines()[-1])


def measure(runs: int = 15) -> dict[str, float]:
    asset = build_lambda_asset(host_platform())
    project, floor = [], []
    for _ in range(runs):  # interleaved, so drift on the machine hits both alike
        project.append(_once(PROJECT, asset))
        floor.append(_once(FLOOR, asset))
    return {"project_s": statistics.median(project), "floor_s": statistics.median(floor), "runs": runs}


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
