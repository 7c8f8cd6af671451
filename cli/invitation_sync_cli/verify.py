"""`invitation-sync verify`: what can be checked of the event path without waiting for Partner Central to
send an event. One PASS/FAIL line per step, with the fix for a failure; exit status 1 on any failure.

The steps read only, except one: a synthetic record for the newest real invitation, put on the event
queue in the shape the rule delivers and followed through the sync function into the table. It re-syncs
that invitation: unchanged, nothing is written or published; otherwise the sync stores and publishes the
change as any event would (never a duplicate: event ids follow the stored version)."""

import argparse
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from invitation_sync.adapters.store import InvitationStore
from invitation_sync.domain import CATALOGS, PARTICIPANT_TYPES
from invitation_sync.models.event import SOURCE, STATUS_BY_DETAIL_TYPE
from invitation_sync_cli.clients import PARTNER_CENTRAL_REGION, Clients
from invitation_sync_cli.resource_policy import ServiceRequest, UnjudgeablePolicyError, judge
from invitation_sync_cli.stack import StackOutputs
from invitation_sync_cli.status import stack_alarms

if TYPE_CHECKING:
    from mypy_boto3_partnercentral_selling.type_defs import EngagementInvitationSummaryTypeDef
    from mypy_boto3_sqs.literals import QueueAttributeNameType

OUTPUTS: Final = ("EventQueueUrl", "EventQueueArn", "TableName", "SyncLogGroupName")
EVENTBRIDGE: Final = "events.amazonaws.com"
NOT_OURS: Final = "Opportunity Created"  # same source, not an invitation: the rule must not deliver it
DETAIL_TYPE_BY_STATUS: Final = {status: detail_type for detail_type, status in STATUS_BY_DETAIL_TYPE.items()}
EVENTS_LOST_METRIC: Final = ("AWS/Events", "InvocationsFailedToBeSentToDlq")
POLL_SECONDS: Final = 3.0
REDEPLOY: Final = "redeploy the stack (make deploy) to restore it"


@dataclass(frozen=True)
class Step:
    name: str
    passed: bool | None  # None: skipped, nothing to check
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class Rule:
    name: str
    arn: str
    pattern: str

    @property
    def account(self) -> str:
        return self.arn.split(":")[4]


class Verifier:
    def __init__(
        self,
        clients: Clients,
        outputs: StackOutputs,
        *,
        catalog: str | None = None,
        participant_type: str = "RECEIVER",
        wait_seconds: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clients, self._outputs = clients, outputs
        self._catalog, self._participant_type = catalog, participant_type
        self._wait, self._clock, self._sleep = wait_seconds, clock, sleep
        self._rule: Rule | None = None
        self._delivered: list[str] = []  # catalogs the rule's pattern lets through

    def steps(self) -> Iterator[Step]:
        missing = [key for key in OUTPUTS if not self._outputs.values.get(key)]
        if missing:
            fix = "deploy the current version (make deploy); an older stack lacks them"
            yield Step("outputs", False, f"stack {self._outputs.stack} has no {', '.join(missing)}", fix)
            return
        yield Step("outputs", True, ", ".join(OUTPUTS))
        for name, check in (
            ("rule", self._find_rule),
            ("event pattern", self._event_pattern),
            ("queue policy", self._queue_policy),
            ("key policy", self._key_policy),
            ("alarms", self._alarms),
            ("first event", self._first_event),
        ):
            if name in ("event pattern", "queue policy", "key policy") and self._rule is None:
                yield Step(name, None, "skipped: no rule to check it against")
                continue
            try:
                yield check(name)
            except (ClientError, BotoCoreError) as error:
                yield _refused(name, error)
            except UnjudgeablePolicyError as error:
                yield Step(name, False, str(error), "compare the policy with the template (cdk.out/)")

    def _find_rule(self, name: str) -> Step:
        events = self._clients.events()
        queue_arn = self._outputs["EventQueueArn"]
        names = events.list_rule_names_by_target(TargetArn=queue_arn).get("RuleNames", [])
        if len(names) != 1:
            found = f"{len(names)} rules ({', '.join(names)})" if names else "no rule"
            return Step(name, False, f"{found} on the default bus target the event queue", REDEPLOY)
        rule = events.describe_rule(Name=names[0])
        self._rule = Rule(rule["Name"], rule["Arn"], rule.get("EventPattern", ""))
        if rule.get("State") != "ENABLED":
            fix = f"aws events enable-rule --name {rule['Name']} --region {PARTNER_CENTRAL_REGION}"
            return Step(name, False, f"{rule['Name']} is {rule.get('State')}: no event reaches the queue", fix)
        return Step(name, True, f"{rule['Name']} is enabled and targets the event queue")

    def _event_pattern(self, name: str) -> Step:
        assert self._rule is not None
        events, pattern = self._clients.events(), self._rule.pattern

        def matches(detail_type: str, catalog: str) -> bool:
            event = json.dumps(sample_event(detail_type, catalog, self._rule.account if self._rule else ""))
            return bool(events.test_event_pattern(EventPattern=pattern, Event=event)["Result"])

        delivered = {catalog: [t for t in STATUS_BY_DETAIL_TYPE if matches(t, catalog)] for catalog in CATALOGS}
        self._delivered = [catalog for catalog in sorted(CATALOGS) if delivered[catalog]]
        partial = [c for c in self._delivered if len(delivered[c]) != len(STATUS_BY_DETAIL_TYPE)]
        if not self._delivered or partial:
            missed = {c: sorted(set(STATUS_BY_DETAIL_TYPE) - set(delivered[c])) for c in partial or sorted(CATALOGS)}
            detail = "; ".join(f"{c} misses {', '.join(types)}" for c, types in missed.items())
            return Step(name, False, f"the pattern drops invitation events: {detail}", REDEPLOY)
        if any(matches(NOT_OURS, catalog) for catalog in self._delivered):
            return Step(name, False, f"the pattern also lets {NOT_OURS!r} through: too wide", REDEPLOY)
        return Step(
            name,
            True,
            f"the {len(STATUS_BY_DETAIL_TYPE)} invitation detail-types match for {', '.join(self._delivered)}; "
            f"{NOT_OURS!r} does not",
        )

    def _queue_policy(self, name: str) -> Step:
        assert self._rule is not None
        policy = self._queue_attributes().get("Policy")
        if not policy:
            return Step(name, False, "the event queue has no policy: EventBridge may not send to it", REDEPLOY)
        request = ServiceRequest(EVENTBRIDGE, "sqs:SendMessage", self._outputs["EventQueueArn"], self._context())
        verdict = judge(json.loads(policy), request)
        if not verdict.allowed:
            detail = f"refuses sqs:SendMessage from {EVENTBRIDGE} for rule {self._rule.name}: {verdict.why}"
            return Step(name, False, detail, REDEPLOY)
        return Step(name, True, f"admits rule {self._rule.name} ({verdict.why})")

    def _key_policy(self, name: str) -> Step:
        key = self._queue_attributes().get("KmsMasterKeyId")
        if not key:
            return Step(name, True, "the event queue has no customer managed key (nothing for EventBridge to use)")
        if key.endswith("alias/aws/sqs"):
            detail = "the event queue uses the AWS managed key alias/aws/sqs, whose policy EventBridge cannot use"
            return Step(name, False, detail, REDEPLOY)
        policy = json.loads(self._clients.kms().get_key_policy(KeyId=key, PolicyName="default")["Policy"])
        for action in ("kms:GenerateDataKey", "kms:Decrypt"):
            verdict = judge(policy, ServiceRequest(EVENTBRIDGE, action, key, self._context()))
            if not verdict.allowed:
                return Step(name, False, f"refuses {action} to {EVENTBRIDGE}: {verdict.why}", REDEPLOY)
        return Step(name, True, f"lets {EVENTBRIDGE} encrypt for the event queue")

    def _alarms(self, name: str) -> Step:
        alarms = stack_alarms(self._clients.cloudwatch(), self._outputs.stack)
        rule = self._rule.name if self._rule else None
        lost = [
            alarm
            for alarm in alarms
            if (alarm.get("Namespace"), alarm.get("MetricName")) == EVENTS_LOST_METRIC
            and {"Name": "RuleName", "Value": rule} in alarm.get("Dimensions", [])
        ]
        if not lost:
            detail = f"{len(alarms)} alarms of {self._outputs.stack}, none on the rule's lost events (EventsLost)"
            return Step(name, False, detail, "deploy the current version (make deploy)")
        if lost[0]["StateValue"] == "ALARM":
            fix = (
                "EventBridge could deliver events to neither queue: fix the policy steps above, then "
                "`invitation-sync backfill` fetches what was lost"
            )
            return Step(name, False, f"{lost[0]['AlarmName']} is in ALARM: events were dropped", fix)
        others = [alarm["AlarmName"] for alarm in alarms if alarm["StateValue"] == "ALARM"]
        noted = f"; in ALARM: {', '.join(others)} (see `invitation-sync status`)" if others else ""
        return Step(name, True, f"{len(alarms)} alarms; EventsLost is {lost[0]['StateValue']}{noted}")

    def _first_event(self, name: str) -> Step:
        catalog = self._catalog or (self._delivered or sorted(CATALOGS))[0]
        newest = self._newest_invitation(catalog)
        if newest is None:
            detail = f"no {self._participant_type} invitation in {catalog} to sync: nothing to follow yet"
            return Step(name, None, detail)
        invitation_id = newest["Id"]
        event = sample_event(
            DETAIL_TYPE_BY_STATUS.get(newest.get("Status", ""), "Engagement Invitation Created"),
            catalog,
            self._rule.account if self._rule else "",
            summary=newest,
            event_id=f"invitation-sync-verify-{uuid.uuid4()}",
        )
        sent_at = datetime.now(UTC)
        self._clients.sqs().send_message(QueueUrl=self._outputs["EventQueueUrl"], MessageBody=json.dumps(event))
        return self._follow(name, catalog, invitation_id, event["id"], sent_at)

    def _newest_invitation(self, catalog: str) -> "EngagementInvitationSummaryTypeDef | None":
        """One List call (a read of the partner's shared quota of 100,000 a day)."""
        summaries = self._clients.partner_central().list_engagement_invitations(
            Catalog=catalog,
            ParticipantType=self._participant_type,  # type: ignore[arg-type]
            MaxResults=1,
            Sort={"SortOrder": "DESCENDING", "SortBy": "InvitationDate"},
        )["EngagementInvitationSummaries"]
        return summaries[0] if summaries else None

    def _follow(self, name: str, catalog: str, invitation_id: str, event_id: str, sent_at: datetime) -> Step:
        """Until the table holds the version our record stored, or the function's log says what it did."""
        store = InvitationStore(self._clients.dynamodb(), self._outputs["TableName"])
        deadline = self._clock() + self._wait
        what = f"{catalog}/{invitation_id}"
        while True:
            stored = store.get(catalog, invitation_id)
            if stored and stored.source_event_id == event_id:
                detail = f"{what}: stored as version {stored.version} and published to subscribers (it had changed)"
                return Step(name, True, detail)
            verdict = self._verdict(event_id, sent_at)
            if verdict is not None:
                return _followed(name, what, verdict, stored.version if stored else None)
            if self._clock() >= deadline:
                detail = f"{what}: no sign of the sync function taking record {event_id} within {self._wait:.0f} s"
                fix = (
                    "the record stays on the event queue and is synced once the function runs: check its event "
                    f"source mapping is enabled and its logs ({self._outputs['SyncLogGroupName']}); "
                    "`invitation-sync status` shows failed events and alarms. A longer --wait may be all it needs"
                )
                return Step(name, False, detail, fix)
            self._sleep(POLL_SECONDS)

    def _verdict(self, event_id: str, sent_at: datetime) -> dict[str, Any] | None:
        """The sync function's log line about our record: its correlation id is the record's event id."""
        events = self._clients.logs().filter_log_events(
            logGroupName=self._outputs["SyncLogGroupName"],
            filterPattern=f'"{event_id}"',
            startTime=int(sent_at.timestamp() * 1000) - 60_000,
        )["events"]
        for event in reversed(events):
            try:
                line = json.loads(event.get("message", ""))
            except json.JSONDecodeError:
                continue
            if isinstance(line, dict) and line.get("correlation_id") == event_id and "outcome" in line:
                return line
        return None

    def _queue_attributes(self) -> "dict[QueueAttributeNameType, str]":
        return self._clients.sqs().get_queue_attributes(
            QueueUrl=self._outputs["EventQueueUrl"], AttributeNames=["Policy", "KmsMasterKeyId"]
        )["Attributes"]

    def _context(self) -> dict[str, str]:
        """The condition keys EventBridge sends when it delivers for a rule."""
        assert self._rule is not None
        return {"aws:SourceArn": self._rule.arn, "aws:SourceAccount": self._rule.account, "aws:SecureTransport": "true"}


def _followed(name: str, what: str, line: dict[str, Any], version: int | None) -> Step:
    outcome, reason = str(line.get("outcome")), f"{line.get('error_type')}: {line.get('reason')}"
    if outcome == "unchanged":
        detail = f"{what}: synced, unchanged since version {version}; nothing written, nothing published"
        return Step(name, True, detail)
    if outcome in ("stored", "stale"):
        return Step(name, True, f"{what}: synced ({outcome}); the table holds version {version}")
    if outcome == "parked":
        fix = "the reason says what to fix; then `invitation-sync redrive`"
        return Step(name, False, f"{what}: the sync function parked the record: {reason}", fix)
    fix = (
        "it is retried after 60, 120, 180, 240 s and parked with its reason after 5 receives (`invitation-sync status`)"
    )
    return Step(name, False, f"{what}: the sync function failed on the record: {reason}", fix)


def _refused(name: str, error: ClientError | BotoCoreError) -> Step:
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        if "AccessDenied" in code or code == "UnrecognizedClientException":
            fix = "grant it as the README's operator policy does (Sid Verify*)"
            return Step(name, False, f"{error.operation_name} was refused ({code})", fix)
        return Step(name, False, f"{error.operation_name} failed: {code}: {message}", "run verify again")
    return Step(name, False, f"{type(error).__name__}: {error}", "check the network and credentials, run verify again")


def sample_event(
    detail_type: str,
    catalog: str,
    account: str,
    *,
    summary: "EngagementInvitationSummaryTypeDef | None" = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """An invitation event as Partner Central sends it and the rule delivers it (the whole event, as the
    queue's message body); for `summary`'s invitation, or a made-up one for a pattern test."""
    invitation_id = summary["Id"] if summary else "engi-0000000000000"
    arn = f"arn:aws:partnercentral:{PARTNER_CENTRAL_REGION}::catalog/{catalog}/engagement-invitation/{invitation_id}"
    invitation: dict[str, Any] = {"arn": summary.get("Arn", arn) if summary else arn, "id": invitation_id}
    if summary:
        participant = summary.get("ParticipantType", "")
        invitation.update(
            engagementId=summary.get("EngagementId"),
            payloadType=summary.get("PayloadType"),
            participantType=participant.capitalize() if participant in PARTICIPANT_TYPES else None,
        )
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": SOURCE,
        "account": account,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": PARTNER_CENTRAL_REGION,
        "resources": [invitation["arn"]],
        "detail": {"catalog": catalog, "engagementInvitation": {k: v for k, v in invitation.items() if v}},
    }


def verify(clients: Clients, outputs: StackOutputs, report: Callable[[Step], None], **options: Any) -> int:
    """Every step, reported as it ends; 1 if any failed."""
    failed = False
    for step in Verifier(clients, outputs, **options).steps():
        report(step)
        failed = failed or step.passed is False
    return 1 if failed else 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalog",
        choices=sorted(CATALOGS),
        help="where to find the newest invitation (default: the first the rule delivers)",
    )
    parser.add_argument(
        "--participant-type",
        choices=list(PARTICIPANT_TYPES),
        default="RECEIVER",
        help="of that invitation (default RECEIVER)",
    )
    parser.add_argument(
        "--wait", type=float, default=120.0, help="seconds to wait for the sync function's verdict (default 120)"
    )
