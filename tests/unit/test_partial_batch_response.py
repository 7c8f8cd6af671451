"""The sync handler's partial batch response: only the records that raised go back to the queue."""

import pytest

from invitation_sync.errors import PartnerCentralUnavailableError
from invitation_sync.handlers.sqs_batch import SqsRecord, partial_batch_response
from local.samples import invitation_event, opportunity_invitation, sqs_event


def test_only_the_records_that_raised_are_reported_and_an_unexpected_error_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    event = sqs_event(*(invitation_event(opportunity_invitation(number)) for number in (1, 2, 3)))
    first, second, third = (record["messageId"] for record in event["Records"])
    handled = []

    def handle(record: SqsRecord) -> None:
        handled.append(record["messageId"])
        if record["messageId"] == first:
            raise PartnerCentralUnavailableError("throttled")
        if record["messageId"] == third:
            raise KeyError("a bug")

    assert partial_batch_response(event, handle) == {
        "batchItemFailures": [{"itemIdentifier": first}, {"itemIdentifier": third}]
    }
    assert handled == [first, second, third]
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        "record failed unexpectedly, returned to the queue"
    ]


@pytest.mark.parametrize("event", [{}, {"Records": []}, {"Records": "text"}])
def test_an_event_without_records_is_refused_by_name(event: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="not an SQS batch: the event has no Records"):
        partial_batch_response(event, lambda _: None)
