"""The answer function's use case against moto (DynamoDB, SNS) and the Partner Central emulator over HTTP.

Every test runs on one clock shared by the use case, the write slots and the emulator (its write quota of
1 per second and its tasks): real time sped up, so threads stay ordered as they would be in AWS while the
tests wait a fraction of the real seconds.
"""

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest

from invitation_sync.answer import InvitationAnswers
from invitation_sync.budgets import ANSWER_LEASE_SECONDS, TOKEN_LESS_SETTLE_SECONDS, WRITE_CALL_WORST_CASE
from invitation_sync.errors import StoreUnavailableError
from invitation_sync.models.answer import AnswerResult
from invitation_sync.settings import AnswerSettings
from invitation_sync.wiring.answer import build_answers
from local.aws_resources import LocalResources, drain_published
from local.emulated_answers import ACCEPT, REJECT, START_TASK, WRITE_OPERATIONS, TaskScript
from local.environment import local_aws
from local.partner_central_emulator import PartnerCentralEmulator
from local.samples import dated, lead_invitation, opportunity_invitation
from local.sped_up_clock import SpedUpClock

RECEIVER = "111122223333"  # the samples' receiver: this function's account
SPEED = 2.0  # clock seconds per real second (a write slot's send window stays 125 ms of real time on a busy host)


@dataclass
class Answering:
    clock: SpedUpClock
    emulator: PartnerCentralEmulator
    resources: LocalResources

    def answers(self) -> InvitationAnswers:
        """A fresh function instance (its own clients): what another concurrent invocation would be."""
        return build_answers(AnswerSettings.from_environment(), clock=self.clock.time, sleep=self.clock.sleep)

    def put(self, response: dict[str, Any], participant_type: str = "RECEIVER") -> str:
        """Store the invitation in Partner Central and, through the sync, in the table (published: drained)."""
        response = dated(response, self.clock.now() - timedelta(days=1))
        self.emulator.put(response, participant_type)
        self.answers()._sync.sync_invitation(response["Catalog"], response["Id"], "seed")
        self.published()
        return str(response["Id"])

    def answer(self, payload: dict[str, Any], answers: InvitationAnswers | None = None) -> AnswerResult:
        return (answers or self.answers()).answer(payload, RECEIVER, time_left=lambda: 900.0)

    def writes(self) -> list[Any]:
        return [call for call in self.emulator.calls if call.operation in WRITE_OPERATIONS]

    def published(self) -> list[dict[str, Any]]:
        return [message.body for message in drain_published(boto3.client("sqs"), self.resources.probe_queue_url)]

    def item(self, catalog: str, invitation_id: str) -> dict[str, Any]:
        key = {"catalog": {"S": catalog}, "id": {"S": invitation_id}}
        item: dict[str, Any] = boto3.client("dynamodb").get_item(TableName=self.resources.table_name, Key=key)["Item"]
        return item


@pytest.fixture
def answering() -> Iterator[Answering]:
    clock = SpedUpClock(SPEED)
    with PartnerCentralEmulator(clock=clock.time) as emulator, local_aws(emulator.url) as resources:
        yield Answering(clock, emulator, resources)


def request(invitation_id: str, decision: str = "accept", **more: str) -> dict[str, Any]:
    payload = {"catalog": "AWS", "invitationId": invitation_id, "decision": decision, "requestedBy": "ana@example"}
    return payload | ({"reason": "Unable to support"} if decision == "reject" else {}) | more


def test_an_opportunity_is_accepted_once_audited_and_published_with_its_answer(answering: Answering) -> None:
    ident = answering.put(opportunity_invitation(1))
    answering.emulator.script_tasks("AWS", ident, TaskScript(reads_in_progress=1))

    result = answering.answer(request(ident))

    assert (result.outcome, result.decision, result.answered_by) == ("accepted", "accept", "ana@example")
    assert result.opportunity_id
    assert result.task_id
    [start] = answering.writes()
    assert start.operation == START_TASK
    answer = answering.item("AWS", ident)["answer"]["M"]
    assert {name: answer[name]["S"] for name in ("state", "requestedBy", "taskId", "opportunityId", "taskStatus")} == {
        "state": "answered",
        "requestedBy": "ana@example",
        "taskId": result.task_id,
        "opportunityId": result.opportunity_id,
        "taskStatus": "COMPLETE",
    }
    assert start.params["ClientToken"] == answer["clientToken"]["S"]  # ours, never botocore's random one
    [event] = answering.published()
    assert (event["eventType"], event["invitation"]["status"]) == ("invitation.accepted", "ACCEPTED")
    assert event["answer"] == {
        "decision": "accept",
        "requestedBy": "ana@example",
        "requestedAt": answer["requestedAt"]["S"],
        "opportunityId": result.opportunity_id,
    }


def test_repeating_a_completed_answer_makes_no_write_call(answering: Answering) -> None:
    ident = answering.put(lead_invitation(2))
    assert answering.answer(request(ident)).outcome == "accepted"
    answering.published()

    again = answering.answer(request(ident, requestedBy="bo@example"))

    assert (again.outcome, again.answered_by) == ("already-answered", "ana@example")
    assert [call.operation for call in answering.writes()] == [ACCEPT]
    assert answering.published() == []


def test_the_eventbridge_event_after_the_answer_publishes_nothing(answering: Answering) -> None:
    ident = answering.put(lead_invitation(3))
    answering.answer(request(ident, "reject"))
    assert [event["eventType"] for event in answering.published()] == ["invitation.rejected"]

    answering.answers()._sync.sync_invitation("AWS", ident, "evt-rejected", announced_status="REJECTED")

    assert answering.published() == []


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("not stored", "not stored"),
        ("catalog not configured", "malformed request: catalog"),
        ("sender", "SENDER"),
        ("not pending", "not PENDING"),
        ("expired", "expired at"),
        ("reject without reason", "a reject needs a reason"),
        ("reason too long", "reason"),
        ("unknown decision", "decision"),
        ("malformed", "invitationId"),
        ("unknown payload type for accept", "no API accept"),
    ],
)
def test_a_refused_request_makes_no_partner_central_write(answering: Answering, case: str, message: str) -> None:
    ident = "engi-0000000000009"
    payload = request(ident)
    if case == "sender":
        ident = answering.put({**opportunity_invitation(4), "SenderAwsAccountId": RECEIVER}, "SENDER")
        payload = request(ident)
    elif case == "not pending":
        payload = request(answering.put(opportunity_invitation(5, status="ACCEPTED")))
    elif case == "expired":
        ident = answering.put(opportunity_invitation(6))
        answering.clock.jump(16 * 24 * 3600)
        payload = request(ident)
    elif case != "not stored":
        ident = answering.put(opportunity_invitation(7))
        payload = {
            "catalog not configured": request(ident, catalog="Live"),
            "reject without reason": {**request(ident), "decision": "reject"},
            "reason too long": request(ident, "reject", reason="x" * 81),
            "unknown decision": request(ident, decision="maybe"),
            "malformed": {"catalog": "AWS", "invitation": ident},
            "unknown payload type for accept": request(ident),
        }[case]
        if case == "unknown payload type for accept":
            answering.emulator.update("AWS", ident, PayloadType="FuturePlanInvitation")
            item_key = {"catalog": {"S": "AWS"}, "id": {"S": ident}}
            boto3.client("dynamodb").update_item(
                TableName=answering.resources.table_name,
                Key=item_key,
                UpdateExpression="SET invitation.payloadType = :type",
                ExpressionAttributeValues={":type": {"S": "FuturePlanInvitation"}},
            )

    result = answering.answer(payload)

    assert result.outcome == "refused"
    assert message in result.message
    assert answering.writes() == []


def test_accept_against_reject_at_once_gives_one_decision(answering: Answering) -> None:
    ident = answering.put(lead_invitation(8))
    results: list[AnswerResult] = []
    barrier = threading.Barrier(2)

    def answer(payload: dict[str, Any], answers: InvitationAnswers) -> None:
        barrier.wait()
        results.append(answering.answer(payload, answers))

    threads = [
        threading.Thread(target=answer, args=(payload, answering.answers()))
        for payload in (request(ident), request(ident, "reject", requestedBy="bo@example"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    outcomes = sorted(result.outcome for result in results)
    assert outcomes in (["accepted", "already-answered"], ["already-answered", "rejected"])
    [winner] = [result for result in results if result.outcome != "already-answered"]
    [loser] = [result for result in results if result.outcome == "already-answered"]
    assert (loser.decision, loser.answered_by) == (winner.decision, winner.answered_by)
    assert f"at the request of {winner.answered_by}" in loser.message
    assert len(answering.writes()) == 1


def start_then_crash(answering: Answering, ident: str) -> None:
    """An accept whose invocation dies after the Start went out, before it recorded the task (state writing)."""
    crashing = answering.answers()
    record = crashing._answers.record

    def crash_once_written(*args: Any, **changes: Any) -> Any:
        if changes.get("state") == "written":
            raise SystemExit("the invocation died after the write call")
        return record(*args, **changes)

    crashing._answers.record = crash_once_written  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        answering.answer(request(ident), crashing)


def resumed_without_its_token(answering: Answering, ident: str) -> InvitationAnswers:
    """The invocation that resumes an accept whose Start went out (start_then_crash) once its lease ran out and
    Partner Central no longer honours its ClientToken."""
    start_then_crash(answering, ident)
    answering.emulator.forget_client_tokens()
    answering.clock.jump(ANSWER_LEASE_SECONDS)
    return answering.answers()


def test_a_crash_after_the_write_resumes_with_the_task_it_started_found_by_its_invitation(
    answering: Answering,
) -> None:
    """ClientToken idempotency has no documented window: the resuming request lists the tasks accepting the
    invitation first and follows the one it finds, with no second Start."""
    ident = answering.put(opportunity_invitation(10))
    answering.emulator.script_tasks("AWS", ident, TaskScript(reads_in_progress=1))
    start_then_crash(answering, ident)
    assert answering.answer(request(ident)).outcome == "in-progress"  # the crashed request's lease holds

    answering.clock.jump(ANSWER_LEASE_SECONDS)
    result = answering.answer(request(ident))

    assert result.outcome == "accepted"
    assert [call.operation for call in answering.writes()] == [START_TASK]
    [task] = answering.emulator.tasks()
    assert task["TaskId"] == result.task_id


def test_a_conflicting_start_on_a_resume_takes_over_the_task_it_meets_not_recorded_as_failed(
    answering: Answering,
) -> None:
    """The request that started the task died before recording it; when the next one resumes, List does not show
    the task yet (read lag) and Partner Central no longer honours the ClientToken (no documented window): its
    Start meets a ConflictException. It looks for the task again and follows it: accepted, nothing failed."""
    ident = answering.put(opportunity_invitation(37))
    answering.emulator.script_tasks("AWS", ident, TaskScript(reads_in_progress=1))
    resuming = resumed_without_its_token(answering, ident)
    accept_task = resuming._partner_central.accept_task
    lookups = itertools.count()

    def list_lags_once(catalog: str, **which: Any) -> Any:
        return None if next(lookups) == 0 else accept_task(catalog, **which)

    resuming._partner_central.accept_task = list_lags_once  # type: ignore[method-assign]

    result = answering.answer(request(ident), resuming)

    assert result.outcome == "accepted", result
    assert [(call.operation, call.error) for call in answering.writes()] == [
        (START_TASK, None),
        (START_TASK, "ConflictException"),
    ]
    [task] = answering.emulator.tasks()
    assert (result.task_id, result.opportunity_id) == (task["TaskId"], task["OpportunityId"])
    assert [event["eventType"] for event in answering.published()] == ["invitation.accepted"]


def test_a_conflicting_start_on_an_accepted_invitation_with_no_task_listed_completes_the_answer(
    answering: Answering,
) -> None:
    """As above, but List shows no task during the whole request: Get's ACCEPTED is the answer (ours was sent), so
    it is recorded as answered and published, without an opportunity to name; never recorded as failed."""
    ident = answering.put(opportunity_invitation(39))
    answering.emulator.script_tasks("AWS", ident, TaskScript(reads_in_progress=1))
    resuming = resumed_without_its_token(answering, ident)
    resuming._partner_central.accept_task = lambda *_, **__: None  # type: ignore[method-assign]

    result = answering.answer(request(ident), resuming)

    assert (result.outcome, result.opportunity_id) == ("accepted", None), result
    assert [call.error for call in answering.writes()] == [None, "ConflictException"]
    assert answering.item("AWS", ident)["answer"]["M"]["state"]["S"] == "answered"
    assert [event["eventType"] for event in answering.published()] == ["invitation.accepted"]


def test_a_conflicting_start_after_our_task_failed_and_someone_else_accepted_records_the_failure(
    answering: Answering,
) -> None:
    """Our task failed; then the invitation was accepted in the console. The resumed Start meets a ConflictException:
    the only task listed is our failed one, so the accept is not ours: recorded and published as failed."""
    ident = answering.put(opportunity_invitation(38))
    answering.emulator.script_tasks("AWS", ident, TaskScript(reads_in_progress=0, reason_code="EngagementConflict"))
    resuming = resumed_without_its_token(answering, ident)
    answering.emulator.update("AWS", ident, Status="ACCEPTED")

    result = answering.answer(request(ident), resuming)

    assert (result.outcome, result.reason_code) == ("failed", "ConflictException"), result
    assert [call.error for call in answering.writes()] == [None, "ConflictException"]
    assert [event["eventType"] for event in answering.published()] == ["invitation.answer-failed"]


@pytest.mark.parametrize(("decision", "operation"), [("reject", REJECT), ("accept", ACCEPT)])
def test_a_lost_token_less_answer_is_never_sent_twice(answering: Answering, decision: str, operation: str) -> None:
    """The answer to a write Partner Central took is lost (a 5xx after the effect): the write is not sent again;
    Get shows it arrived (after a reject, our own reject is why the invitation is gone)."""
    ident = answering.put(lead_invitation(11))
    answering.emulator.fail_next("InternalServerException", operation, after_effect=True)

    result = answering.answer(request(ident, decision))

    assert result.outcome == f"{decision}ed"
    assert [(call.operation, call.error) for call in answering.writes()] == [(operation, "InternalServerException")]
    assert answering.emulator.truth("AWS", ident)["Status"] == f"{decision.upper()}ED"
    assert answering.item("AWS", ident)["answer"]["M"]["state"]["S"] == "answered"


def test_an_unknown_token_less_answer_is_in_progress_never_failed_and_sent_again_only_once_get_says_pending(
    answering: Answering,
) -> None:
    """A 5xx that may or may not have taken effect (here: it did not): nothing is resent while Get could still
    lag; the request ends in-progress with the write recorded as under way, and so does the next one while the
    write is not settled; the first after that, Get still answering PENDING, sends it."""
    ident = answering.put(lead_invitation(16))
    answering.emulator.fail_next("InternalServerException", ACCEPT)

    first = answering.answer(request(ident))

    assert first.outcome == "in-progress", first
    assert [call.error for call in answering.writes()] == ["InternalServerException"]
    assert answering.item("AWS", ident)["answer"]["M"]["state"]["S"] == "writing"
    assert answering.published() == []
    assert answering.answer(request(ident)).outcome == "in-progress"
    assert len(answering.writes()) == 1
    answering.clock.jump(WRITE_CALL_WORST_CASE + TOKEN_LESS_SETTLE_SECONDS)

    second = answering.answer(request(ident))

    assert second.outcome == "accepted", second
    assert [call.error for call in answering.writes()] == ["InternalServerException", None]


def test_a_failed_task_is_recorded_and_published_as_answer_failed(answering: Answering) -> None:
    ident = answering.put(opportunity_invitation(12))
    answering.emulator.script_tasks("AWS", ident, TaskScript(reason_code="OpportunityValidationFailed"))

    result = answering.answer(request(ident))

    assert (result.outcome, result.reason_code) == ("failed", "OpportunityValidationFailed")
    answer = answering.item("AWS", ident)["answer"]["M"]
    assert (answer["state"]["S"], answer["reasonCode"]["S"]) == ("failed", "OpportunityValidationFailed")
    assert answer["failurePublished"] == {"BOOL": True}
    [event] = answering.published()
    assert event["eventType"] == "invitation.answer-failed"
    assert event["answer"]["failureCode"] == "OpportunityValidationFailed"


def test_throttled_writes_are_retried_each_in_a_slot_of_its_own(answering: Answering) -> None:
    ident = answering.put(lead_invitation(13))
    answering.emulator.fail_next("ThrottlingException", REJECT, times=2)
    answers = answering.answers()

    result = answering.answer(request(ident, "reject"), answers)

    assert result.outcome == "rejected"
    assert answers._partner_central._slots.claimed == 3
    sent = [call.at for call in answering.writes()]
    assert len(sent) == 3
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(sent))


def test_the_write_quota_holds_across_concurrent_invocations(answering: Answering) -> None:
    """Four invocations (each its own clients, as separate execution environments) answer four invitations
    at once: Partner Central never sees two writes within one second, and throttles none. (Four: their
    slots fit well within one invocation's slot wait, WRITE_SLOT_WAIT_SECONDS, even on a loaded host.)"""
    idents = [answering.put(lead_invitation(20 + number)) for number in range(4)]
    results: list[AnswerResult] = []
    barrier = threading.Barrier(len(idents))

    def answer(ident: str, answers: InvitationAnswers) -> None:
        barrier.wait()
        results.append(answering.answer(request(ident, "reject"), answers))

    threads = [threading.Thread(target=answer, args=(ident, answering.answers())) for ident in idents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(result.outcome for result in results) == ["rejected"] * 4
    sent = sorted(call.at for call in answering.writes())
    assert len(sent) == 4
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(sent)), sent
    assert "write quota throttle" not in answering.emulator.faults_injected


def test_a_lost_accept_answer_met_by_a_lagging_read_is_not_recorded_as_failed(answering: Answering) -> None:
    """The connection drops after Partner Central took the accept while Get still answers PENDING for longer
    than the request looks (read-after-write lag). No failure is recorded or published, nothing is resent; the
    next request finds the answer there and writes nothing more."""
    ident = answering.put(lead_invitation(14))
    answering.emulator.faults.read_lag_seconds = 30.0
    answering.emulator.fail_next("InternalServerException", ACCEPT, after_effect=True)

    first = answering.answer(request(ident))

    assert first.outcome == "in-progress", first
    assert [call.error for call in answering.writes()] == ["InternalServerException"]
    assert answering.item("AWS", ident)["answer"]["M"]["state"]["S"] == "writing"
    assert answering.published() == []
    answering.clock.jump(30.0)  # Get catches up

    second = answering.answer(request(ident))

    assert second.outcome == "accepted", second
    assert len(answering.writes()) == 1
    assert [event["eventType"] for event in answering.published()] == ["invitation.accepted"]


def test_a_lost_accept_is_not_sent_again_while_a_long_read_lag_still_shows_pending(answering: Answering) -> None:
    """Partner Central took the accept, its answer was lost, and Get answers PENDING for a minute: the request
    that sent it gives up in-progress, and the next one, while Get still lags, does not send it again (it would
    be a second write, then a ConflictException). Once Get catches up, the answer completes with one write.
    (A lost reject shows at once: the emulator, like Partner Central, then answers not-found.)"""
    ident = answering.put(lead_invitation(35))
    answering.emulator.faults.read_lag_seconds = 60.0
    answering.emulator.fail_next("InternalServerException", ACCEPT, after_effect=True)
    assert answering.answer(request(ident)).outcome == "in-progress"

    again = answering.answer(request(ident))

    assert again.outcome == "in-progress", again
    assert [call.operation for call in answering.writes()] == [ACCEPT]
    assert answering.item("AWS", ident)["answer"]["M"]["state"]["S"] == "writing"
    answering.clock.jump(60.0)  # Get catches up

    assert answering.answer(request(ident)).outcome == "accepted"
    assert [call.operation for call in answering.writes()] == [ACCEPT]


def test_a_failure_being_published_by_its_request_is_not_published_again_by_another(answering: Answering) -> None:
    """While the request whose task failed publishes invitation.answer-failed, another request reads the failed,
    not yet published record: the failure's own request still holds it, so the other does not publish it too."""
    ident = answering.put(opportunity_invitation(15))
    answering.emulator.script_tasks("AWS", ident, TaskScript(reason_code="OpportunityValidationFailed"))
    failing = answering.answers()
    publish = failing._publisher.publish

    def another_request_meanwhile(event: Any) -> str:
        answering.answer(request(ident, requestedBy="bo@example"))
        return publish(event)

    failing._publisher.publish = another_request_meanwhile  # type: ignore[method-assign]
    answering.answer(request(ident), failing)

    published = [event["eventType"] for event in answering.published()]
    assert published.count("invitation.answer-failed") == 1, published


def test_a_failed_answer_is_taken_over_by_another_decision_only_while_partner_central_says_pending(
    answering: Answering,
) -> None:
    """Ana's accept failed; meanwhile Bo rejected in the console (the table has not heard yet). A reject asked
    for now is refused before any write: Partner Central's own status decides, not the table's."""
    ident = answering.put(opportunity_invitation(17))
    answering.emulator.script_tasks(
        "AWS", ident, TaskScript(reads_in_progress=0, reason_code="OpportunityValidationFailed")
    )
    assert answering.answer(request(ident)).outcome == "failed"
    answering.emulator.update("AWS", ident, Status="REJECTED")

    result = answering.answer(request(ident, "reject", requestedBy="bo@example"))

    assert result.outcome == "refused", result
    assert "REJECTED" in result.message
    assert [call.operation for call in answering.writes()] == [START_TASK]


def test_the_opportunity_reaches_subscribers_when_the_accepted_event_was_published_first(
    answering: Answering,
) -> None:
    """The task accepts the invitation before it creates the opportunity: Partner Central's Accepted event is
    synced (invitation.accepted, no opportunity yet) while the answer function still follows the task. The
    opportunity id is then published on a new version (invitation.updated) with the answer."""
    ident = answering.put(opportunity_invitation(18))
    answering.emulator.script_tasks("AWS", ident, TaskScript(reads_in_progress=2))
    answers = answering.answers()
    sleep = answers._sleep

    def eventbridge_delivers_meanwhile(seconds: float) -> None:
        answering.answers()._sync.sync_invitation("AWS", ident, "evt-accepted", announced_status="ACCEPTED")
        sleep(seconds)

    answers._sleep = eventbridge_delivers_meanwhile
    result = answering.answer(request(ident), answers)

    assert result.outcome == "accepted", result
    assert result.opportunity_id
    events = answering.published()
    assert [event["eventType"] for event in events] == ["invitation.accepted", "invitation.updated"]
    assert "opportunityId" not in events[0]["answer"]
    assert events[1]["answer"]["opportunityId"] == result.opportunity_id
    assert events[1]["invitation"] == events[0]["invitation"]
    assert answering.item("AWS", ident)["answer"]["M"]["state"]["S"] == "answered"


def test_an_open_accept_whose_invitation_shows_accepted_is_followed_to_its_opportunity(
    answering: Answering,
) -> None:
    """The request that started the task stopped while following it; Partner Central's Accepted event has been
    synced since. The next request does not stop at `already-answered`: it follows the same task (no second
    Start) to its opportunity and records the answer as complete."""
    ident = answering.put(opportunity_invitation(19))
    answering.emulator.script_tasks("AWS", ident, TaskScript(reads_in_progress=3))
    stopping = answering.answers()

    def crash(*_: Any, **__: Any) -> Any:
        raise SystemExit("the invocation died while following the task")

    stopping._partner_central.accept_task = crash  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        answering.answer(request(ident), stopping)
    answering.answers()._sync.sync_invitation("AWS", ident, "evt-accepted", announced_status="ACCEPTED")
    assert [event["eventType"] for event in answering.published()] == ["invitation.accepted"]
    answering.clock.jump(ANSWER_LEASE_SECONDS)

    result = answering.answer(request(ident, requestedBy="bo@example"))

    assert (result.outcome, result.answered_by) == ("accepted", "ana@example"), result
    assert result.opportunity_id
    assert [call.operation for call in answering.writes()] == [START_TASK]
    answer = answering.item("AWS", ident)["answer"]["M"]
    assert (answer["state"]["S"], answer["opportunityId"]["S"]) == ("answered", result.opportunity_id)
    [event] = answering.published()
    assert (event["eventType"], event["answer"]["opportunityId"]) == ("invitation.updated", result.opportunity_id)


def test_an_accept_elsewhere_after_a_failed_answer_does_not_publish_that_answer(answering: Answering) -> None:
    """Ana's accept failed; Bo then accepts in the console. invitation.accepted must not name Ana's answer."""
    ident = answering.put(opportunity_invitation(30))
    answering.emulator.script_tasks("AWS", ident, TaskScript(reads_in_progress=0, reason_code="EngagementConflict"))
    assert answering.answer(request(ident)).outcome == "failed"
    answering.published()
    answering.emulator.update("AWS", ident, Status="ACCEPTED")

    answering.answers()._sync.sync_invitation("AWS", ident, "evt-accepted", announced_status="ACCEPTED")

    [event] = answering.published()
    assert event["eventType"] == "invitation.accepted"
    assert "answer" not in event


@pytest.mark.parametrize("failing", ["store read", "claim", "publish of a failure"])
def test_a_failing_store_or_topic_is_an_in_progress_result_never_an_exception(
    answering: Answering, failing: str
) -> None:
    ident = answering.put(opportunity_invitation(31))
    answering.emulator.script_tasks("AWS", ident, TaskScript(reads_in_progress=0, reason_code="EngagementConflict"))
    answers = answering.answers()

    def unavailable(*_: Any, **__: Any) -> Any:
        raise StoreUnavailableError("DynamoDB: ProvisionedThroughputExceededException persisted after retries")

    if failing == "store read":
        answers._store.get = unavailable  # type: ignore[method-assign]
    elif failing == "claim":
        answers._answers.claim = unavailable  # type: ignore[method-assign]
    else:  # the failure's record is written, its publish fails, then giving the lease up fails too
        answers._publisher.publish = unavailable  # type: ignore[method-assign]

    result = answering.answer(request(ident), answers)

    assert result.outcome in {"in-progress", "failed"}, result
    assert (result.catalog, result.invitation_id) == ("AWS", ident)


def test_a_task_that_failed_for_a_passing_reason_is_tried_again_not_published_as_failed(answering: Answering) -> None:
    ident = answering.put(opportunity_invitation(32))
    answering.emulator.script_tasks("AWS", ident, TaskScript(reads_in_progress=0, reason_code="RequestThrottled"))

    first = answering.answer(request(ident))

    assert (first.outcome, first.reason_code) == ("in-progress", "RequestThrottled"), first
    assert answering.published() == []
    answer = answering.item("AWS", ident)["answer"]["M"]
    assert (answer["state"]["S"], answer["attempt"]["N"]) == ("claimed", "2")

    second = answering.answer(request(ident))

    assert second.outcome == "accepted", second
    starts = [call for call in answering.writes() if call.operation == START_TASK]
    assert len({call.params["ClientToken"] for call in starts}) == 2
    assert [event["eventType"] for event in answering.published()] == ["invitation.accepted"]


def test_an_inaccessible_invitation_is_no_proof_of_a_reject(answering: Answering) -> None:
    """Get answers AccessDeniedException (an IAM mistake, or passing): nothing is recorded as rejected, nothing
    published as invitation.rejected, and no reject is sent."""
    ident = answering.put(lead_invitation(33))
    answering.emulator.make_inaccessible("AWS", ident, "AccessDeniedException")

    result = answering.answer(request(ident, "reject"))

    assert result.outcome == "refused", result
    assert "AccessDeniedException" in result.message
    assert answering.writes() == []
    assert answering.published() == []


def test_a_claim_whose_answer_was_lost_is_carried_out_not_blocked_by_its_own_lease(answering: Answering) -> None:
    """DynamoDB took the claim but its answer was lost (botocore's retry then meets the condition): the item holds
    exactly the record this request claimed, so it carries on instead of waiting 7 minutes for its own lease."""
    ident = answering.put(lead_invitation(34))
    answers = answering.answers()
    claim = answers._answers.claim

    def answer_lost(*args: Any, **kwargs: Any) -> bool:
        claim(*args, **kwargs)
        return False

    answers._answers.claim = answer_lost  # type: ignore[method-assign]

    result = answering.answer(request(ident), answers)

    assert result.outcome == "accepted", result
    assert [call.operation for call in answering.writes()] == [ACCEPT]
