"""Typed failures. The handler maps each class to one behaviour: retry, dead-letter, or skip."""


class InvitationSyncError(Exception):
    """Base class: every failure the sync raises on purpose is one of these."""


class RetryableError(InvitationSyncError):
    """Transient: botocore already retried; let Lambda's async retries and on-failure destination act."""


class PermanentError(InvitationSyncError):
    """Retrying cannot help: the input or the request is wrong. Goes to the dead-letter queue."""


class InvalidEventError(PermanentError):
    """The EventBridge event is not a well-formed Partner Central invitation event."""


class PartnerCentralUnavailableError(RetryableError):
    """Partner Central kept throttling or failing after botocore's retries."""


class PartnerCentralRequestError(PermanentError):
    """Partner Central refused the request itself (ValidationException)."""


class PartnerCentralAnswerError(PermanentError):
    """A Partner Central answer (a List summary) does not fit the normalized invitation. The message
    names the fields and the rules they broke, never their values (they may be personal data)."""


class StoredItemError(PermanentError):
    """A table item does not fit the stored invitation (a hand edit, or a release that cannot read it).
    The message names the item's key and the failing attributes, never their values."""


class ListTokenRefusedError(PartnerCentralRequestError):
    """Partner Central refused a List NextToken (expired, or from another query): list from the start."""


class InvitationNotAccessibleError(RetryableError):
    """Partner Central answers not-found or access-denied (`code`). Expected after a rejection or an expiry
    (handled); for a new or accepted invitation it may be read-after-write lag, so it is retried and
    then reaches the failed-events queue through Lambda's on-failure destination."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class StoreUnavailableError(RetryableError):
    """DynamoDB kept throttling or failing after botocore's retries, or refused us for a reason an operator
    can fix (access, the key, the table): retried later either way."""


class StoreRequestError(PermanentError):
    """DynamoDB cannot hold the write (the item would break an item limit, or a value is no DynamoDB
    number): no retry helps. The message names the limit or the attribute, never a value."""


class PublishError(RetryableError):
    """SNS did not accept the change event; the stored item keeps its publish-pending marker."""


class LaggingReadError(RetryableError):
    """An event announced a final status that GetEngagementInvitation does not answer yet: the event is
    the claim, Get is the truth, so the event is retried until the truth catches up (within a bound)."""


class OutOfTimeError(RetryableError):
    """Too little of the invocation is left to sync one more record at its worst case: it is not started."""


class EventQueueError(RetryableError):
    """SQS did not take an event onto the event queue."""


class ConcurrentChangeError(RetryableError):
    """Other deliveries kept changing the invitation while this one tried to store it."""


class WriteQuotaBusyError(RetryableError):
    """Other callers held every Partner Central write slot for as long as this one could wait."""


class AnswerWriteError(InvitationSyncError):
    """Partner Central refused an answer's write call: `code` is its error code (ConflictException,
    ValidationException, ...), recorded and published with the failed answer. The message names the call
    and the code (and a ValidationException's Reason), never request values."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class AnswerOutcomeUnknownError(RetryableError):
    """A token-less write (Accept, Reject) got no answer that says whether it took effect (a read timeout, a
    5xx, a dropped connection): it is never sent again blindly. Get tells, once it catches up."""


class AnswerLeaseLostError(RetryableError):
    """Another request took over an answer this one held: its lease ran out (the invocation overran it)."""
