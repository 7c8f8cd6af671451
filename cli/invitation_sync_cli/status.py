"""`invitation-sync status`: one read-only look at the stack. Index queries with Select=COUNT (never a
scan), the reconciler's state items, the failed-events queue and the stack's alarms in ALARM."""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from invitation_sync.adapters.store import InvitationStore
from invitation_sync.adapters.table_design import (
    BY_STATUS_EXPIRATION,
    SORT_KEY,
    expiring_query,
    with_status_query,
)
from invitation_sync.domain import ACCEPTED, EXPIRED, PENDING, REJECTED, hours_left
from invitation_sync.models.reconcile_request import SCHEDULED_MODES
from invitation_sync.normalize import iso_utc

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_cloudwatch.type_defs import MetricAlarmTypeDef
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

STATUSES: Final = (PENDING, ACCEPTED, REJECTED, EXPIRED)
EXPIRING_WITHIN: Final = timedelta(hours=72)
EXPIRES: Final = BY_STATUS_EXPIRATION.sort_key


@dataclass(frozen=True)
class Expiring:
    catalog: str
    invitation_id: str
    expires_at: str
    hours_left: int  # whole hours, rounded down, as the invitation.expiring event says


@dataclass(frozen=True)
class ScheduledRun:
    mode: str
    completed_at: str | None
    repaired: dict[str, Any]  # from lastReport: drift_repaired, backfilled, failed, ...


@dataclass
class StackStatus:
    counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (catalog, status) -> invitations
    expiring: list[Expiring] = field(default_factory=list)
    scheduled_runs: list[ScheduledRun] = field(default_factory=list)
    sweep_due_since: str | None = None  # a full sweep skipped for the lock, left to the next incremental run
    failed_events_waiting: int = 0
    failed_events_in_flight: int = 0
    # From CloudWatch's newest datapoint, measured at that time; both None: no datapoint, the age is unknown
    oldest_failed_event_seconds: float | None = None
    oldest_failed_event_measured_at: datetime | None = None
    alarms_in_alarm: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)

    def to_json(self, stack: str) -> dict[str, Any]:
        """`status --json`: the same facts as the tables, keyed in the published event's camelCase."""
        counts: dict[str, dict[str, int]] = {}
        for (catalog, name), count in self.counts.items():
            counts.setdefault(catalog, {})[name] = count
        measured = self.oldest_failed_event_measured_at
        return {
            "stack": stack,
            "counts": counts,
            "expiring": [
                {
                    "catalog": item.catalog,
                    "invitationId": item.invitation_id,
                    "expiresAt": item.expires_at,
                    "hoursLeft": item.hours_left,
                }
                for item in self.expiring
            ],
            "scheduledRuns": [
                {"mode": run.mode, "completedAt": run.completed_at, "report": run.repaired}
                for run in self.scheduled_runs
            ],
            "fullSweepDueSince": self.sweep_due_since,
            "failedEvents": {
                "waiting": self.failed_events_waiting,
                "inFlight": self.failed_events_in_flight,
                "oldestAgeSeconds": self.oldest_failed_event_seconds,
                "oldestAgeMeasuredAt": iso_utc(measured) if measured else None,
            },
            "alarmsInAlarm": [{"name": name, "reason": reason} for name, reason in self.alarms_in_alarm],
        }


class StatusReader:
    def __init__(
        self, dynamodb: "DynamoDBClient", sqs: "SQSClient", cloudwatch: "CloudWatchClient", table_name: str
    ) -> None:
        self._dynamodb, self._sqs, self._cloudwatch, self._table = dynamodb, sqs, cloudwatch, table_name

    def read(self, catalogs: list[str], failed_events_queue_url: str, stack: str, now: datetime) -> StackStatus:
        status = StackStatus()
        for catalog in catalogs:
            for name in STATUSES:
                status.counts[(catalog, name)] = self._count(catalog, name)
            status.expiring += self._expiring(catalog, now)
        status.expiring.sort(key=lambda expiring: expiring.expires_at)
        self._scheduled_runs(status)
        self._failed_events(status, failed_events_queue_url, now)
        status.alarms_in_alarm = self._alarms(stack)
        return status

    def _count(self, catalog: str, status: str) -> int:
        query = with_status_query(self._table, catalog, status)
        pages = self._dynamodb.get_paginator("query").paginate(**query, Select="COUNT")
        return sum(page["Count"] for page in pages)

    def _expiring(self, catalog: str, now: datetime) -> list[Expiring]:
        until = iso_utc(now + EXPIRING_WITHIN)
        # ids and dates only: no customer data on screen
        query = expiring_query(self._table, catalog, iso_utc(now), until, projection=(SORT_KEY, EXPIRES))
        pages = self._dynamodb.get_paginator("query").paginate(**query)
        found = []
        for page in pages:
            for item in page["Items"]:
                expires = item[EXPIRES]["S"]
                left = hours_left(datetime.fromisoformat(expires) - now)
                found.append(Expiring(catalog, item[SORT_KEY]["S"], expires, left))
        return found

    def _scheduled_runs(self, status: StackStatus) -> None:
        """From the reconciler's state items, read with the store's own reader (reads only)."""
        store = InvitationStore(self._dynamodb, self._table)
        states = {mode: store.get_reconciler_state(mode) for mode in SCHEDULED_MODES}
        status.scheduled_runs = [
            ScheduledRun(mode, state["lastCompletedAt"], dict(state.get("lastReport") or {}))
            for mode, state in states.items()
            if state.get("lastCompletedAt")
        ]
        status.sweep_due_since = states["full"].get("requestedAt")

    def _failed_events(self, status: StackStatus, queue_url: str, now: datetime) -> None:
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "QueueArn"],
        )["Attributes"]
        status.failed_events_waiting = int(attributes["ApproximateNumberOfMessages"])
        status.failed_events_in_flight = int(attributes["ApproximateNumberOfMessagesNotVisible"])
        # SQS has no "oldest message" attribute: its CloudWatch metric is the read-only way to know.
        datapoints = self._cloudwatch.get_metric_statistics(
            Namespace="AWS/SQS",
            MetricName="ApproximateAgeOfOldestMessage",
            Dimensions=[{"Name": "QueueName", "Value": attributes["QueueArn"].rsplit(":", 1)[-1]}],
            StartTime=now - timedelta(minutes=15),
            EndTime=now,
            Period=60,
            Statistics=["Maximum"],
        )["Datapoints"]
        if datapoints:
            newest = max(datapoints, key=lambda point: point["Timestamp"])
            status.oldest_failed_event_seconds = newest["Maximum"]
            status.oldest_failed_event_measured_at = newest["Timestamp"]

    def _alarms(self, stack: str) -> list[tuple[str, str]]:
        return [
            (alarm["AlarmName"], alarm.get("AlarmDescription") or alarm.get("StateReason", ""))
            for alarm in stack_alarms(self._cloudwatch, stack)
            if alarm["StateValue"] == "ALARM"
        ]


def stack_alarms(cloudwatch: "CloudWatchClient", stack: str) -> list["MetricAlarmTypeDef"]:
    """The stack's metric alarms. CloudFormation names them `<stack>-<logical id>-<suffix>`, neither part
    with a dash; the prefix alone would also match a stack named `<stack>-dev`."""
    own = re.compile(rf"{re.escape(stack)}-[A-Za-z0-9]+-[A-Za-z0-9]+")
    pages = cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=f"{stack}-", AlarmTypes=["MetricAlarm"]
    )
    return [alarm for page in pages for alarm in page["MetricAlarms"] if own.fullmatch(alarm["AlarmName"])]


def now_utc() -> datetime:
    return datetime.now(UTC)
