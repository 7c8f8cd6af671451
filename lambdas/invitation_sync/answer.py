"""The answer use case: accept or reject one invitation in Partner Central, exactly once in effect.

Everything that can refuse an answer is checked on the stored item, then a conditional claim on the item
gives the invitation one decision (a second person gets `already-answered`) and one writer at a time (a
lease), then one Get checks Partner Central still shows it PENDING before the first write. Each step is
recorded on the item before the next (the audit record), so a request that follows a crash resumes where
it stopped: with the task it started (found by the invitation, else the same ClientToken) or, for the
token-less operations, after a Get that shows whether the earlier write arrived. A token-less write whose
answer was lost is never sent again blindly: Get decides, its PENDING only once the write is past read-after-write
lag (budgets.TOKEN_LESS_SETTLE_SECONDS), and until then the answer is in-progress. The write itself
waits for a write slot shared by every invocation (write_slots.py). Once Partner Central has the answer,
the invitation goes through the sync's own write path, so subscribers hear `invitation.accepted` or
`invitation.rejected` at once; a refused answer is recorded and published as `invitation.answer-failed`.
"""

import time
from collections.abc import Callable, Set
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from pydantic import ValidationError

from invitation_sync.adapters.answer_store import AnswerStore
from invitation_sync.adapters.aws import PARTNER_CENTRAL_CONFIG
from invitation_sync.adapters.partner_central import PartnerCentralInvitations
from invitation_sync.adapters.partner_central_answers import AcceptTask, PartnerCentralAnswers
from invitation_sync.adapters.publisher import InvitationEventPublisher
from invitation_sync.adapters.store import InvitationStore
from invitation_sync.budgets import (
    ANSWER_FAILURE_WORST_CASE,
    ANSWER_LEASE_SECONDS,
    TOKEN_LESS_SETTLE_SECONDS,
    WRITE_CALL_WORST_CASE,
    answer_write_worst_case,
    call_worst_case,
    sync_worst_case,
)
from invitation_sync.domain import ACCEPTED, INVITATION_ID_PATTERN, PENDING, REJECTED
from invitation_sync.errors import (
    AnswerLeaseLostError,
    AnswerOutcomeUnknownError,
    AnswerWriteError,
    InvitationNotAccessibleError,
    InvitationSyncError,
    LaggingReadError,
    PartnerCentralRequestError,
    PartnerCentralUnavailableError,
    PublishError,
    WriteQuotaBusyError,
)
from invitation_sync.models.answer import DECIDED_OUTCOME, AnswerRequest, AnswerResult, Outcome
from invitation_sync.models.base import describe
from invitation_sync.models.invitation import Invitation
from invitation_sync.models.published import InvitationChangedEvent
from invitation_sync.models.stored import AnswerRecord, StoredInvitation, answer_token
from invitation_sync.normalize import iso_utc, normalize
from invitation_sync.observability import logger
from invitation_sync.sync import InvitationSync, SyncOutcome, SyncResult

# Which operation answers which payload type (README: Answering invitations, with AWS's sources).
ACCEPT_TASK: Final = "StartEngagementByAcceptingInvitationTask"
ACCEPT_BY_PAYLOAD: Final = {
    "OpportunityInvitation": ACCEPT_TASK,
    "LeadInvitation": "AcceptEngagementInvitation",
    "AccountPlanningInvitation": "AcceptEngagementInvitation",  # creates no opportunity either
}
REJECT: Final = "RejectEngagementInvitation"
STATUS_AFTER: Final = {"accept": ACCEPTED, "reject": REJECTED}
_POLL_SECONDS: Final = (1.0, 2.0, 3.0, 5.0)  # between task reads; the last repeats
# Between Gets after a token-less write's answer was lost: about 15 s for Partner Central's read to catch up
# before the request ends in-progress (the next one looks again, and writes only if Get still says PENDING).
_LOOK_AGAIN_SECONDS: Final = (1.0, 2.0, 4.0, 8.0)
_LEASE: Final = timedelta(seconds=ANSWER_LEASE_SECONDS)
_SETTLED_AFTER: Final = timedelta(seconds=WRITE_CALL_WORST_CASE + TOKEN_LESS_SETTLE_SECONDS)  # past sentAt
_MAYBE_ARRIVED: Final = frozenset({"ConflictException", "ResourceNotFoundException", "AccessDeniedException"})
# A task that FAILED for one of these passed reasons (the model's ReasonCode) did not refuse the answer: a new
# attempt (a new ClientToken: the old one answers the failed task) starts a new task.
_PASSING_TASK_FAILURES: Final = frozenset({"RequestThrottled", "InternalError", "ServiceQuotaExceeded"})


def _now() -> datetime:
    return datetime.now(UTC)


class InvitationAnswers:
    def __init__(
        self,
        *,
        store: InvitationStore,
        answers: AnswerStore,
        invitations: PartnerCentralInvitations,
        partner_central: PartnerCentralAnswers,
        sync: InvitationSync,
        publisher: InvitationEventPublisher,
        catalogs: Set[str],
        read_pacing: float,
        clock: Callable[[], datetime] = _now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._store = store
        self._answers = answers
        self._invitations = invitations
        self._partner_central = partner_central
        self._sync = sync
        self._publisher = publisher
        self._catalogs = catalogs
        self._write_budget = answer_write_worst_case(read_pacing)
        self._read_budget = call_worst_case(PARTNER_CENTRAL_CONFIG, read_pacing)
        self._sync_budget = sync_worst_case(read_pacing)
        self._clock = clock
        self._sleep = sleep

    def answer(self, payload: object, account_id: str | None, time_left: Callable[[], float]) -> AnswerResult:
        """Answer as `payload` asks. Never raises for a request: a malformed one is `refused`, naming what is
        wrong. `account_id` is this function's account (the receiver); `time_left` the invocation's seconds."""
        try:
            request = AnswerRequest.model_validate(payload)
        except ValidationError as error:
            return refused_request(payload, f"malformed request: {describe(error)}")
        if request.catalog not in self._catalogs:
            return _result(
                request,
                "refused",
                f"catalog {request.catalog} is not answered here (configured: {', '.join(sorted(self._catalogs))})",
            )
        try:
            return self._answer(request, account_id, time_left)
        except InvitationSyncError as error:  # the record on the item says where the next request resumes
            logger.warning("answer interrupted", error_type=type(error).__name__)
            return _result(request, "in-progress", f"{_why_paused(error)}: ask again")
        except Exception:  # never a Lambda error for a request: the item's record is the truth
            logger.exception("answer interrupted by an unexpected error")
            return _result(request, "in-progress", "interrupted by an unexpected error (logged): ask again")

    def _answer(self, request: AnswerRequest, account_id: str | None, time_left: Callable[[], float]) -> AnswerResult:
        tried: AnswerRecord | None = None
        for _ in range(2):  # a claim lost to a concurrent request is decided again from the item it left
            stored = self._store.get(request.catalog, request.invitation_id)
            if stored is None:
                return _result(request, "refused", f"{request.invitation_id} is not stored: the sync has not seen it")
            if tried is not None and stored.answer == tried:  # our claim took, its answer was lost
                return self._carry_out(request, stored, tried, account_id, time_left)
            decided = self._decided(request, stored, account_id)
            if decided is not None:
                return decided
            held = self._claim(request, stored)
            if isinstance(held, AnswerResult):
                return held
            if held.taken:
                return self._carry_out(request, stored, held.record, account_id, time_left)
            tried = held.record
        return _result(request, "in-progress", "another request is answering it now: ask again in a minute")

    # --- before any write ------------------------------------------------------------------
    def _decided(self, request: AnswerRequest, stored: StoredInvitation, account_id: str | None) -> AnswerResult | None:
        """The result when the stored item already settles the request (no claim, no write), else None. An
        unfinished answer of the same decision is resumed whatever the stored status: an accept task shows
        ACCEPTED before its opportunity exists, and a claim that sent nothing is checked with a Get."""
        record, invitation = stored.answer, stored.invitation
        if record is not None and record.state == "failed" and not record.failure_published:
            self._publish_left_failure(stored, record)
        if record is not None and record.state == "answered":
            if record.announce_pending:
                self._announce_left(request)
            return _already(request, record)
        if record is not None and record.is_open:
            return None if record.decision == request.decision else _already(request, record)
        if invitation.status != PENDING:
            return _result(
                request,
                "refused",
                f"{invitation.id} is {invitation.status or 'of unknown status'}, "
                "not PENDING: answered or expired elsewhere",
            )
        return self._refusal(request, invitation, account_id)

    def _refusal(self, request: AnswerRequest, invitation: Invitation, account_id: str | None) -> AnswerResult | None:
        if account_id and invitation.sender_aws_account_id == account_id:
            return _result(request, "refused", "this account sent the invitation (SENDER): only its receiver answers")
        receiver = invitation.receiver.aws_account_id if invitation.receiver else None
        if account_id and receiver and receiver != account_id:
            return _result(request, "refused", "the invitation is addressed to another account")
        if invitation.expiration_date and datetime.fromisoformat(invitation.expiration_date) <= self._clock():
            return _result(request, "refused", f"expired at {invitation.expiration_date}: no answer is taken")
        if request.decision == "accept" and invitation.payload_type not in ACCEPT_BY_PAYLOAD:
            kind = invitation.payload_type or "unknown"
            return _result(
                request,
                "refused",
                f"no API accept is documented for payload type {kind}: accept it in the Partner Central console",
            )
        return None

    def _claim(self, request: AnswerRequest, stored: StoredInvitation) -> "_Claim | AnswerResult":
        """The record this request tried to hold and whether it holds it (not: the item changed under the
        claim, or the claim's answer was lost: decide again); a result when another request holds it."""
        catalog, ident = request.catalog, request.invitation_id
        now = self._clock()
        record = stored.answer
        if record is not None and record.is_open:  # the same decision, unfinished: resume it
            if record.lease_until > iso_utc(now):
                return _result(
                    request, "in-progress", f"being answered now at the request of {record.requested_by}", record
                )
            until = iso_utc(now + _LEASE)
            resumed = record.model_copy(update={"lease_until": until})
            if not self._answers.resume(catalog, ident, record, iso_utc(now), until):
                return _Claim(resumed, taken=False)
            logger.info("answer resumed", invitation_id=ident, state=record.state, attempt=record.attempt)
            return _Claim(resumed, taken=True)
        attempt = record.attempt + 1 if record is not None else 1
        operation = REJECT if request.decision == "reject" else ACCEPT_BY_PAYLOAD[stored.invitation.payload_type or ""]
        claimed = AnswerRecord(
            decision=request.decision,
            requested_by=request.requested_by,
            requested_at=iso_utc(now),
            reason=request.reason,
            attempt=attempt,
            client_token=answer_token(catalog, ident, request.decision, attempt),
            state="claimed",
            lease_until=iso_utc(now + _LEASE),
            operation=operation,
        )
        return _Claim(claimed, taken=self._answers.claim(catalog, ident, claimed, record))

    # --- the write and after ----------------------------------------------------------------
    def _carry_out(
        self,
        request: AnswerRequest,
        stored: StoredInvitation,
        held: AnswerRecord,
        account_id: str | None,
        time_left: Callable[[], float],
    ) -> AnswerResult:
        try:
            if held.state in ("claimed", "writing"):
                if (stop := self._not_to_write(request, held, account_id, time_left)) is not None:
                    return stop
                held = self._write(request, held, time_left)
            if held.operation == ACCEPT_TASK and held.state != "answered":
                return self._finish_task(request, stored, held, time_left)
            if held.state != "answered":
                held = self._complete(request, held)
        except AnswerWriteError as error:
            return self._fail(request, stored, held, error.code)
        except AnswerLeaseLostError as error:
            return _result(request, "in-progress", str(error), held)
        except InvitationSyncError as error:  # the claim and its record stay: the next request resumes
            logger.warning("answer interrupted", error_type=type(error).__name__)
            return self._pause(request, held, f"{_why_paused(error)}: ask again to resume")
        return self._published(request, held, time_left)

    def _not_to_write(
        self, request: AnswerRequest, held: AnswerRecord, account_id: str | None, time_left: Callable[[], float]
    ) -> AnswerResult | None:
        """Why this request does not write now (too little time; Partner Central says no), else None."""
        if time_left() < self._write_budget:
            return self._pause(request, held, "too little time left to write: ask again")
        return self._still_pending(request, held, account_id) if held.state == "claimed" else None

    def _still_pending(self, request: AnswerRequest, held: AnswerRecord, account_id: str | None) -> AnswerResult | None:
        """Before the first write: Partner Central's own view, not the table's, must show the invitation PENDING,
        unexpired and addressed to this account. Otherwise the claim ends withdrawn (nothing was sent)."""
        try:
            response = self._invitations.get(request.catalog, request.invitation_id)
        except InvitationNotAccessibleError as error:
            return self._withdraw(request, held, f"Partner Central does not show it ({error.code})")
        try:
            invitation = normalize(response)
        except ValidationError as error:
            raise PartnerCentralRequestError(f"GetEngagementInvitation answer unusable: {describe(error)}") from None
        if invitation.status != PENDING:
            return self._withdraw(
                request,
                held,
                f"{invitation.id} is {invitation.status or 'of unknown status'} in Partner Central, "
                "not PENDING: answered or expired elsewhere",
            )
        refusal = self._refusal(request, invitation, account_id)
        return self._withdraw(request, held, refusal.message) if refusal is not None else None

    def _withdraw(self, request: AnswerRequest, held: AnswerRecord, why: str) -> AnswerResult:
        held = self._record(request, held, state="withdrawn", answered_at=iso_utc(self._clock()))
        return _result(request, "refused", f"{why}; nothing was sent", held)

    def _finish_task(
        self, request: AnswerRequest, stored: StoredInvitation, held: AnswerRecord, time_left: Callable[[], float]
    ) -> AnswerResult:
        """Follow the accept task to its end, within the time left."""
        task = self._follow(request, held, time_left)
        if task.status == "FAILED" and task.reason_code in _PASSING_TASK_FAILURES:
            return self._pause(request, self._next_attempt(request, held, task), _task_failed_passingly(task))
        if task.status == "FAILED":
            return self._fail(request, stored, held, task.reason_code or "FAILED", task)
        if task.status != "COMPLETE":
            return self._pause(request, held, "the accept task is still running: ask again to follow it")
        held = self._complete(request, held, task_status=task.status, opportunity_id=task.opportunity_id)
        return self._published(request, held, time_left)

    def _next_attempt(self, request: AnswerRequest, held: AnswerRecord, task: AcceptTask) -> AnswerRecord:
        """A new attempt of the same claim: a new ClientToken, so the next Start starts a new task; the failed
        task's code stays in the audit record until the next task answers."""
        attempt = held.attempt + 1
        return self._record(
            request,
            held,
            state="claimed",
            attempt=attempt,
            client_token=answer_token(request.catalog, request.invitation_id, request.decision, attempt),
            task_id=None,
            task_status=task.status,
            reason_code=task.reason_code,
        )

    def _write(self, request: AnswerRequest, held: AnswerRecord, time_left: Callable[[], float]) -> AnswerRecord:
        """Send the write (once in effect) and return the record of what Partner Central took."""
        catalog, ident = request.catalog, request.invitation_id
        if held.operation == ACCEPT_TASK:
            return self._start_task(request, held)
        decided = STATUS_AFTER[request.decision]
        if held.state == "writing":
            if self._shown_status(request, held) == decided:
                return held  # the earlier request's write arrived: no second one
            self._unless_settled(request, held)
        held = self._record(request, held, state="writing", sent_at=iso_utc(self._clock()))
        try:
            if request.decision == "reject":
                self._partner_central.reject(catalog, ident, held.reason or "")
            else:
                self._partner_central.accept(catalog, ident)
        except AnswerOutcomeUnknownError:
            if self._shows_in_time(request, held, decided, time_left):
                return held
            raise  # not known yet: in-progress, state writing; the next request looks again before any write
        except AnswerWriteError as error:
            # A write an earlier request sent may have arrived (its Get lagged): this one then meets a
            # ConflictException (or, after our reject, not-found: the data is gone). Partner Central's status tells.
            if error.code not in _MAYBE_ARRIVED:
                raise
            shown = self._shown_status(request, held)
            if shown == PENDING and error.code == "ConflictException":
                # Not PENDING, says the write; PENDING, says the read, which lags a write that arrived: not
                # known yet, so nothing is recorded as failed. The next request looks again (state writing).
                raise LaggingReadError(f"{held.operation}: ConflictException, yet Get still answers PENDING") from error
            if shown != decided:
                raise
        return held

    def _unless_settled(self, request: AnswerRequest, held: AnswerRecord) -> None:
        """Raise unless an earlier token-less write is long enough past (TOKEN_LESS_SETTLE_SECONDS) for Get's
        PENDING to mean it did not arrive. A record from before sentAt was kept is dated now: it waits a window."""
        sent_at = held.sent_at
        if sent_at is None:
            sent_at = self._record(request, held, sent_at=iso_utc(self._clock())).sent_at or ""
        settled_at = iso_utc(datetime.fromisoformat(sent_at) + _SETTLED_AFTER)
        if settled_at > iso_utc(self._clock()):
            raise AnswerOutcomeUnknownError(f"{held.operation} sent at {sent_at}; Get may lag it until {settled_at}")

    def _start_task(self, request: AnswerRequest, held: AnswerRecord) -> AnswerRecord:
        """Start the accept task, or find the one an earlier request started: a task accepting this invitation
        that has not failed is the accept (ClientToken idempotency has no documented window); else Start with
        the attempt's ClientToken, which answers the same task if that Start did arrive."""
        catalog, ident = request.catalog, request.invitation_id
        task = None
        if held.state == "writing":
            task = self._partner_central.accept_task(catalog, invitation_id=ident)
            task = task if task is not None and task.status != "FAILED" else None
        if task is None:
            held = self._record(request, held, state="writing", sent_at=iso_utc(self._clock()))
            try:
                task = self._partner_central.start_accept_task(catalog, ident, held.client_token)
            except AnswerWriteError as error:
                if error.code != "ConflictException":
                    raise
                task = self._task_after_conflict(request, held, error)
                if task is None:  # accepted, with no task of ours to follow
                    return self._complete(request, held)
        return self._record(
            request,
            held,
            state="written",
            task_id=task.task_id,
            task_status=task.status,
            opportunity_id=task.opportunity_id,
            reason_code=task.reason_code,
        )

    def _task_after_conflict(
        self, request: AnswerRequest, held: AnswerRecord, error: AnswerWriteError
    ) -> AcceptTask | None:
        """Start met a ConflictException: a task holds the invitation, or it is answered. Ours may be that task,
        unlisted when this request looked (List lags) and its ClientToken no longer honoured: a task accepting
        the invitation that has not failed is taken over. None: Partner Central shows it ACCEPTED and lists no
        task (the decision holds, nothing to follow). PENDING: not known yet (in-progress). Otherwise (refused,
        or accepted while our listed task failed: someone else's accept) the refusal stands."""
        task = self._partner_central.accept_task(request.catalog, invitation_id=request.invitation_id)
        if task is not None and task.status != "FAILED":
            return task
        shown = self._shown_status(request, held)
        if shown == ACCEPTED and task is None:  # a failed task of ours listed: accepted by someone else
            return None
        if shown == PENDING:
            raise LaggingReadError(f"{held.operation}: ConflictException, yet no running task and Get says PENDING")
        raise error

    def _shows_in_time(
        self, request: AnswerRequest, held: AnswerRecord, decided: str, time_left: Callable[[], float]
    ) -> bool:
        """Whether Get shows `decided` within a few seconds (read-after-write lag), while time is left."""
        for wait in _LOOK_AGAIN_SECONDS:
            if time_left() < wait + self._read_budget + ANSWER_FAILURE_WORST_CASE:
                return False
            self._sleep(wait)
            if self._shown_status(request, held) == decided:
                return True
        return False

    def _shown_status(self, request: AnswerRequest, held: AnswerRecord) -> str | None:
        """The status Partner Central shows. A rejected invitation's details become inaccessible, but only a
        not-found after our own reject was sent counts as that reject: access denied may be IAM, or passing."""
        try:
            return self._invitations.get(request.catalog, request.invitation_id).get("Status")
        except InvitationNotAccessibleError as error:
            if error.code == "ResourceNotFoundException" and held.operation == REJECT and held.state == "writing":
                return REJECTED
            raise

    def _follow(self, request: AnswerRequest, held: AnswerRecord, time_left: Callable[[], float]) -> AcceptTask:
        """Read the accept task until it is COMPLETE or FAILED, while a failure could still be recorded. A
        task Start answered without its id is found by its invitation."""
        task = AcceptTask(held.task_id, held.task_status or "IN_PROGRESS", held.opportunity_id, held.reason_code)
        polls = 0
        while task.status == "IN_PROGRESS":
            wait = _POLL_SECONDS[min(polls, len(_POLL_SECONDS) - 1)]
            if time_left() < wait + self._read_budget + ANSWER_FAILURE_WORST_CASE:
                break
            self._sleep(wait)
            polls += 1
            if task.task_id is None:
                task = self._partner_central.accept_task(request.catalog, invitation_id=request.invitation_id) or task
            else:
                task = self._partner_central.accept_task(request.catalog, task_id=task.task_id) or task
        return task

    def _complete(self, request: AnswerRequest, held: AnswerRecord, **changes: object) -> AnswerRecord:
        return self._answers.complete(
            request.catalog,
            request.invitation_id,
            held,
            STATUS_AFTER[held.decision],
            state="answered",
            answered_at=iso_utc(self._clock()),
            **changes,
        )

    def _published(self, request: AnswerRequest, held: AnswerRecord, time_left: Callable[[], float]) -> AnswerResult:
        """The answer holds: store and publish the invitation through the sync's write path. Partner Central's
        read may lag the write: retried while there is time; otherwise the EventBridge event brings it. What
        the record gained after the status went out (the opportunity) is announced on a new version."""
        outcome = DECIDED_OUTCOME[held.decision]
        said = f"{outcome}{f': opportunity {held.opportunity_id}' if held.opportunity_id else ''}"
        synced = self._synced(request, held, time_left)
        if synced is None:
            said += "; its event follows Partner Central's own (EventBridge)"
        elif synced.outcome == SyncOutcome.STORED:
            said += f"; {synced.event_type} published"
        else:
            said += f"; invitation.{outcome} was published before"
        if held.announce_pending:
            if time_left() < self._sync_budget:
                return _result(request, "in-progress", f"{said}; ask again to announce the opportunity", held)
            try:
                self._sync.announce_answer(request.catalog, request.invitation_id, f"answer/{held.client_token}")
            except InvitationSyncError as error:
                logger.warning("answer not announced", error_type=type(error).__name__)
                return _result(request, "in-progress", f"{said}; ask again to announce the opportunity", held)
            said += "; invitation.updated announces the opportunity"
        return _result(request, outcome, said, held)

    def _synced(self, request: AnswerRequest, held: AnswerRecord, time_left: Callable[[], float]) -> SyncResult | None:
        lag = 1.0
        while time_left() >= self._sync_budget + lag:
            try:
                return self._sync.sync_invitation(
                    request.catalog,
                    request.invitation_id,
                    f"answer/{held.client_token}",
                    announced_status=STATUS_AFTER[held.decision],
                )
            except LaggingReadError:
                self._sleep(lag)
                lag *= 2
            except InvitationSyncError as error:
                logger.warning("answer not published by the answer function", error_type=type(error).__name__)
                return None
        return None

    def _announce_left(self, request: AnswerRequest) -> None:
        """An announcement its request did not make (it stopped or failed): made by the next request. The
        store's conditional write lets one announcement through, whoever makes it."""
        try:
            self._sync.announce_answer(request.catalog, request.invitation_id, f"answer/{request.invitation_id}")
        except InvitationSyncError as error:
            logger.warning("answer not announced", error_type=type(error).__name__)

    def _fail(
        self,
        request: AnswerRequest,
        stored: StoredInvitation,
        held: AnswerRecord,
        code: str,
        task: AcceptTask | None = None,
    ) -> AnswerResult:
        """Partner Central refused the answer: recorded (final for this attempt) and published for a person."""
        changes: dict[str, Any] = {"state": "failed", "reason_code": code, "answered_at": iso_utc(self._clock())}
        if task is not None:
            changes["task_status"] = task.status
        held = self._record(request, held, **changes)
        published = self._publish_failure(stored, held)
        if not published:
            held = self._release(request, held)  # the next request publishes it at once
        note = "invitation.answer-failed published" if published else "its invitation.answer-failed is sent next time"
        return _result(request, "failed", f"Partner Central refused the {request.decision} ({code}); {note}", held)

    def _publish_left_failure(self, stored: StoredInvitation, record: AnswerRecord) -> None:
        """A failure its request did not publish: published by whoever takes its lease over (once it ran out
        or was given up; until then its request may be publishing it), under the same eventId."""
        now = self._clock()
        if record.lease_until > iso_utc(now):
            return
        invitation = stored.invitation
        try:
            taken = self._answers.record(invitation.catalog, invitation.id, record, lease_until=iso_utc(now + _LEASE))
        except AnswerLeaseLostError:
            return  # another request took it over
        self._publish_failure(stored, taken)

    def _publish_failure(self, stored: StoredInvitation, record: AnswerRecord) -> bool:
        try:
            self._publisher.publish(InvitationChangedEvent.answer_failed(stored, record))
        except PublishError as error:
            logger.warning("answer failure not published", error_type=type(error).__name__)
            return False
        invitation = stored.invitation
        self._answers.record(invitation.catalog, invitation.id, record, failure_published=True)
        return True

    def _pause(self, request: AnswerRequest, held: AnswerRecord, message: str) -> AnswerResult:
        """Stop here, claim and record kept, the lease given up."""
        return _result(request, "in-progress", message, self._release(request, held))

    def _release(self, request: AnswerRequest, held: AnswerRecord) -> AnswerRecord:
        """Give the lease up so the next request carries on at once (if even that fails, when it runs out)."""
        try:
            return self._record(request, held, lease_until=iso_utc(self._clock()))
        except InvitationSyncError as error:
            logger.warning("answer lease kept until it runs out", error_type=type(error).__name__)
            return held

    def _record(self, request: AnswerRequest, held: AnswerRecord, **changes: object) -> AnswerRecord:
        return self._answers.record(request.catalog, request.invitation_id, held, **changes)


@dataclass(frozen=True)
class _Claim:
    record: AnswerRecord
    taken: bool


def _task_failed_passingly(task: AcceptTask) -> str:
    return f"the accept task failed for a passing reason ({task.reason_code}): ask again to start a new one"


def _why_paused(error: InvitationSyncError) -> str:
    if isinstance(error, LaggingReadError):
        return "Partner Central does not show the answer yet"
    if isinstance(error, AnswerOutcomeUnknownError):
        return "Partner Central's answer to the write was lost and Get does not show it yet"
    if isinstance(error, PartnerCentralUnavailableError | WriteQuotaBusyError):
        return f"Partner Central is busy ({error})"
    return f"interrupted ({type(error).__name__})"


def _already(request: AnswerRequest, record: AnswerRecord) -> AnswerResult:
    verb = (
        DECIDED_OUTCOME[record.decision] if record.state == "answered" else f"being {DECIDED_OUTCOME[record.decision]}"
    )
    result = _result(
        request,
        "already-answered",
        f"already {verb} at the request of {record.requested_by} at {record.requested_at}",
        record,
    )
    return result.model_copy(update={"decision": record.decision})


def _result(request: AnswerRequest, outcome: Outcome, message: str, record: AnswerRecord | None = None) -> AnswerResult:
    return AnswerResult(
        outcome=outcome,
        catalog=request.catalog,
        invitation_id=request.invitation_id,
        decision=request.decision,
        message=message,
        task_id=record.task_id if record else None,
        opportunity_id=record.opportunity_id if record else None,
        reason_code=record.reason_code if record else None,
        answered_by=record.requested_by if record else None,
        answered_at=record.requested_at if record else None,
    )


def refused_request(payload: object, message: str) -> AnswerResult:
    """A request not taken up (malformed, or the function cannot run): nothing was sent. The members it named
    that look right are echoed, so the caller can match it."""
    given: dict[str, Any] = payload if isinstance(payload, dict) else {}
    return AnswerResult(
        outcome="refused",
        catalog=given.get("catalog") if given.get("catalog") in ("AWS", "Sandbox") else None,
        invitation_id=given["invitationId"] if _is_invitation_id(given.get("invitationId")) else None,
        decision=given.get("decision") if given.get("decision") in ("accept", "reject") else None,
        message=message,
    )


def _is_invitation_id(value: object) -> bool:
    return isinstance(value, str) and INVITATION_ID_PATTERN.fullmatch(value) is not None
