"""Expiry reminders against moto: the byStatusExpiration query, the conditional record, publish and
clear, with the clock under the test's control. Invitations are stored by the real sync handler."""

import re
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.reminders import TIMEOUT as REMINDERS_TIMEOUT
from invitation_sync.adapters.publisher import InvitationEventPublisher
from invitation_sync.adapters.reminder_store import ReminderCandidate, ReminderStore
from invitation_sync.budgets import AWS_CALL_WORST_CASE, PUBLISH_LEASE_SECONDS
from invitation_sync.handlers.reminder_handler import lambda_handler as reminder_handler
from invitation_sync.models.published import InvitationChangedEvent
from invitation_sync.models.stored import reminder_event_id
from invitation_sync.normalize import iso_utc
from invitation_sync.reminders import SECONDS_PER_REMINDER, ExpiryReminders, ReminderReport
from invitation_sync.wiring.reminders import reminder_services
from local import event_source
from local.aws_resources import drain_published
from local.faults import ClientFaults
from local.lambda_context import FakeLambdaContext
from local.samples import invitation_event, opportunity_invitation
from tests.conftest import LocalAws, LogLines
from tests.fixtures.iam import CallRecorder
from tests.integration.test_no_sensitive_data import SECRETS, secret_invitation

pytestmark = pytest.mark.clock

CATALOGS = ["AWS"]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def store_invitation(local_aws: LocalAws, response: dict[str, Any], detail_type: str = "Created") -> None:
    local_aws.emulator.put(response)
    assert (
        event_source.deliver(invitation_event(response, f"Engagement Invitation {detail_type}"))["outcome"] == "stored"
    )


def expires(response: dict[str, Any]) -> datetime:
    moment: datetime = response["ExpirationDate"]
    return moment


def reminders(local_aws: LocalAws, clock: Clock, thresholds: tuple[int, ...] = (72, 24)) -> ExpiryReminders:
    return ExpiryReminders(
        ReminderStore(boto3.client("dynamodb"), local_aws.resources.table_name),
        InvitationEventPublisher(boto3.client("sns"), local_aws.resources.topic_arn),
        thresholds,
        clock=clock,
    )


def run(local_aws: LocalAws, clock: Clock) -> ReminderReport:
    return reminders(local_aws, clock).run(CATALOGS, time_left=lambda: 900.0)


def expiring(local_aws: LocalAws) -> list[dict[str, Any]]:
    """The reminder events published since the last look (the created events are dropped)."""
    return [m.body for m in local_aws.published() if m.body["eventType"] == "invitation.expiring"]


def item(local_aws: LocalAws, invitation_id: str) -> dict[str, Any]:
    key = {"catalog": {"S": "AWS"}, "id": {"S": invitation_id}}
    found: dict[str, Any] = local_aws.dynamodb.get_item(TableName=local_aws.resources.table_name, Key=key)["Item"]
    return found


def test_thresholds_crossed_one_at_a_time_publish_one_reminder_each(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(1)
    store_invitation(local_aws, invitation)
    clock = Clock(expires(invitation) - timedelta(hours=72, seconds=1))
    assert run(local_aws, clock).published == 0
    assert expiring(local_aws) == []

    clock.now += timedelta(seconds=2)  # 71:59:59 left
    assert run(local_aws, clock).published == 1
    assert run(local_aws, clock).published == 0  # the same check again: nothing new
    clock.now += timedelta(hours=47, minutes=30)  # 24:29:59 left: still nothing
    assert run(local_aws, clock).published == 0
    clock.now += timedelta(minutes=30)  # 23:59:59 left
    assert run(local_aws, clock).published == 1
    clock.now += timedelta(hours=23)
    assert run(local_aws, clock).published == 0

    first, second = expiring(local_aws)
    assert [first["reminder"], second["reminder"]] == [
        {"thresholdHours": 72, "expiresAt": iso_utc(expires(invitation)), "hoursLeft": 71},
        {"thresholdHours": 24, "expiresAt": iso_utc(expires(invitation)), "hoursLeft": 23},
    ]
    assert first["eventId"] == reminder_event_id("AWS", invitation["Id"], 1, 72)
    assert (first["version"], first["previousStatus"], first["invitation"]["status"]) == (1, None, "PENDING")
    assert "changedFields" not in first
    assert "publishPending" not in item(local_aws, invitation["Id"])
    assert "reminderPending" not in item(local_aws, invitation["Id"])


def test_several_thresholds_crossed_at_once_publish_only_the_nearest(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(2)
    store_invitation(local_aws, invitation)
    clock = Clock(expires(invitation) - timedelta(hours=5, minutes=30))

    report = run(local_aws, clock)

    assert (report.published, report.recorded_unpublished) == (1, 1)
    [reminder] = expiring(local_aws)
    assert reminder["reminder"] == {"thresholdHours": 24, "expiresAt": iso_utc(expires(invitation)), "hoursLeft": 5}
    assert item(local_aws, invitation["Id"])["remindedHours"]["NS"] in (["72", "24"], ["24", "72"])
    clock.now += timedelta(hours=1)
    assert run(local_aws, clock).published == 0
    assert expiring(local_aws) == []


def test_an_invitation_accepted_before_its_reminder_gets_none(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(3)
    store_invitation(local_aws, invitation)
    store_invitation(local_aws, {**invitation, "Status": "ACCEPTED"}, "Accepted")

    report = run(local_aws, Clock(expires(invitation) - timedelta(hours=10)))

    assert (report.checked, report.published) == (0, 0)  # no longer in the PENDING partition
    assert expiring(local_aws) == []


class LaggingIndex(ReminderStore):
    """The index answered before the item changed: what `expiring` yields was read earlier."""

    def __init__(self, store: ReminderStore, answer: list[ReminderCandidate]) -> None:
        self.__dict__.update(store.__dict__)
        self._answer = answer

    def expiring(self, catalog: str, after: str, until: str) -> Iterator[ReminderCandidate]:
        yield from self._answer


@pytest.mark.parametrize(
    "change",
    [{"Status": "ACCEPTED"}, {"EngagementTitle": "Renamed while the index lagged"}],
    ids=["accepted", "updated"],
)
def test_the_record_refuses_an_item_changed_since_the_index_answered(
    local_aws: LocalAws, change: dict[str, str]
) -> None:
    invitation = opportunity_invitation(4)
    store_invitation(local_aws, invitation)
    clock = Clock(expires(invitation) - timedelta(hours=10))
    store = ReminderStore(boto3.client("dynamodb"), local_aws.resources.table_name)
    earlier_answer = list(store.expiring("AWS", iso_utc(clock.now), iso_utc(expires(invitation))))
    store_invitation(local_aws, {**invitation, **change}, "Accepted" if "Status" in change else "Created")
    publisher = InvitationEventPublisher(boto3.client("sns"), local_aws.resources.topic_arn)
    lagging = ExpiryReminders(LaggingIndex(store, earlier_answer), publisher, (72, 24), clock=clock)

    report = lagging.run(CATALOGS, time_left=lambda: 900.0)

    assert (report.published, report.refused) == (0, 1)
    assert expiring(local_aws) == []
    assert "remindedHours" not in item(local_aws, invitation["Id"])


def test_no_expiration_date_and_already_expired_get_no_reminder(local_aws: LocalAws) -> None:
    undated = {k: v for k, v in opportunity_invitation(5).items() if k != "ExpirationDate"}
    overdue = opportunity_invitation(6)
    store_invitation(local_aws, undated)
    store_invitation(local_aws, overdue)

    report = run(local_aws, Clock(expires(overdue) + timedelta(minutes=1)))

    assert (report.checked, report.published) == (0, 0)
    assert expiring(local_aws) == []


def test_concurrent_runs_publish_each_reminder_once(local_aws: LocalAws) -> None:
    invitations = [opportunity_invitation(number) for number in range(10, 16)]
    for invitation in invitations:
        store_invitation(local_aws, invitation)
    clock = Clock(max(expires(invitation) for invitation in invitations) - timedelta(hours=20))
    barrier = threading.Barrier(4)
    reports: list[ReminderReport] = []

    def worker() -> None:
        checker = reminders(local_aws, clock)
        barrier.wait()
        reports.append(checker.run(CATALOGS, time_left=lambda: 900.0))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    published = expiring(local_aws)
    assert sorted(body["invitation"]["id"] for body in published) == sorted(i["Id"] for i in invitations)
    assert len({body["eventId"] for body in published}) == len(invitations)
    assert sum(report.published for report in reports) == len(invitations)
    assert all(report.failed == [] for report in reports)


def failed_reminder(local_aws: LocalAws, number: int) -> tuple[dict[str, Any], Clock]:
    """The invitation stored, its 24 h reminder recorded at version 1 and its publish refused."""
    invitation = opportunity_invitation(number)
    store_invitation(local_aws, invitation)
    clock = Clock(expires(invitation) - timedelta(hours=23, minutes=10))
    with ClientFaults() as faults:
        faults.fail_next("sns.Publish", code="InternalError", status=500)
        assert run(local_aws, clock).failed == [f"AWS/{invitation['Id']}: PublishError"]
    return invitation, clock


def test_a_failed_publish_is_repeated_by_the_next_run_with_the_same_event_id(local_aws: LocalAws) -> None:
    invitation, clock = failed_reminder(local_aws, 20)
    assert expiring(local_aws) == []
    assert item(local_aws, invitation["Id"])["reminderPending"]["M"]["thresholdHours"] == {"N": "24"}

    clock.now += timedelta(minutes=5)  # the next scheduled run: the lease was released at the failure
    retried = run(local_aws, clock)

    assert (retried.repeated, retried.published, retried.failed) == (1, 0, [])
    [reminder] = expiring(local_aws)
    assert reminder["eventId"] == reminder_event_id("AWS", invitation["Id"], 1, 24)
    assert reminder["reminder"]["hoursLeft"] == 23  # as recorded, not as of the repeat
    assert "reminderPending" not in item(local_aws, invitation["Id"])


class CrashingPublisher(InvitationEventPublisher):
    """The function dies after the record and before SNS answers (a timeout, an out-of-memory)."""

    def publish(self, event: InvitationChangedEvent) -> str:
        raise SystemExit("the execution environment died")


def crash_after_recording(local_aws: LocalAws, invitation: dict[str, Any]) -> tuple[Clock, ReminderStore]:
    """A reminder check that records the 72 h reminder and dies before SNS answers."""
    store_invitation(local_aws, invitation)
    clock = Clock(expires(invitation) - timedelta(hours=60))
    store = ReminderStore(boto3.client("dynamodb"), local_aws.resources.table_name)
    crashing = ExpiryReminders(
        store, CrashingPublisher(boto3.client("sns"), local_aws.resources.topic_arn), (72, 24), clock=clock
    )
    with pytest.raises(SystemExit):
        crashing.run(CATALOGS, time_left=lambda: 900.0)
    return clock, store


def test_a_crash_between_record_and_publish_repeats_the_reminder_after_the_lease(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(21)
    clock, _ = crash_after_recording(local_aws, invitation)
    recorded_at = iso_utc(clock.now)

    clock.now += timedelta(seconds=PUBLISH_LEASE_SECONDS - 1)
    assert run(local_aws, clock).repeated == 0  # the lease still holds: its publisher may be at it
    clock.now += timedelta(seconds=2)
    assert run(local_aws, clock).repeated == 1

    [reminder] = expiring(local_aws)
    assert reminder["eventId"] == reminder_event_id("AWS", invitation["Id"], 1, 72)
    assert reminder["occurredAt"] == recorded_at
    assert run(local_aws, clock).repeated == 0


def test_the_slowest_reminder_makes_the_calls_its_time_budget_counts(local_aws: LocalAws) -> None:
    """A run starts a reminder only with SECONDS_PER_REMINDER left: the longest path's calls, each at its
    worst, and the next query page, fetched before the next check."""
    invitation = opportunity_invitation(26)
    clock, _ = crash_after_recording(local_aws, invitation)
    clock.now = expires(invitation) - timedelta(hours=23)  # its lease lapsed, and the 24 h threshold is crossed
    with CallRecorder() as recorder, recorder.acting_as("reminders"):
        report = run(local_aws, clock)

    assert (report.repeated, report.published) == (1, 1)  # took over the 72 h one, then the 24 h one
    per_reminder = [call.operation for call in recorder.calls if call.operation != "Query"]
    assert per_reminder == ["UpdateItem", "Publish", "UpdateItem"] * 2
    assert (len(per_reminder) + 1) * AWS_CALL_WORST_CASE == SECONDS_PER_REMINDER


def test_the_handler_reminds_with_the_deployed_configuration(
    local_aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    soon = datetime.now(tz=expires(opportunity_invitation(1)).tzinfo).replace(microsecond=0) + timedelta(hours=30)
    invitation = {**opportunity_invitation(30), "ExpirationDate": soon}
    store_invitation(local_aws, invitation)
    monkeypatch.setenv("EXPIRY_REMINDER_HOURS", "72,24")
    reminder_services.cache_clear()

    report = reminder_handler(
        {"source": "aws.events"}, FakeLambdaContext(timeout_seconds=REMINDERS_TIMEOUT.to_seconds())
    )

    reminder_services.cache_clear()
    assert (report["published"], report["complete"]) == (1, True)
    [reminder] = expiring(local_aws)
    assert reminder["reminder"]["thresholdHours"] == 72
    assert len(local_aws.emulator.calls_to("GetEngagementInvitation")) == 1  # the sync's; reminders make none


def readme_filter_policy(title: str) -> str:
    """The JSON block that follows `title` in the README's event section."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = re.search(rf"{re.escape(title)}[^\n]*\n```json\n(.*?)```", readme, re.S)
    assert block, title
    return block.group(1)


def test_the_readme_filter_policies_select_reminders_and_every_acceptance(local_aws: LocalAws) -> None:
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    queues = {}
    for title in ("Reminders only", "Accepted or expiring"):
        queue_url = sqs.create_queue(QueueName=title.replace(" ", "-"))["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(
            TopicArn=local_aws.resources.topic_arn,
            Protocol="sqs",
            Endpoint=arn,
            Attributes={"FilterPolicy": readme_filter_policy(title)},
        )
        queues[title] = queue_url
    pending, accepted = opportunity_invitation(40), opportunity_invitation(41)
    first_seen_accepted = {**opportunity_invitation(42), "Status": "ACCEPTED"}  # its earlier events were lost
    store_invitation(local_aws, pending)
    store_invitation(local_aws, accepted)
    store_invitation(local_aws, {**accepted, "Status": "ACCEPTED"}, "Accepted")
    store_invitation(local_aws, first_seen_accepted, "Accepted")
    store_invitation(local_aws, {**first_seen_accepted, "EngagementTitle": "Renamed"}, "Accepted")  # updated
    run(local_aws, Clock(expires(pending) - timedelta(hours=1)))

    received = {
        title: sorted((m.body["eventType"], m.body["invitation"]["id"]) for m in drain_published(sqs, url))
        for title, url in queues.items()
    }
    assert received == {
        "Reminders only": [("invitation.expiring", pending["Id"])],
        "Accepted or expiring": sorted(
            [
                ("invitation.accepted", accepted["Id"]),
                ("invitation.created", first_seen_accepted["Id"]),
                ("invitation.expiring", pending["Id"]),
            ]
        ),
    }


def test_reminder_logs_and_failures_carry_no_personal_data(local_aws: LocalAws, log_lines: LogLines) -> None:
    invitation = secret_invitation(50)
    store_invitation(local_aws, invitation)
    clock = Clock(expires(invitation) - timedelta(hours=2))
    with ClientFaults() as faults:
        faults.fail_next("sns.Publish", code="InternalError", status=500)
        failed = run(local_aws, clock)
    repeated = run(local_aws, clock)

    assert (len(failed.failed), repeated.repeated) == (1, 1)
    written = log_lines.text + repr(failed.summary()) + repr(repeated.summary())
    assert "reminder not published" in log_lines.text
    assert not [name for name, value in SECRETS.items() if value in written]


def test_an_unreadable_item_is_skipped_and_the_others_are_reminded(local_aws: LocalAws) -> None:
    first, broken, last = (opportunity_invitation(number) for number in (41, 42, 43))
    for invitation in (first, broken, last):
        store_invitation(local_aws, invitation)
    corrupt = item(local_aws, broken["Id"])
    corrupt["invitation"] = {"M": {"id": {"N": "42"}}}  # a hand edit the model cannot read
    local_aws.dynamodb.put_item(TableName=local_aws.resources.table_name, Item=corrupt)
    clock = Clock(expires(last) - timedelta(hours=71))

    report = run(local_aws, clock)

    assert report.published == 2  # the invitations on either side of the unreadable one
    assert {body["invitation"]["id"] for body in expiring(local_aws)} == {first["Id"], last["Id"]}


def test_a_recorded_reminder_is_not_repeated_once_the_invitation_was_answered(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(22)
    clock, store = crash_after_recording(local_aws, invitation)
    earlier_answer = list(store.expiring("AWS", iso_utc(clock.now), iso_utc(expires(invitation))))
    store_invitation(local_aws, {**invitation, "Status": "ACCEPTED"}, "Accepted")
    local_aws.published()
    clock.now += timedelta(seconds=PUBLISH_LEASE_SECONDS + 1)
    publisher = InvitationEventPublisher(boto3.client("sns"), local_aws.resources.topic_arn)
    lagging = ExpiryReminders(LaggingIndex(store, earlier_answer), publisher, (72, 24), clock=clock)

    report = lagging.run(CATALOGS, time_left=lambda: 900.0)

    assert report.repeated == 0
    assert expiring(local_aws) == []  # no "expiring" for an invitation already accepted


def failed_reminder_then_changed(local_aws: LocalAws, number: int, **change: Any) -> tuple[dict[str, Any], Clock]:
    """A failed reminder (`failed_reminder`), then a change stored as version 2."""
    invitation, clock = failed_reminder(local_aws, number)
    changed = {**invitation, **change}
    store_invitation(local_aws, changed)
    assert [m.body["version"] for m in local_aws.published()] == [1, 2]  # created, then the change
    return changed, clock


def test_a_reminder_recorded_before_a_change_is_reminded_again_as_the_new_version(local_aws: LocalAws) -> None:
    """Its version's content is gone: repeating it would send version 1 with version 2's title."""
    changed, clock = failed_reminder_then_changed(local_aws, 40, EngagementTitle="Renamed after the reminder")
    clock.now += timedelta(minutes=5)

    report = run(local_aws, clock)

    assert (report.outdated, report.repeated, report.published) == (1, 0, 1)
    [reminder] = expiring(local_aws)
    assert (reminder["version"], reminder["invitation"]["engagementTitle"]) == (2, "Renamed after the reminder")
    assert reminder["eventId"] == reminder_event_id("AWS", changed["Id"], 2, 24)
    assert reminder["reminder"] == {"thresholdHours": 24, "expiresAt": iso_utc(expires(changed)), "hoursLeft": 23}
    assert "reminderPending" not in item(local_aws, changed["Id"])
    assert run(local_aws, clock).published == 0  # reminded once


def test_a_reminder_recorded_before_its_expiry_moved_waits_for_the_new_threshold(local_aws: LocalAws) -> None:
    later = opportunity_invitation(41)["ExpirationDate"] + timedelta(days=2)
    changed, clock = failed_reminder_then_changed(local_aws, 41, ExpirationDate=later)
    clock.now += timedelta(minutes=5)

    report = run(local_aws, clock)

    assert (report.outdated, report.published) == (1, 0)  # 71 h left: 24 h is not crossed any more
    assert expiring(local_aws) == []
    assert item(local_aws, changed["Id"])["remindedHours"]["NS"] == ["72"]  # passed over when 24 h was recorded
    clock.now = later - timedelta(hours=23)
    assert run(local_aws, clock).published == 1  # the 24 h reminder of the new expiry
    [reminder] = expiring(local_aws)
    assert reminder["eventId"] == reminder_event_id("AWS", changed["Id"], 2, 24)
    assert reminder["reminder"]["expiresAt"] == iso_utc(later)


def test_a_lagging_index_cannot_repeat_a_reminder_for_a_version_the_item_has_left(local_aws: LocalAws) -> None:
    """The index still shows version 1 with its recorded reminder; the item is at version 2."""
    invitation, clock = failed_reminder(local_aws, 42)
    store = ReminderStore(boto3.client("dynamodb"), local_aws.resources.table_name)
    earlier_answer = list(store.expiring("AWS", iso_utc(clock.now), iso_utc(expires(invitation))))
    store_invitation(local_aws, {**invitation, "EngagementTitle": "Renamed while the index lagged"})
    local_aws.published()  # the change's event
    publisher = InvitationEventPublisher(boto3.client("sns"), local_aws.resources.topic_arn)
    clock.now += timedelta(minutes=5)

    report = ExpiryReminders(LaggingIndex(store, earlier_answer), publisher, (72, 24), clock=clock).run(
        CATALOGS, time_left=lambda: 900.0
    )

    assert (report.repeated, report.outdated, report.published) == (0, 0, 0)
    assert expiring(local_aws) == []


def test_a_late_clear_of_an_outdated_reminder_leaves_the_new_versions_record(local_aws: LocalAws) -> None:
    """A run records the 72 h reminder of version 1 and publishes slowly (past its lease); the invitation
    changes; the next run drops that record and records version 2's, then dies before publishing. The slow
    run's clear must not remove version 2's record: nothing would then repeat it."""
    invitation = opportunity_invitation(43)
    clock, store = crash_after_recording(local_aws, invitation)  # stands in for the slow run's record
    [slow] = store.expiring("AWS", iso_utc(clock.now), iso_utc(expires(invitation)))
    assert slow.pending is not None
    assert slow.pending.version == 1
    store_invitation(local_aws, {**invitation, "EngagementTitle": "Renamed while the publish was slow"})
    clock.now += timedelta(seconds=PUBLISH_LEASE_SECONDS + 1)
    dying = ExpiryReminders(
        store, CrashingPublisher(boto3.client("sns"), local_aws.resources.topic_arn), (72, 24), clock=clock
    )
    with pytest.raises(SystemExit):
        dying.run(CATALOGS, time_left=lambda: 900.0)
    assert item(local_aws, invitation["Id"])["reminderPending"]["M"]["version"] == {"N": "2"}

    assert not store.clear(slow, slow.pending)  # the slow run's publish returned at last
    assert not store.release(slow, slow.pending, iso_utc(clock.now))

    local_aws.published()  # the events so far: created, updated
    clock.now += timedelta(seconds=PUBLISH_LEASE_SECONDS + 1)
    assert run(local_aws, clock).repeated == 1
    [reminder] = expiring(local_aws)
    assert reminder["eventId"] == reminder_event_id("AWS", invitation["Id"], 2, 72)
