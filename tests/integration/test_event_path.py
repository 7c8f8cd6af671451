"""The event path's second pass: lagging reads, first sightings whose details are gone, final is final,
and records that come back through the event queue."""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from invitation_sync.budgets import EVENT_RECEIVES, PARK_WORST_CASE, RETRY_DELAYS_SECONDS
from invitation_sync.handlers.sync_handler import lambda_handler, sync_batch
from invitation_sync.models.reconcile_request import ReconcileRequest
from invitation_sync.normalize import iso_utc
from invitation_sync.reconcile import Budget
from invitation_sync.settings import ReconcileSettings
from invitation_sync.wiring.reconcile import build_reconcile_services
from invitation_sync.wiring.sync import sync_services
from local import event_source
from local.lambda_context import lambda_context
from local.samples import INVITED_AT, dated, invitation_event, opportunity_invitation, sqs_event
from tests.conftest import LocalAws
from tests.integration.test_failures import emf_metrics

pytestmark = pytest.mark.clock

CREATED, ACCEPTED = "Engagement Invitation Created", "Engagement Invitation Accepted"
REJECTED, EXPIRED = "Engagement Invitation Rejected", "Engagement Invitation Expired"


def stored_item(local_aws: LocalAws, invitation_id: str, catalog: str = "AWS") -> dict[str, Any]:
    key = {"catalog": {"S": catalog}, "id": {"S": invitation_id}}
    item: dict[str, Any] = local_aws.dynamodb.get_item(TableName=local_aws.resources.table_name, Key=key)["Item"]
    return item


def queue_counts(url: str) -> tuple[int, int]:
    names: Any = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return int(attributes[names[0]]), int(attributes[names[1]])


def reconcile(local_aws: LocalAws) -> dict[str, Any]:
    settings = ReconcileSettings.model_validate(
        {
            "INVITATIONS_TABLE_NAME": local_aws.resources.table_name,
            "INVITATION_EVENTS_TOPIC_ARN": local_aws.resources.topic_arn,
            "SYNC_CATALOGS": "AWS",
            "RECONCILE_PARTICIPANT_TYPES": "RECEIVER",
        }
    )
    report = build_reconcile_services(settings).reconciler.run(
        ReconcileRequest(mode="incremental"), ["AWS"], ["RECEIVER"], Budget(lambda: 900.0), "t", lock_seconds=900.0
    )
    return report.summary()


@contextmanager
def retry_delays_set() -> Iterator[list[int]]:
    """The retry delays the sync function sets on the event queue (ChangeMessageVisibilityBatch), in order."""
    delays: list[int] = []

    def record_delays(params: dict[str, Any], **_: Any) -> None:
        delays.extend(entry["VisibilityTimeout"] for entry in params["Entries"])

    boto3.client("sts")  # the default session exists before the sync's clients are made
    assert boto3.DEFAULT_SESSION is not None
    hook = "provide-client-params.sqs.ChangeMessageVisibilityBatch"
    boto3.DEFAULT_SESSION.events.register(hook, record_delays, unique_id="record-delays")
    try:
        yield delays
    finally:
        boto3.DEFAULT_SESSION.events.unregister(hook, unique_id="record-delays")


def test_an_acceptance_that_get_does_not_answer_yet_is_retried_later_not_dropped(
    local_aws: LocalAws, capsys: pytest.CaptureFixture[str]
) -> None:
    invitation = opportunity_invitation(1)
    local_aws.emulator.put(invitation)

    with retry_delays_set() as delays:
        event_source.deliver(invitation_event(invitation))
        capsys.readouterr()
        lagging = event_source.deliver(invitation_event(invitation, ACCEPTED))  # Get still answers PENDING
        again = event_source.deliver(invitation_event(invitation, ACCEPTED), receive_count=2)

    assert (lagging["outcome"], lagging["errorType"]) == ("retry", "LaggingReadError")
    assert "announced ACCEPTED" in str(lagging["reason"])
    assert "still answers PENDING" in str(lagging["reason"])
    assert again["errorType"] == "LaggingReadError"
    assert emf_metrics(capsys.readouterr().out)["LaggingReads"] == 2
    # Back in the event queue after a delay that grows with each receive.
    assert delays == list(RETRY_DELAYS_SECONDS[:2])
    assert queue_counts(local_aws.resources.event_queue_url) == (0, 2)

    local_aws.emulator.update("AWS", invitation["Id"], Status="ACCEPTED")  # the truth catches up
    healed = event_source.deliver(invitation_event(invitation, ACCEPTED))
    assert (healed["outcome"], healed["status"], healed["event_type"]) == ("stored", "ACCEPTED", "invitation.accepted")


def test_a_lagging_read_on_its_last_receive_is_parked_with_its_reason_and_healed_by_the_reconciler(
    local_aws: LocalAws, capsys: pytest.CaptureFixture[str]
) -> None:
    invitation = opportunity_invitation(2)
    local_aws.emulator.put(invitation)
    event_source.deliver(invitation_event(invitation))
    capsys.readouterr()

    parked = event_source.deliver(invitation_event(invitation, ACCEPTED), receive_count=EVENT_RECEIVES)

    assert (parked["outcome"], parked["errorType"]) == ("parked", "LaggingReadError")
    metrics = emf_metrics(capsys.readouterr().out)
    assert (metrics["LaggingReads"], metrics["RetriesExhausted"]) == (1, 1)
    [record] = local_aws.failed_events()
    assert record["errorType"] == "LaggingReadError"
    assert record["event"] == invitation_event(invitation, ACCEPTED)
    assert queue_counts(local_aws.resources.event_queue_url) == (0, 0)  # done with: deleted from the event queue

    local_aws.emulator.update("AWS", invitation["Id"], Status="ACCEPTED")
    assert reconcile(local_aws)["drift_repaired"] == 1
    assert stored_item(local_aws, invitation["Id"])["status"] == {"S": "ACCEPTED"}


def test_a_record_whose_park_is_refused_is_retried_after_its_delay_not_the_visibility_timeout(
    local_aws: LocalAws,
) -> None:
    """Parking failed (the failed-events queue refused it): the record goes back to the queue like any failure,
    seen again after its retry delay rather than the queue's 36-minute visibility timeout."""
    boto3.client("sqs").delete_queue(QueueUrl=local_aws.resources.failed_events_queue_url)

    with retry_delays_set() as delays:
        response = event_source.invoke("not an event", receive_count=2)

    assert len(response["batchItemFailures"]) == 1
    assert delays == [RETRY_DELAYS_SECONDS[1]]
    assert queue_counts(local_aws.resources.event_queue_url) == (0, 1)


def test_an_announced_status_the_table_already_has_needs_no_retry(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(3)
    local_aws.emulator.put({**invitation, "Status": "ACCEPTED"})
    event_source.deliver(invitation_event(invitation, ACCEPTED))
    local_aws.emulator.put(invitation)  # a lagging read answers PENDING again

    late = event_source.deliver(invitation_event(invitation, ACCEPTED), receive_count=1)

    assert (late["outcome"], late["status"]) == ("stale", "ACCEPTED")


def test_a_parked_record_moved_back_by_sqs_redrive_is_synced_from_its_original_event(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(4)
    local_aws.emulator.put(invitation)
    parked = {"errorType": "LaggingReadError", "reason": "x", "failedAt": "t", "event": invitation_event(invitation)}

    outcome = event_source.deliver(json.dumps(parked))

    assert (outcome["outcome"], outcome["version"]) == ("stored", 1)


def test_a_first_sighting_already_rejected_takes_what_the_list_summary_still_serves(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(5)  # never stored; its events were lost until the rejection
    local_aws.emulator.put({**invitation, "Status": "REJECTED"})
    local_aws.emulator.make_inaccessible("AWS", invitation["Id"])

    result = event_source.deliver(invitation_event(invitation, REJECTED))

    assert (result["outcome"], result["status"], result["details_retrievable"]) == ("stored", "REJECTED", False)
    item = stored_item(local_aws, invitation["Id"])
    assert item["catalogStatus"] == {"S": "AWS#REJECTED"}  # in the status index
    assert item["invitationDate"] == {"S": iso_utc(INVITED_AT + timedelta(hours=5))}
    kept = item["invitation"]["M"]
    assert kept["engagementTitle"] == {"S": invitation["EngagementTitle"]}
    assert kept["senderCompanyName"] == {"S": "Amazon Web Services"}
    [message] = local_aws.published()
    assert (message.body["eventType"], message.body["invitation"]["status"]) == ("invitation.created", "REJECTED")
    assert message.body["invitation"]["expirationDate"] == iso_utc(INVITED_AT + timedelta(hours=5, days=15))
    calls = local_aws.emulator.calls_to("ListEngagementInvitations")
    assert [call.params["EngagementIdentifier"] for call in calls] == [[invitation["EngagementId"]]]


def test_the_next_hourly_run_completes_an_item_first_seen_expired_without_its_engagement(local_aws: LocalAws) -> None:
    """An Expired event naming no engagement, for an invitation never seen open: Get refuses it and List finds
    no summary by engagement, so the item is stored without dates, outside every date index, and older than
    any incremental run's window (it was sent 15 days ago). The bySummaryMissing index holds it; the next
    incremental run lists EXPIRED invitations newest first, fills it from its summary, and lets it go."""
    assert reconcile(local_aws)["complete"]  # a scheduled run before: the next one looks back an hour only
    now = datetime.now(UTC).replace(microsecond=0)
    invitation = dated(opportunity_invitation(6), now - timedelta(days=15, minutes=5))
    local_aws.emulator.put({**invitation, "Status": "EXPIRED"})
    local_aws.emulator.make_inaccessible("AWS", invitation["Id"])
    anonymous = invitation_event(invitation, EXPIRED)
    del anonymous["detail"]["engagementInvitation"]["engagementId"]  # nothing to find its summary by
    event_source.deliver(anonymous)
    skeleton = stored_item(local_aws, invitation["Id"])
    assert "invitationDate" not in skeleton
    assert skeleton["summaryMissing"] == {"S": "AWS"}
    local_aws.published()
    local_aws.emulator.calls.clear()

    report = reconcile(local_aws)

    assert report["drift_repaired"] == 1
    item = stored_item(local_aws, invitation["Id"])
    assert (item["status"], item["version"]) == ({"S": "EXPIRED"}, {"N": "2"})
    assert item["invitationDate"] == {"S": iso_utc(invitation["InvitationDate"])}
    assert item["expirationDate"] == {"S": iso_utc(invitation["ExpirationDate"])}
    assert "summaryMissing" not in item  # out of the waiting index, into the date indexes
    [message] = local_aws.published()
    assert message.body["eventType"] == "invitation.updated"
    lists = local_aws.emulator.calls_to("ListEngagementInvitations")
    assert [call.params.get("Status") for call in lists].count(["EXPIRED"]) == 1  # found on the first page
    local_aws.emulator.calls.clear()
    assert reconcile(local_aws)["synced"] == 0  # and it stays settled: nothing waits, no EXPIRED list
    assert ["EXPIRED"] not in [
        call.params.get("Status") for call in local_aws.emulator.calls_to("ListEngagementInvitations")
    ]


def test_final_is_final_a_rejection_never_replaces_an_acceptance(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(7)
    local_aws.emulator.put({**invitation, "Status": "ACCEPTED"})
    event_source.deliver(invitation_event(invitation, ACCEPTED))
    local_aws.emulator.make_inaccessible("AWS", invitation["Id"])

    late = event_source.deliver(invitation_event(invitation, REJECTED))

    assert (late["outcome"], late["status"], late["version"]) == ("stale", "ACCEPTED", 1)
    assert stored_item(local_aws, invitation["Id"])["catalogStatus"] == {"S": "AWS#ACCEPTED"}
    assert len(local_aws.published()) == 1


def test_content_changes_of_a_final_invitation_are_still_stored(local_aws: LocalAws) -> None:
    invitation = {**opportunity_invitation(8), "Status": "ACCEPTED"}
    local_aws.emulator.put(invitation)
    event_source.deliver(invitation_event(invitation, ACCEPTED))
    local_aws.emulator.update("AWS", invitation["Id"], EngagementTitle="Renamed after acceptance")

    changed = event_source.deliver(invitation_event(invitation, ACCEPTED, event_id="another"))

    assert (changed["outcome"], changed["version"], changed["event_type"]) == ("stored", 2, "invitation.updated")


def test_a_direct_invocation_is_moved_onto_the_event_queue(local_aws: LocalAws) -> None:
    """An event queued for the previous release's rule (direct invocation) is not lost on upgrade."""
    invitation = opportunity_invitation(9)
    local_aws.emulator.put(invitation)

    answer = lambda_handler(invitation_event(invitation), lambda_context())

    assert set(answer) == {"enqueued"}
    assert queue_counts(local_aws.resources.event_queue_url) == (1, 0)
    assert local_aws.item_count() == 0  # nothing synced yet: the queue's record will be


def test_a_record_without_time_left_is_not_started_and_counts_as_a_receive(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(10)
    local_aws.emulator.put(invitation)
    short = lambda_context(timeout_seconds=PARK_WORST_CASE + 10)  # too little for a sync, enough to park

    early = sync_batch(sqs_event(invitation_event(invitation)), short)
    last = sync_batch(sqs_event(invitation_event(invitation), receive_count=EVENT_RECEIVES), short)

    [not_started] = early.outcomes.values()
    assert (not_started["outcome"], not_started["errorType"]) == ("retry", "OutOfTimeError")
    assert list(early.retries.values()) == [RETRY_DELAYS_SECONDS[0]]
    [parked] = last.outcomes.values()
    assert (parked["outcome"], parked["errorType"]) == ("parked", "OutOfTimeError")
    assert local_aws.emulator.calls == []  # neither was started
    assert [record["errorType"] for record in local_aws.failed_events()] == ["OutOfTimeError"]


def test_a_last_receive_without_time_to_park_goes_back_rather_than_overrun(local_aws: LocalAws) -> None:
    """Parking is a SendMessage at its worst, then the batch's retry delays: with less time than that
    left, the record goes back, to be parked on a later receive (the queue's redrive policy moves it only
    once its extra receives are spent too)."""
    invitation = opportunity_invitation(12)
    local_aws.emulator.put(invitation)

    last = sync_batch(
        sqs_event(invitation_event(invitation), receive_count=EVENT_RECEIVES),
        lambda_context(timeout_seconds=PARK_WORST_CASE - 1),
    )

    [returned] = last.outcomes.values()
    assert (returned["outcome"], returned["errorType"]) == ("retry", "OutOfTimeError")
    assert last.response == {"batchItemFailures": [{"itemIdentifier": next(iter(last.outcomes))}]}
    assert local_aws.failed_events() == []


def test_an_invocation_keeps_its_slot_until_its_rate_window_has_closed(
    local_aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The environment Lambda gives the mapping's slot to next starts with an empty limiter: it must not
    share a window with this one's sends, or the event path's rate bound would not hold."""
    monkeypatch.setenv("PARTNER_CENTRAL_HOLD_RATE_WINDOW", "true")
    sync_services.cache_clear()
    invitation = opportunity_invitation(11)
    local_aws.emulator.put(invitation)

    event_source.deliver(invitation_event(invitation))
    returned_at = time.monotonic()

    [get] = local_aws.emulator.calls_to("GetEngagementInvitation")
    limiter = sync_services().rate_limiter
    assert limiter.waited > limiter.window / 2  # it held the slot: the sync itself takes milliseconds here
    # The emulator logs the Get when it answers, a little after the limiter logged the send.
    assert returned_at - get.at >= limiter.window - 0.1
