"""Failure handling through the real handler: transient vs permanent, inaccessible invitations, bad input."""

from typing import Any

import pytest

from invitation_sync.adapters.aws import AWS_CONFIG, PARTNER_CENTRAL_CONFIG
from local import event_source
from local.faults import ClientFaults
from local.samples import invitation_event, opportunity_invitation, with_existing_members
from tests.conftest import LocalAws, LogLines
from tests.fixtures.emf import emf_records

pytestmark = pytest.mark.clock

REJECTED, EXPIRED = "Engagement Invitation Rejected", "Engagement Invitation Expired"


def deliver(event: Any) -> dict[str, Any]:
    return event_source.deliver(event)


def emf_metrics(output: str) -> dict[str, float]:
    """Sum of each EMF metric Powertools printed."""
    totals: dict[str, float] = {}
    for record in emf_records(output):
        for definition in record["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
            values = record[definition["Name"]]
            totals[definition["Name"]] = totals.get(definition["Name"], 0) + sum(
                values if isinstance(values, list) else [values]
            )
    return totals


def test_clients_use_botocore_retry_modes() -> None:
    assert PARTNER_CENTRAL_CONFIG.retries == {"mode": "standard", "total_max_attempts": 3}  # type: ignore[attr-defined]
    assert AWS_CONFIG.retries == {"mode": "standard", "total_max_attempts": 3}  # type: ignore[attr-defined]


def test_short_throttling_is_absorbed_by_botocore_and_counted(
    local_aws: LocalAws, capsys: pytest.CaptureFixture[str]
) -> None:
    invitation = opportunity_invitation(1)
    local_aws.emulator.put(invitation)
    local_aws.emulator.fail_next("ThrottlingException", times=2)

    assert deliver(invitation_event(invitation))["outcome"] == "stored"

    assert len(local_aws.emulator.calls_to("GetEngagementInvitation")) == 3
    metrics = emf_metrics(capsys.readouterr().out)
    assert metrics["PartnerCentralThrottled"] == 2
    assert metrics["InvitationsSynced"] == metrics["EventsPublished"] == 1


def test_persistent_throttling_raises_a_typed_retryable_error(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(2)
    local_aws.emulator.put(invitation)
    local_aws.emulator.fail_next("InternalServerException", times=3)

    outcome = deliver(invitation_event(invitation))

    assert (outcome["outcome"], outcome["errorType"]) == ("retry", "PartnerCentralUnavailableError")
    assert "InternalServerException persisted after retries" in str(outcome["reason"])
    assert local_aws.item_count() == 0
    assert local_aws.failed_events() == []  # the event queue brings it back later


def test_persistent_dynamodb_throttling_raises_and_publishes_nothing(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(3)
    local_aws.emulator.put(invitation)
    with ClientFaults() as faults:
        faults.fail_next("dynamodb.UpdateItem", code="ProvisionedThroughputExceededException", status=400)
        outcome = deliver(invitation_event(invitation))
    assert outcome["errorType"] == "StoreUnavailableError"
    assert "ProvisionedThroughputExceededException" in str(outcome["reason"])
    assert local_aws.published() == []
    assert deliver(invitation_event(invitation))["outcome"] == "stored"  # the retry succeeds


def test_validation_exception_is_dead_lettered_without_retry(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(4)
    local_aws.emulator.put(invitation)
    local_aws.emulator.fail_next("ValidationException")

    result = deliver(invitation_event(invitation))

    assert result["outcome"] == "parked"
    assert result["errorType"] == "PartnerCentralRequestError"
    assert len(local_aws.emulator.calls_to("GetEngagementInvitation")) == 1  # no retry wasted
    [parked] = local_aws.failed_events()
    assert parked["reason"] == "GetEngagementInvitation AWS/engi-0000000000004: ValidationException"
    assert parked["event"] == invitation_event(invitation)


def test_an_invitation_too_large_for_a_table_item_is_parked_at_once_with_the_limit_named(local_aws: LocalAws) -> None:
    invitation = with_existing_members(opportunity_invitation(12), 3_000)  # ~480 KB stored
    local_aws.emulator.put(invitation)

    result = deliver(invitation_event(invitation))

    assert (result["outcome"], result["errorType"]) == ("parked", "StoreRequestError")
    assert "DynamoDB's 400 KB item size" in str(result["reason"])
    assert len(local_aws.emulator.calls_to("GetEngagementInvitation")) == 1  # no retry wasted
    items = local_aws.dynamodb.scan(TableName=local_aws.resources.table_name)["Items"]
    assert [item for item in items if "invitation" in item] == []  # moto leaves the bare key; DynamoDB nothing
    assert local_aws.published() == []  # the table and the topic agree: neither has it
    [parked] = local_aws.failed_events()
    assert parked["event"] == invitation_event(invitation)


def test_a_change_refused_for_size_leaves_the_table_and_the_topic_on_the_same_version(local_aws: LocalAws) -> None:
    """~240 KB: one copy fits an item and a message; a change needs two in the item (the version before it
    gives changedFields), which DynamoDB refuses. (moto refuses it too, though it also counts the replaced
    value, and applies the update's first SETs before refusing; DynamoDB applies nothing.)"""
    invitation = with_existing_members(opportunity_invitation(13), 1_400)
    local_aws.emulator.put(invitation)
    assert deliver(invitation_event(invitation))["outcome"] == "stored"
    local_aws.emulator.update("AWS", invitation["Id"], EngagementTitle="Renamed")

    result = deliver(invitation_event(invitation))

    assert (result["outcome"], result["errorType"]) == ("parked", "StoreRequestError")
    assert "DynamoDB's 400 KB item size" in str(result["reason"])
    [created] = local_aws.published()
    assert created.body["version"] == 1
    stored = local_aws.dynamodb.get_item(
        TableName=local_aws.resources.table_name, Key={"catalog": {"S": "AWS"}, "id": {"S": invitation["Id"]}}
    )["Item"]
    assert (stored["version"]["N"], "publishPending" in stored) == ("1", False)


def test_an_event_over_the_sns_message_size_names_the_limit(local_aws: LocalAws) -> None:
    invitation = with_existing_members(opportunity_invitation(15), 1_800)  # ~300 KB: an item, not a message
    local_aws.emulator.put(invitation)

    outcome = deliver(invitation_event(invitation))

    assert (outcome["outcome"], outcome["errorType"]) == ("retry", "PublishError")
    assert str(outcome["reason"]).endswith("the event exceeds SNS's 256 KB message size (InvalidParameter)")
    assert local_aws.published() == []


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("AccessDeniedException", "User is not authorized to perform: dynamodb:UpdateItem"),
        # How DynamoDB answers once the table's key is disabled: a ValidationException, yet not permanent.
        ("ValidationException", "KMS key disabled error: DisabledException: the key is disabled"),
    ],
)
def test_a_dynamodb_refusal_an_operator_can_fix_is_retried_not_parked(
    local_aws: LocalAws, code: str, message: str
) -> None:
    invitation = opportunity_invitation(14)
    local_aws.emulator.put(invitation)
    with ClientFaults() as faults:
        faults.fail_next("dynamodb.UpdateItem", code=code, status=400, message=message)
        outcome = deliver(invitation_event(invitation))
    assert (outcome["outcome"], outcome["errorType"]) == ("retry", "StoreUnavailableError")
    assert outcome["reason"] == f"DynamoDB UpdateItem: {code}"
    assert local_aws.failed_events() == []
    assert deliver(invitation_event(invitation))["outcome"] == "stored"  # once the policy is fixed


@pytest.mark.parametrize(
    ("detail_type", "answer", "status", "event_type"),
    [
        (REJECTED, "ResourceNotFoundException", "REJECTED", "invitation.rejected"),
        (REJECTED, "AccessDeniedException", "REJECTED", "invitation.rejected"),
        (EXPIRED, "ResourceNotFoundException", "EXPIRED", "invitation.expired"),
    ],
)
def test_inaccessible_after_rejection_or_expiry_keeps_details_and_records_the_status(
    local_aws: LocalAws, detail_type: str, answer: str, status: str, event_type: str
) -> None:
    invitation = opportunity_invitation(5)
    local_aws.emulator.put(invitation)
    deliver(invitation_event(invitation))
    local_aws.emulator.make_inaccessible("AWS", invitation["Id"], answer)

    result = deliver(invitation_event(invitation, detail_type))

    assert (result["outcome"], result["status"], result["details_retrievable"]) == ("stored", status, False)
    created, changed = local_aws.published()
    assert changed.body["eventType"] == event_type
    kept = changed.body["invitation"]
    assert kept["detailsRetrievable"] is False
    assert kept["payload"] == created.body["invitation"]["payload"]  # the details we had are kept
    assert deliver(invitation_event(invitation, detail_type))["outcome"] == "unchanged"  # duplicates stay quiet


def test_inaccessible_rejection_of_an_unknown_invitation_stores_what_the_event_says(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(6)  # never stored, and Partner Central no longer answers
    result = deliver(invitation_event(invitation, REJECTED))
    assert (result["outcome"], result["version"]) == ("stored", 1)
    [message] = local_aws.published()
    body = message.body
    assert (body["eventType"], body["invitation"]["status"], body["invitation"]["engagementId"]) == (
        "invitation.created",
        "REJECTED",
        invitation["EngagementId"],
    )


def test_a_late_event_for_a_closed_inaccessible_invitation_is_stale_not_an_error(local_aws: LocalAws) -> None:
    invitation = opportunity_invitation(10)
    local_aws.emulator.put(invitation)
    deliver(invitation_event(invitation))
    local_aws.emulator.make_inaccessible("AWS", invitation["Id"])
    deliver(invitation_event(invitation, REJECTED))

    late = deliver(invitation_event(invitation, "Engagement Invitation Created", event_id="late-created"))

    assert (late["outcome"], late["status"], late["version"]) == ("stale", "REJECTED", 2)
    assert len(local_aws.published()) == 2


@pytest.mark.parametrize("detail_type", ["Engagement Invitation Created", "Engagement Invitation Accepted"])
def test_inaccessible_new_or_accepted_invitation_is_retried(local_aws: LocalAws, detail_type: str) -> None:
    outcome = deliver(invitation_event(opportunity_invitation(7), detail_type))
    assert (outcome["outcome"], outcome["errorType"]) == ("retry", "InvitationNotAccessibleError")
    assert "ResourceNotFoundException" in str(outcome["reason"])
    assert local_aws.item_count() == 0


@pytest.mark.parametrize(
    ("event", "named"),
    [
        ("not an object", "event: expected a JSON object"),
        ({"detail-type": "Engagement Invitation Created"}, "source"),
        ({**invitation_event(opportunity_invitation(8)), "detail": "text"}, "detail"),
        ({**invitation_event(opportunity_invitation(8)), "source": "aws.ec2"}, "source"),
        (
            {**invitation_event(opportunity_invitation(8)), "detail": {"catalog": "Foo", "engagementInvitation": {}}},
            "detail.catalog",
        ),
    ],
)
def test_malformed_events_are_dead_lettered_with_the_field_named_and_no_side_effect(
    local_aws: LocalAws, event: Any, named: str
) -> None:
    result = deliver(event)

    assert result["outcome"] == "parked"
    assert named in str(result["reason"])
    assert local_aws.emulator.calls == []
    assert local_aws.item_count() == 0
    assert local_aws.published() == []
    [parked] = local_aws.failed_events()
    assert (parked["errorType"], parked["event"]) == ("InvalidEventError", event)


def test_a_catalog_this_deployment_does_not_sync_is_dead_lettered(
    local_aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    from invitation_sync.wiring.sync import sync_services

    monkeypatch.setenv("SYNC_CATALOGS", "AWS")
    sync_services.cache_clear()
    result = deliver(invitation_event(opportunity_invitation(9, catalog="Sandbox")))
    assert result["outcome"] == "parked"
    assert "Sandbox is not synced here" in str(result["reason"])
    assert local_aws.emulator.calls == []


def test_every_log_line_carries_the_correlation_id_and_the_invitation(local_aws: LocalAws, log_lines: LogLines) -> None:
    invitation = opportunity_invitation(11)
    local_aws.emulator.put(invitation)
    local_aws.emulator.fail_next("ThrottlingException", times=3)
    retried = event_source.invoke(invitation_event(invitation, event_id="event-for-logs"))
    assert len(retried["batchItemFailures"]) == 1
    assert event_source.invoke(invitation_event(invitation, event_id="event-for-logs")) == {"batchItemFailures": []}

    lines = log_lines.parsed()
    assert len(lines) >= 2
    for line in lines:
        assert line["correlation_id"] == "event-for-logs"
        assert (line["invitation_id"], line["catalog"], line["status"]) == (invitation["Id"], "AWS", "PENDING")
        assert line["outcome"] in {"retry", "stored"}
