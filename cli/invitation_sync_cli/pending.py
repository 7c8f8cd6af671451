"""`invitation-sync pending`: the invitations waiting for an answer, soonest expiry first, from the table's
PENDING-by-expiry index (never Partner Central, whose read quota the partner's integrations share). The
same summary is what `accept` and `reject` show before asking."""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from rich.console import Console
from rich.table import Table

from invitation_sync.adapters.store import readable
from invitation_sync.adapters.table_design import expiring_query
from invitation_sync.domain import CATALOGS
from invitation_sync.models.invitation import Invitation
from invitation_sync.normalize import iso_utc
from invitation_sync_cli import render
from invitation_sync_cli.status import now_utc

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from invitation_sync_cli.main import Command

_NO_END: Final = "9999-12-31T23:59:59.999Z"


@dataclass(frozen=True)
class Summary:
    """What a person needs to decide on an invitation."""

    catalog: str
    invitation_id: str
    status: str
    payload_type: str
    sender: str
    customer_company: str
    project_title: str
    expires_at: str | None
    hours_left: float | None

    @classmethod
    def of(cls, invitation: Invitation, now: datetime) -> "Summary":
        payload = invitation.payload
        customer = getattr(payload, "customer", None)
        project = getattr(payload, "project", None)
        expires = invitation.expiration_date
        left = (datetime.fromisoformat(expires) - now).total_seconds() / 3600 if expires else None
        return cls(
            catalog=invitation.catalog,
            invitation_id=invitation.id,
            status=invitation.status or "",
            payload_type=invitation.payload_type or "",
            sender=invitation.sender_company_name or invitation.sender_aws_account_id or "",
            customer_company=getattr(customer, "company_name", None) or "",
            project_title=getattr(project, "title", None) or invitation.engagement_title or "",
            expires_at=expires,
            hours_left=left,
        )

    @property
    def time_left(self) -> str:
        if self.hours_left is None:
            return "no expiration date"
        if self.hours_left <= 0:
            return "expired"
        days, hours = divmod(int(self.hours_left), 24)
        return f"{days} d {hours} h" if days else f"{hours} h {int(self.hours_left * 60) % 60} min"

    def to_json(self) -> dict[str, Any]:
        return {
            "catalog": self.catalog,
            "invitationId": self.invitation_id,
            "status": self.status,
            "payloadType": self.payload_type,
            "sender": self.sender,
            "customerCompany": self.customer_company,
            "projectTitle": self.project_title,
            "expirationDate": self.expires_at,
            "hoursLeft": None if self.hours_left is None else round(self.hours_left, 1),
        }


def pending(dynamodb: "DynamoDBClient", table: str, catalogs: list[str], now: datetime) -> list[Summary]:
    """PENDING invitations not yet expired, soonest expiry first across the catalogs (one index query per
    catalog and page). An invitation without an expiration date is not in that index."""
    found = []
    for catalog in catalogs:
        pages = dynamodb.get_paginator("query").paginate(**expiring_query(table, catalog, iso_utc(now), _NO_END))
        found += [Summary.of(stored.invitation, now) for page in pages for stored in readable(page["Items"])]
    return sorted(found, key=lambda summary: (summary.expires_at or _NO_END, summary.invitation_id))


def show(out: Console, rows: list[Summary]) -> None:
    table = Table(title=f"waiting for an answer ({len(rows)}), soonest expiry first")
    for column in ("catalog", "invitation", "payload type", "sender", "customer", "project title", "time left"):
        table.add_column(column, no_wrap=column == "invitation", min_width=18 if column == "invitation" else None)
    for row in rows:
        table.add_row(
            row.catalog,
            row.invitation_id,
            row.payload_type,
            row.sender,
            row.customer_company,
            row.project_title,
            row.time_left,
        )
    out.print(table)


def run(command: "Command") -> int:
    table = command.outputs("TableName")["TableName"]
    rows = pending(command.clients.dynamodb(), table, command.args.catalog or sorted(CATALOGS), now_utc())
    if command.args.json:
        render.json_document({"pending": [row.to_json() for row in rows]})
    else:
        show(Console(), rows)
    return 0
