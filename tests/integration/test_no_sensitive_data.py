"""Fields botocore marks sensitive never reach logs or exception messages, whatever the path."""

import json
import logging
from typing import Any

import boto3
import botocore.session
import pytest
from boto3.dynamodb.types import TypeSerializer
from pydantic import ValidationError

from invitation_sync.adapters.partner_central import PartnerCentralInvitations
from invitation_sync.adapters.publisher import InvitationEventPublisher
from invitation_sync.adapters.store import InvitationStore
from invitation_sync.models.invitation import Invitation
from invitation_sync.models.reconcile_request import ReconcileRequest
from invitation_sync.normalize import normalize
from invitation_sync.reconcile import Budget, Reconciler
from invitation_sync.sync import InvitationSync
from local import event_source
from local.faults import ClientFaults
from local.samples import invitation_event, opportunity_invitation
from tests.conftest import LocalAws, LogLines

SECRETS = {
    "company": "Zyxwv Secret Holdings 4471",
    "email": "kept.private.9931@example.com",
    "amount": "987654321.77",
    "phone": "+14155559876",
    "first": "Quintessa",
    "last": "Vandermolen",
    "title": "Chief Hidden Officer",
    "website": "https://zyxwv-secret.example.com",
    "problem": "A business problem nobody outside the deal may read, 5521.",
    "message": "Confidential invitation message 8812",
    "account": "999988887777",
    "alias": "secret-alias-3301",
}


def secret_invitation(number: int) -> dict[str, object]:
    invitation = opportunity_invitation(
        number, company=SECRETS["company"], email=SECRETS["email"], amount=SECRETS["amount"]
    )
    opportunity = invitation["Payload"]["OpportunityInvitation"]
    opportunity["SenderContacts"][0].update(
        Phone=SECRETS["phone"], FirstName=SECRETS["first"], LastName=SECRETS["last"], BusinessTitle=SECRETS["title"]
    )
    opportunity["Customer"]["WebsiteUrl"] = SECRETS["website"]
    opportunity["Project"]["BusinessProblem"] = SECRETS["problem"]
    invitation["InvitationMessage"] = SECRETS["message"]
    invitation["Receiver"] = {"Account": {"AwsAccountId": SECRETS["account"], "Alias": SECRETS["alias"]}}
    return invitation


def test_the_secret_fixture_covers_every_sensitive_member_of_the_answer() -> None:
    model = botocore.session.get_session().get_service_model("partnercentral-selling")
    sensitive: set[str] = set()

    def walk(shape: object, name: str) -> None:
        if getattr(shape, "serialization", {}).get("sensitive") or getattr(shape, "metadata", {}).get("sensitive"):
            sensitive.add(name)
        for member, child in getattr(shape, "members", {}).items():
            walk(child, member)
        if hasattr(shape, "member"):
            walk(shape.member, name)

    walk(model.operation_model("GetEngagementInvitation").output_shape, "")
    covered = {
        "Email",
        "FirstName",
        "LastName",
        "BusinessTitle",
        "Phone",
        "CompanyName",
        "WebsiteUrl",
        "BusinessProblem",
    }
    covered |= {"Amount", "InvitationMessage", "AwsAccountId", "Alias", "SenderAwsAccountId"}
    # Enum-valued sensitive members (country and currency codes) cannot carry a distinctive value.
    assert sensitive - covered <= {"CountryCode", "CurrencyCode", "Country", "ContactBusinessTitle"}


def test_no_sensitive_value_in_logs_or_errors(
    local_aws: LocalAws, log_lines: LogLines, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # As Lambda sets the root logger at logLevel DEBUG: botocore logs request parameters and bodies there.
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []

    def deliver(event: object) -> None:
        outcome = event_source.deliver(event)
        if outcome["outcome"] in {"retry", "parked"}:
            errors.append(f"{outcome['errorType']}: {outcome['reason']}")

    first, second, third = secret_invitation(1), secret_invitation(2), secret_invitation(3)
    for invitation in (first, second, third):
        local_aws.emulator.put(invitation)
    deliver(invitation_event(first))  # created
    local_aws.emulator.update("AWS", first["Id"], Status="ACCEPTED")  # type: ignore[arg-type]
    deliver(invitation_event(first, "Engagement Invitation Accepted"))
    with ClientFaults() as faults:
        faults.fail_next("sns.Publish")
        deliver(invitation_event(second))  # publish fails after the write
    deliver(invitation_event(second))  # the retry publishes
    local_aws.emulator.make_inaccessible("AWS", second["Id"])  # type: ignore[arg-type]
    deliver(invitation_event(second, "Engagement Invitation Rejected"))
    local_aws.emulator.fail_next("ValidationException")
    deliver(invitation_event(third))
    local_aws.emulator.fail_next("InternalServerException", times=3)
    deliver(invitation_event(third))
    malformed = invitation_event(third)
    malformed["detail"]["catalog"] = SECRETS["company"]
    malformed["detail"]["engagementInvitation"]["senderCompanyName"] = SECRETS["company"]
    deliver(malformed)

    captured = capsys.readouterr()
    text = "\n".join([log_lines.text, captured.out, captured.err, caplog.text, *errors])
    assert len(local_aws.published()) >= 4  # the scenarios really ran
    assert '"outcome":"parked"' in log_lines.text  # the JSON lines themselves were captured
    assert '"reason":' in log_lines.text
    leaked = {name: value for name, value in SECRETS.items() if value in text}
    assert leaked == {}


def corrupt_stored_item(invitation: dict[str, object]) -> dict[str, object]:
    """The item a hand edit (or a release that wrote another shape) could leave: the secret contact
    stored as a map where the model wants a list, and a publish still pending so the write reads it."""
    stored = normalize(invitation).model_dump(mode="json", by_alias=True, exclude_none=True)
    stored["payload"]["senderContacts"] = stored["payload"]["senderContacts"][0]
    return {
        "catalog": "AWS",
        "id": stored["id"],
        "invitation": stored,
        "version": 1,
        "contentHash": "0" * 64,
        "syncedAt": "2026-11-20T09:30:00.000Z",
        "publishPending": True,
        "publishLeaseUntil": "2099-01-01T00:00:00.000Z",
    }


def summary_with_a_list_for_a_name(http_response: object, parsed: dict[str, Any], **_: object) -> None:
    """What botocore hands over when the wire answer puts a list where a string belongs (one short
    value: pydantic shortens long inputs in its messages, and the leak check looks for whole values)."""
    for summary in parsed.get("EngagementInvitationSummaries", []):
        summary["SenderCompanyName"] = [SECRETS["company"]]


def test_no_sensitive_value_when_a_stored_item_or_a_summary_does_not_fit(
    local_aws: LocalAws, log_lines: LogLines, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    invitation = secret_invitation(4)
    local_aws.emulator.put(invitation)
    item = corrupt_stored_item(invitation)
    with pytest.raises(ValidationError) as unwrapped:  # the canary: unwrapped, this leaks
        Invitation.model_validate(item["invitation"])
    assert SECRETS["phone"] in str(unwrapped.value)  # pydantic quotes the input (shortened)
    summary: dict[str, Any] = {"Id": invitation["Id"], "Catalog": "AWS"}
    summary_with_a_list_for_a_name(None, {"EngagementInvitationSummaries": [summary]})
    with pytest.raises(ValidationError) as unwrapped:
        normalize(summary)
    assert SECRETS["company"] in str(unwrapped.value)
    table = local_aws.resources.table_name
    local_aws.dynamodb.put_item(TableName=table, Item={k: TypeSerializer().serialize(v) for k, v in item.items()})
    client = boto3.client("partnercentral-selling", region_name="us-east-1")
    partner_central = PartnerCentralInvitations(client)
    store = InvitationStore(boto3.client("dynamodb"), table)
    publisher = InvitationEventPublisher(boto3.client("sns"), local_aws.resources.topic_arn)
    reconciler = Reconciler(
        partner_central,
        store,
        InvitationSync(partner_central, store, publisher, frozenset({"AWS"})),
        seconds_per_page=1.0,
        seconds_per_sync=1.0,
    )
    failures: list[str] = []

    def reconcile() -> None:  # a full sweep, which reads every stored item and every summary
        report = reconciler.run(
            ReconcileRequest(mode="full"), ["AWS"], ["RECEIVER"], Budget(lambda: 900.0), "test", lock_seconds=900.0
        )
        failures.extend(report.failed)

    unknown = secret_invitation(5)  # a payload type botocore lacks, carrying the secrets: kept, never logged
    local_aws.emulator.put(unknown)
    secret_payload = {"Contact": {"Email": SECRETS["email"], "Phone": SECRETS["phone"]}, "Note": SECRETS["message"]}
    local_aws.emulator.serve_unknown_member("AWS", str(unknown["Id"]), "Payload", "FutureInvitation", secret_payload)
    caplog.set_level(logging.INFO, logger="botocore.parsers")  # botocore names the member it does not know
    stored = event_source.deliver(invitation_event(unknown))
    dead_lettered = event_source.deliver(invitation_event(invitation))  # the write reads the item
    reconcile()  # BatchGetItem reads it
    local_aws.dynamodb.delete_item(TableName=table, Key={"catalog": {"S": "AWS"}, "id": {"S": item["id"]}})
    client.meta.events.register(
        "after-call.partnercentral-selling.ListEngagementInvitations", summary_with_a_list_for_a_name
    )
    reconcile()  # the List summary does not fit

    assert stored["outcome"] == "stored"
    assert SECRETS["email"] in json.dumps([message.body for message in local_aws.published()])  # really kept
    assert "FutureInvitation" in caplog.text
    assert dead_lettered["errorType"] == "StoredItemError"
    # Reported by type and counted; the run goes on (each would stop every later run otherwise).
    kinds = [failure.rsplit(": ", 1)[1] for failure in failures]
    assert kinds[0] == "StoredItemError"  # the first sweep's BatchGetItem
    assert set(kinds[1:]) == {"PartnerCentralAnswerError"}  # the second sweep's summaries
    failed = local_aws.failed_events()
    assert [record["errorType"] for record in failed] == ["StoredItemError"]
    captured = capsys.readouterr()
    text = "\n".join([log_lines.text, captured.out, captured.err, caplog.text, json.dumps(failed), *failures])
    assert '"outcome":"parked"' in log_lines.text
    leaked = {name: value for name, value in SECRETS.items() if value in text}
    assert leaked == {}
