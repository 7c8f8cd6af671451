"""Fields botocore marks sensitive never reach logs or exception messages, whatever the path."""

import botocore.session
import pytest

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
