"""Worst-case durations, derived from the clients' own botocore configuration.

Timeouts, the publish lease and the queue's visibility timeout are checked against these numbers
(tests/infra), so changing a retry count or a timeout without the rest fails a test.
"""

from typing import Final

from botocore.config import Config
from botocore.retries.standard import ExponentialBackoff

from invitation_sync.adapters.aws import AWS_CONFIG, PARTNER_CENTRAL_CONFIG, PARTNER_CENTRAL_WRITE_CONFIG
from invitation_sync.domain import PARTICIPANT_TYPES

# botocore's standard mode waits at most min(base * 2 ** (n - 1), 20) s before retry n (base 1 s for
# throttles, less otherwise), plus up to 5 s more when the answer carries x-amz-retry-after.
# Read from the bundled botocore itself: a release that renames them fails here, loudly.
_MAX_BACKOFF: Final[float] = ExponentialBackoff._MAX_BACKOFF  # type: ignore[attr-defined]
_RETRY_AFTER_EXTRA: Final[float] = ExponentialBackoff._RETRY_AFTER_MAX_ADDITIONAL  # type: ignore[attr-defined]


def call_worst_case(config: Config, pacing: float = 0.0) -> float:
    """Seconds one API call may take when every attempt times out: each attempt is bounded by the
    connect and read timeouts (plus `pacing`, a rate limiter's longest wait before each attempt),
    and the retries' backoff is at its maximum."""
    attempts = int(config.retries["total_max_attempts"])  # type: ignore[attr-defined]
    per_attempt = float(config.connect_timeout) + float(config.read_timeout) + pacing  # type: ignore[attr-defined]
    backoff = sum(min(2.0 ** (retry - 1), _MAX_BACKOFF) + _RETRY_AFTER_EXTRA for retry in range(1, attempts))
    return float(attempts * per_attempt + backoff)


# The writer's exclusive right to publish the version it stores. It is set before the write, so it
# covers the write and the publish (or a take-over's lease and publish) at their worst: a slow but
# successful publish is never taken over (which would only cost a duplicate with the same eventId).
PUBLISH_LEASE_SECONDS: Final = 60.0
# How long a delivery waits for another writer's publish before it gives up (ConcurrentChangeError) and
# lets the queue bring the record back after a retry delay longer than any lease: waiting in Lambda bills.
PUBLISH_WAIT_SECONDS: Final = 1.0
AWS_CALL_WORST_CASE: Final = call_worst_case(AWS_CONFIG)


def sync_worst_case(pacing: float) -> float:
    """One invitation through InvitationSync.sync_invitation, every call at its worst. Reads: the Get and,
    for a first sighting Partner Central no longer serves, the stored item and one List page per
    participant type. Writes: the store loop starts no round after PUBLISH_WAIT_SECONDS, and its last
    round is at most four calls: a write, then a take-over (lease, publish, clear or release) or our
    own publish and clear or release."""
    reads = (1 + len(PARTICIPANT_TYPES)) * call_worst_case(PARTNER_CENTRAL_CONFIG, pacing) + AWS_CALL_WORST_CASE
    writes = PUBLISH_WAIT_SECONDS + 4 * AWS_CALL_WORST_CASE
    return reads + writes


def reconcile_sync_worst_case(pacing: float) -> float:
    """One invitation synced by the reconciler. For a stored invitation whose details are gone, its List
    calls replace the sync's own summary lookup, and the stored item is read twice: once when Get
    refuses, once more when the summary's status is applied (InvitationSync.sync_inaccessible)."""
    return sync_worst_case(pacing) + AWS_CALL_WORST_CASE


# The reconciler finishes a publish its writer left pending before it syncs the invitation: a lease, the
# publish, then clearing the marker (or releasing the lease).
FINISH_PENDING_WORST_CASE: Final = 3 * AWS_CALL_WORST_CASE


# BatchGetItem for one List page (100 keys). DynamoDB answers at most 16 MB per call, so 100 items at its
# 400 KB limit take 3 calls; throttling may leave keys unprocessed too. A page gets BATCH_GET_CALLS calls,
# with a backoff before each that follows a call without progress, then fails (StoreUnavailableError).
BATCH_GET_CALLS: Final = 6
BATCH_GET_BACKOFF_SECONDS: Final = (0.5, 1.0, 2.0)  # the last repeats
BATCH_GET_WORST_CASE: Final = (
    BATCH_GET_CALLS * AWS_CALL_WORST_CASE + (BATCH_GET_CALLS - 1) * BATCH_GET_BACKOFF_SECONDS[-1]
)


# Parking one record (one SendMessage) and the batch's retry delays after it (one ChangeMessageVisibilityBatch).
PARK_WORST_CASE: Final = 2 * AWS_CALL_WORST_CASE


def record_worst_case(pacing: float) -> float:
    """One event-queue record: its sync, then parking it. A record is only started with this much time left."""
    return sync_worst_case(pacing) + PARK_WORST_CASE


# The event queue: a record that failed for a transient reason is seen again after these delays (longer
# each time); on its last receive it is parked with its reason. A lagging read is therefore retried for
# about sum(RETRY_DELAYS_SECONDS) seconds before it waits for the reconciler.
RETRY_DELAYS_SECONDS: Final = (60, 120, 180, 240)
EVENT_RECEIVES: Final = len(RETRY_DELAYS_SECONDS) + 1
# The event queue's redrive policy moves a record only a few receives later: a throttled invocation returns its
# batch to the queue and still raises each record's receive count (Lambda's SQS error-handling guide), and a
# new account's 10 unreserved executions can be exhausted by other functions. The function's own park, with the
# reason and after the retry delays, then still happens; the queue only catches invocations that never finish.
THROTTLED_RECEIVES: Final = 3
QUEUE_RECEIVES: Final = EVENT_RECEIVES + THROTTLED_RECEIVES


def retry_delay(receives: int) -> int:
    """Seconds until a record received `receives` times (1-based) is seen again."""
    return RETRY_DELAYS_SECONDS[min(max(receives, 1), len(RETRY_DELAYS_SECONDS)) - 1]


# Answers (answer.py). A write call makes up to WRITE_ATTEMPTS attempts (throttling, 5xx, dropped
# connections), each after its own write slot: a wait of at most WRITE_SLOT_WAIT_SECONDS and the PutItem
# that ends it, then one attempt (the writer client does not retry).
WRITE_ATTEMPTS: Final = 3
WRITE_SLOT_WAIT_SECONDS: Final = 10.0
WRITE_CALL_WORST_CASE: Final = WRITE_ATTEMPTS * (
    WRITE_SLOT_WAIT_SECONDS + AWS_CALL_WORST_CASE + call_worst_case(PARTNER_CENTRAL_WRITE_CONFIG)
)

# Read-after-write lag has no documented bound. A token-less write (Accept, Reject) whose answer was lost may
# have arrived while Get still answers PENDING, so a request that resumes it trusts that PENDING (and sends the
# write again) only once the write's last attempt is this long past: WRITE_CALL_WORST_CASE after its recorded
# sentAt, then this settle window (a second review saw lags of a minute matter; twice that, as a guess).
# Until then the answer is in-progress and nothing is sent.
TOKEN_LESS_SETTLE_SECONDS: Final = 120.0


# A failure at its worst after a write: recorded, published, marked published (or the lease given up). The
# accept task is followed (one List per poll) only while this much is left after the poll.
ANSWER_FAILURE_WORST_CASE: Final = 3 * AWS_CALL_WORST_CASE


def answer_write_worst_case(pacing: float) -> float:
    """From the decision to write until the answer's last record, on the longest path, every call at its worst.
    Every write: the read before it (the Get before a first write or after a lost token-less one, or the List
    of the invitation's accept tasks), `writing` recorded, the write call. Then, refused with a
    ConflictException (an earlier write may have arrived): a token-less write's Get; an accept task's List and
    Get, then the task it meets recorded (`written`). Last, the failure recorded and published. A write is
    started only with this much time left; otherwise the answer stays claimed. The Gets after a lost answer,
    and the task's polls, check their own time."""
    read = call_worst_case(PARTNER_CENTRAL_CONFIG, pacing)
    write = read + AWS_CALL_WORST_CASE + WRITE_CALL_WORST_CASE
    token_less_conflict = read
    task_conflict = 2 * read + AWS_CALL_WORST_CASE
    return write + max(token_less_conflict, task_conflict) + ANSWER_FAILURE_WORST_CASE


# The answer's lease: longer than the answer function's timeout (tests/infra), so an answer is resumed
# only once the request that held it has surely ended, crashed or timed out.
ANSWER_LEASE_SECONDS: Final = 600.0
# The answer function's timeout (infra/answer_function.py), here so the fault suite and the bench give an
# invocation the time Lambda gives it.
ANSWER_TIMEOUT_SECONDS: Final = 480
