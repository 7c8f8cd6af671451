"""Sample invitations in the exact shape GetEngagementInvitation returns (botocore-parsed), and the
EventBridge and event-queue (SQS) events that carry them.

Used by the tests, the demo and the benchmarks; the emulator validates each against botocore's model.
"""

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

# Dated from today, not a calendar day: the code under test reads the clock (reconcile windows, reminders,
# expiry), so fixed dates age out. Number n is invited n hours later; n <= 90 stays in the past and open.
INVITED_AT = datetime.now(UTC).replace(hour=9, minute=30, second=0, microsecond=0) - timedelta(days=5)


def invitation_id(number: int) -> str:
    """engi- + 13 base-36 characters, distinct per number."""
    return f"engi-{base36(number)}"


def base36(number: int) -> str:
    """13 base-36 characters, the id suffix Partner Central uses (engi-, task-)."""
    digits, alphabet = "", "0123456789abcdefghijklmnopqrstuvwxyz"
    for _ in range(13):
        number, remainder = divmod(number, 36)
        digits = alphabet[remainder] + digits
    return digits


def _common(number: int, catalog: str, status: str, payload_type: str, title: str) -> dict[str, Any]:
    ident = invitation_id(number)
    invited = INVITED_AT + timedelta(hours=number)
    return {
        "Arn": f"arn:aws:partnercentral:us-east-1::catalog/{catalog}/engagement-invitation/{ident}",
        "Id": ident,
        "Catalog": catalog,
        "PayloadType": payload_type,
        "EngagementId": f"eng-{number:014d}"[-18:],
        "EngagementTitle": title[:40],
        "Status": status,
        "InvitationDate": invited,
        "ExpirationDate": invited + timedelta(days=15),
        "SenderAwsAccountId": "aws",
        "SenderCompanyName": "Amazon Web Services",
        "Receiver": {"Account": {"AwsAccountId": "111122223333", "Alias": "partner-main"}},
        "EngagementDescription": f"Co-sell engagement {number}",
        "ExistingMembers": [{"CompanyName": "Example Partner Ltd", "WebsiteUrl": "https://partner.example.com"}],
    }


def opportunity_invitation(
    number: int,
    *,
    catalog: str = "AWS",
    status: str = "PENDING",
    title: str = "Data platform migration",
    company: str = "Globex Corporation",
    email: str = "pat.doe@example.com",
    amount: str = "12500.50",
) -> dict[str, Any]:
    return {
        **_common(number, catalog, status, "OpportunityInvitation", title),
        "InvitationMessage": "We would like you to co-sell this opportunity with us.",
        "Payload": {
            "OpportunityInvitation": {
                "SenderContacts": [
                    {
                        "Email": email,
                        "FirstName": "Pat",
                        "LastName": "Doe",
                        "BusinessTitle": "Partner Development Manager",
                        "Phone": "+14155550100",
                    }
                ],
                "ReceiverResponsibilities": ["Software Partner"],
                "Customer": {
                    "Industry": "Financial Services",
                    "CompanyName": company,
                    "WebsiteUrl": "https://globex.example.com",
                    "CountryCode": "US",
                },
                "Project": {
                    "BusinessProblem": "Consolidate three legacy warehouses into one governed data platform.",
                    "Title": title,
                    "TargetCompletionDate": "2027-06-30",
                    "ExpectedCustomerSpend": [
                        {
                            "Amount": amount,
                            "CurrencyCode": "USD",
                            "Frequency": "Monthly",
                            "TargetCompany": "AWS",
                        }
                    ],
                },
                "OpportunityType": "Net New Business",
            }
        },
    }


def lead_invitation(number: int, *, catalog: str = "AWS", status: str = "PENDING") -> dict[str, Any]:
    return {
        **_common(number, catalog, status, "LeadInvitation", "Inbound lead: analytics"),
        "Payload": {
            "LeadInvitation": {
                "Customer": {
                    "CompanyName": "Initech",
                    "Industry": "Software and Internet",
                    "WebsiteUrl": "https://initech.example.com",
                    "CountryCode": "DE",
                    "AwsMaturity": "Intermediate",
                    "MarketSegment": "Mid-Market",
                },
                "Interaction": {
                    "SourceType": "Marketing Campaign",
                    "SourceId": "camp-42",
                    "SourceName": "re:Invent follow-up",
                    "Usecase": "Analytics",
                    "ContactBusinessTitle": "Head of Data",
                },
            }
        },
    }


def account_planning_invitation(number: int, *, catalog: str = "AWS", status: str = "PENDING") -> dict[str, Any]:
    return {
        **_common(number, catalog, status, "AccountPlanningInvitation", "FY27 account plan"),
        "Payload": {
            "AccountPlanningInvitation": {
                "AccountIdentifier": "cust-acc-0000000000001",
                "Customer": {"CompanyName": "Umbrella Health", "Industry": "Healthcare", "CountryCode": "GB"},
                "SenderContacts": [{"Email": "alex.smith@example.com", "FirstName": "Alex"}],
                "PreferredContact": {"Window": "MORNING", "Timezone": "Europe/London"},
            }
        },
    }


def minimal_invitation(number: int, *, catalog: str = "AWS") -> dict[str, Any]:
    """Only the members the model guarantees."""
    return {"Id": invitation_id(number), "Catalog": catalog}


def invitation_event(
    response: dict[str, Any], detail_type: str = "Engagement Invitation Created", event_id: str | None = None
) -> dict[str, Any]:
    """The EventBridge event Partner Central sends for `response`'s invitation."""
    ident, catalog = response["Id"], response["Catalog"]
    arn = f"arn:aws:partnercentral:us-east-1::catalog/{catalog}/engagement-invitation/{ident}"
    return {
        "version": "0",
        "id": event_id or f"evt-{ident}-{detail_type.rsplit(' ', 1)[-1].lower()}",
        "detail-type": detail_type,
        "source": "aws.partnercentral-selling",
        "account": "111122223333",
        "time": INVITED_AT.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": [arn],
        "detail": {
            "catalog": catalog,
            "engagementInvitation": {
                "arn": arn,
                "id": ident,
                "engagementId": response.get("EngagementId"),
                "participantType": "Receiver",
                "payloadType": response.get("PayloadType"),
            },
        },
    }


def sqs_event(*events: object, receive_count: int = 1) -> dict[str, Any]:
    """The Lambda event for `events` without any queue behind it, for callers that count or fake AWS
    calls (benchmarks, the fault suite): the handler's retry delays then meet unknown receipt handles,
    which SQS refuses and the handler only logs."""
    return {
        "Records": [
            sqs_record(
                {
                    "MessageId": str(uuid.uuid4()),
                    "ReceiptHandle": f"local-{uuid.uuid4()}",
                    "Body": event if isinstance(event, str) else json.dumps(event),
                    "Attributes": {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": "1764000000000"},
                },
                "arn:aws:sqs:us-east-1:111122223333:invitation-sync-events",
            )
            for event in events
        ]
    }


def sqs_record(message: Mapping[str, Any], queue_arn: str) -> dict[str, Any]:
    """An SQS message (as ReceiveMessage answers it) as Lambda's event source mapping hands it to the function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: {"stringValue": value.get("StringValue"), "dataType": value["DataType"]}
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": "us-east-1",
    }


def dated(response: dict[str, Any], invited_at: datetime) -> dict[str, Any]:
    """`response` invited at `invited_at` (expiring 15 days later): histories relative to today."""
    return {**response, "InvitationDate": invited_at, "ExpirationDate": invited_at + timedelta(days=15)}


def with_existing_members(response: dict[str, Any], count: int) -> dict[str, Any]:
    """`response` grown through the one list the model leaves unbounded: `count` members of ~160 bytes."""
    members = [
        {"CompanyName": f"Partner {number:05d} " + "x" * 100, "WebsiteUrl": f"https://p{number}.example.com"}
        for number in range(count)
    ]
    return {**response, "ExistingMembers": members}
