"""Redrive with SQS's own dead-letter redrive: a message move task from the failed-events queue back
to the event queue, where the sync function's event source mapping takes each event again under
the function's role (with --chat: from the failed-notifications queue back to the chat notifier's
queue). Then what stays parked, with the reasons, read without consuming anything."""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from invitation_sync.errors import InvalidEventError
from invitation_sync.models.event import SOURCE, STATUS_BY_DETAIL_TYPE, parse_invitation_event
from invitation_sync_cli.errors import CommandError

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import ListMessageMoveTasksResultEntryTypeDef, MessageTypeDef

POLL_SECONDS: Final = 2.0
PEEK_HIDE_SECONDS: Final = 30  # long enough to page through the queue; every message is made visible again after
ACTIVE: Final = frozenset({"RUNNING", "CANCELLING"})
TASK_LISTED_WITHIN_SECONDS: Final = 30.0


@dataclass(frozen=True)
class MoveResult:
    status: str
    moved: int
    failure_reason: str | None


@dataclass(frozen=True)
class ParkedEvent:
    message_id: str
    what: str  # "AWS/engi-...", or "not an invitation event: ..."
    reason: str
    is_invitation: bool


@dataclass(frozen=True)
class Parking:
    """Where records are parked, where a redrive moves them, and what each parked record is."""

    parked_in: str
    moved_to: str
    describe: Callable[["MessageTypeDef"], ParkedEvent]


class FailedEventsRedrive:
    def __init__(
        self,
        sqs: "SQSClient",
        failed_events_queue_url: str,
        event_queue_url: str,
        *,
        report: Callable[[str], None],
        parking: Parking | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sqs = sqs
        self._failed_events = failed_events_queue_url
        self._event_queue = event_queue_url
        self.parking = parking or EVENTS
        self._report, self._sleep, self._clock = report, sleep, clock

    def waiting(self) -> int:
        return self._in_queue(self._failed_events)

    def move_back(self) -> MoveResult:
        """Start the move (or join one already running) and follow it until it ends."""
        source, destination = self._arn(self._failed_events), self._arn(self._event_queue)
        latest = next(iter(self._tasks(source)), None)
        if latest is not None and latest["Status"] in ACTIVE:
            self._report(f"a redrive of the {self.parking.parked_in} is already running: following it")
            since = latest["StartedTimestamp"]
        else:
            # Ours starts after the latest task SQS lists now, by SQS's own clock: an earlier, finished one (a
            # redrive of a moment ago) is never taken for ours.
            since = latest["StartedTimestamp"] + 1 if latest is not None else 0
            self._sqs.start_message_move_task(SourceArn=source, DestinationArn=destination)
        last_report = self._clock()
        started = self._clock()
        while True:
            # Ours by its start time (SQS lists a task's handle only while it runs): right after the start,
            # SQS may still list only the earlier task.
            task = next((t for t in self._tasks(source) if t["StartedTimestamp"] >= since), None)
            if task is None:
                if self._clock() - started > TASK_LISTED_WITHIN_SECONDS:
                    raise CommandError(f"SQS lists no move task for the {self.parking.parked_in} after starting one")
                self._sleep(POLL_SECONDS)
                continue
            moved = task.get("ApproximateNumberOfMessagesMoved", 0)
            to_move = task.get("ApproximateNumberOfMessagesToMove")
            if task["Status"] not in ACTIVE:
                return MoveResult(task["Status"], moved, task.get("FailureReason"))
            if self._clock() - last_report >= 10:
                self._report(
                    f"moved {moved} of {to_move if to_move is not None else '?'} back to the {self.parking.moved_to}"
                )
                last_report = self._clock()
            self._sleep(POLL_SECONDS)

    def settle(self, timeout_seconds: float) -> int:
        """Wait until the function has taken every moved event (or the time is up); returns how many
        are still in the event queue (being processed, or waiting for a retry)."""
        deadline = self._clock() + timeout_seconds
        while (left := self._in_queue(self._event_queue)) and self._clock() < deadline:
            self._sleep(POLL_SECONDS)
        return left

    def parked(self, limit: int = 100) -> list[ParkedEvent]:
        """Read what the parking queue holds without deleting anything: each message is hidden
        only while the pages are read, then made visible again."""
        messages: dict[str, MessageTypeDef] = {}
        while len(messages) < limit:
            batch = self._sqs.receive_message(
                QueueUrl=self._failed_events,
                MaxNumberOfMessages=10,
                VisibilityTimeout=PEEK_HIDE_SECONDS,
                WaitTimeSeconds=1,
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not batch:
                break
            messages.update((message["MessageId"], message) for message in batch)
        handles = [message["ReceiptHandle"] for message in messages.values()]
        for start in range(0, len(handles), 10):
            self._sqs.change_message_visibility_batch(
                QueueUrl=self._failed_events,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                    for index, handle in enumerate(handles[start : start + 10])
                ],
            )
        return [self.parking.describe(message) for message in messages.values()]

    def _arn(self, queue_url: str) -> str:
        attributes = self._sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]
        return attributes["QueueArn"]

    def _tasks(self, source_arn: str) -> "list[ListMessageMoveTasksResultEntryTypeDef]":
        return self._sqs.list_message_move_tasks(SourceArn=source_arn)["Results"]

    def _in_queue(self, queue_url: str) -> int:
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def describe_parked(message: "MessageTypeDef") -> ParkedEvent:
    """What a parked message is and why it failed, for the shapes that land in the queue: the sync
    function's own record, Lambda's on-failure record, and a raw EventBridge event (from the rule's
    dead-letter queue, with the reason in message attributes, or moved by SQS after its retries).
    A record parked again after a redrive wraps the earlier one: the newest reason is kept."""
    parked = _unwrapped(message)
    if isinstance(parked, ParkedEvent):
        return parked
    body, reason = parked
    if reason is None:
        attributes = {
            name: value.get("StringValue", "") for name, value in message.get("MessageAttributes", {}).items()
        }
        if "ERROR_CODE" in attributes:
            reason = f"EventBridge could not deliver it: {attributes['ERROR_CODE']}: {attributes.get('ERROR_MESSAGE')}"
        else:
            reason = (
                "moved by the event queue after its last delivery failed or found too little time left to park "
                "it (see the sync function's logs for its event id)"
            )
    return _classify(message["MessageId"], body, reason)


def describe_parked_notification(message: "MessageTypeDef") -> ParkedEvent:
    """A parked chat notification: the published invitation event the notifier could not turn into a
    message or publish, with its reason (or moved by the chat queue's redrive policy, with none)."""
    parked = _unwrapped(message)
    if isinstance(parked, ParkedEvent):
        return parked
    event, reason = parked
    reason = reason or (
        "moved by the chat queue after its last delivery failed or found too little time left to park it "
        "(see the chat notifier's logs)"
    )
    invitation = event.get("invitation") if isinstance(event, dict) else None
    if not isinstance(event, dict) or not isinstance(invitation, dict):
        return ParkedEvent(message["MessageId"], "not a published invitation event", reason, is_invitation=False)
    what = f"{invitation.get('catalog')}/{invitation.get('id')} {event.get('eventType', '(no eventType)')}"
    return ParkedEvent(message["MessageId"], what, reason, is_invitation=True)


def _unwrapped(message: "MessageTypeDef") -> tuple[Any, str | None] | ParkedEvent:
    """The parked record's original event and the newest reason recorded around it (None: no record of
    ours or Lambda's wraps it); a body that is not JSON is described at once."""
    try:
        body = json.loads(message.get("Body", ""))
    except json.JSONDecodeError:
        what = "not an invitation event: the body is not JSON"
        return ParkedEvent(message["MessageId"], what, "", is_invitation=False)
    reason = None
    while isinstance(body, dict) and ("event" in body or "requestPayload" in body):
        if "event" in body:
            reason = reason or f"{body.get('errorType')}: {body.get('reason')}"
            body = body["event"]
        else:
            response = body.get("responsePayload") or {}
            failure = f"{response.get('errorType', 'Lambda')}: {response.get('errorMessage', '')}"
            reason = reason or failure.rstrip(": ")
            body = body["requestPayload"]
    return body, reason


def _classify(message_id: str, event: Any, reason: str) -> ParkedEvent:
    if not isinstance(event, dict):
        return ParkedEvent(message_id, "not an invitation event: not a JSON object", reason, is_invitation=False)
    source, detail_type = event.get("source"), event.get("detail-type")
    if source != SOURCE or detail_type not in STATUS_BY_DETAIL_TYPE:
        what = f"not an invitation event: {source or 'no source'} / {detail_type or 'no detail-type'}"
        return ParkedEvent(message_id, what, reason, is_invitation=False)
    try:
        parsed = parse_invitation_event(event)
    except InvalidEventError as error:
        return ParkedEvent(message_id, f"malformed invitation event ({error})", reason, is_invitation=True)
    return ParkedEvent(message_id, f"{parsed.catalog}/{parsed.invitation_id}", reason, is_invitation=True)


EVENTS: Final = Parking("failed-events queue", "event queue", describe_parked)
CHAT: Final = Parking("failed-notifications queue", "chat queue", describe_parked_notification)
