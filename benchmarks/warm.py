"""Warm per-event CPU and memory: the full handler against a naive three-call handler, AWS answered
in-process. Run as a subprocess (fresh interpreter, stdout to /dev/null) by bench.py."""

import json
import os
import statistics
import sys
import time
from typing import Any, Final

import boto3

from benchmarks.canned_aws import CannedAws
from local.lambda_context import lambda_context
from local.samples import invitation_event, opportunity_invitation, sqs_event

TABLE, TOPIC = "invitations", "arn:aws:sns:us-east-1:111122223333:events"
ENVIRONMENT: Final = {  # the function's variables, tracing off as deployed by default
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "INVITATIONS_TABLE_NAME": TABLE,
    "INVITATION_EVENTS_TOPIC_ARN": TOPIC,
    "FAILED_EVENTS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/111122223333/failed",
    "INVITATION_EVENTS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/111122223333/events",
    "SYNC_CATALOGS": "AWS",
    "POWERTOOLS_SERVICE_NAME": "invitation-sync",
    "POWERTOOLS_METRICS_NAMESPACE": "InvitationSync",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


def naive_handler(event: dict[str, Any], _: object, clients: dict[str, Any]) -> None:
    """What someone writes first: no validation, no normalization, no conditions."""
    catalog, ident = event["detail"]["catalog"], event["detail"]["engagementInvitation"]["id"]
    response = clients["pc"].get_engagement_invitation(Catalog=catalog, Identifier=ident)
    body = json.dumps(response, default=str)
    clients["ddb"].put_item(TableName=TABLE, Item={"catalog": {"S": catalog}, "id": {"S": ident}, "body": {"S": body}})
    clients["sns"].publish(TopicArn=TOPIC, Message=body)


def rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def main(events: int, memory_events: int, stored_item_path: str) -> dict[str, Any]:
    invitation = opportunity_invitation(1)
    with open(stored_item_path) as handle:
        canned = CannedAws(invitation, json.load(handle))
    canned.install()
    from invitation_sync.handlers.sync_handler import lambda_handler  # noqa: PLC0415 - after the environment

    clients: dict[str, Any] = {  # the plain boto3 defaults a first draft would use
        "pc": boto3.client("partnercentral-selling"),
        "ddb": boto3.client("dynamodb"),
        "sns": boto3.client("sns"),
    }
    context = lambda_context()
    event = invitation_event(invitation)
    record = sqs_event(event)  # the project's function receives event-queue batches
    for _ in range(50):  # warm both paths (first-call caches)
        lambda_handler(record, context)
        naive_handler(event, context, clients)
    project, naive = [], []
    for _ in range(events):  # interleaved
        started = time.process_time()
        lambda_handler(record, context)
        project.append(time.process_time() - started)
        started = time.process_time()
        naive_handler(event, context, clients)
        naive.append(time.process_time() - started)
    calls_per_event = canned.calls / (events + 50) / 2
    rss_at = {}
    for count in range(1, memory_events + 1):
        lambda_handler(record, context)
        if count in (1000, memory_events):
            rss_at[count] = rss_kib()
    return {
        "project_cpu_ms": statistics.median(project) * 1000,
        "naive_cpu_ms": statistics.median(naive) * 1000,
        "events": events,
        "rss_kib_after_1000": rss_at[1000],
        f"rss_kib_after_{memory_events}": rss_at[memory_events],
        "memory_events": memory_events,
        "canned_calls_per_event_avg": calls_per_event,
    }


if __name__ == "__main__":
    output = sys.argv[4]
    figures = main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
    with open(output, "w") as handle:
        json.dump(figures, handle)
