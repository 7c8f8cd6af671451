"""The query snippets of docs/table.md, executed as written against a table the real sync filled."""

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from local.documented_queries import run as run_snippet
from local.documented_queries import snippets
from local.event_source import deliver
from local.samples import invitation_event, lead_invitation, opportunity_invitation
from tests.conftest import LocalAws

pytestmark = pytest.mark.clock

SNIPPETS = snippets()


def iso(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


@pytest.fixture
def filled_table(local_aws: LocalAws) -> str:
    """Six invitations: statuses, expirations relative to now, a shared engagement, matching titles."""
    now = datetime.now(UTC)
    invitations = [
        {**opportunity_invitation(1), "ExpirationDate": iso(now + timedelta(days=3))},
        {
            **opportunity_invitation(2, title="Data Platform Migration  "),
            "ExpirationDate": iso(now + timedelta(days=1)),
        },
        {**opportunity_invitation(3, status="ACCEPTED", title="Other project")},
        {**opportunity_invitation(4, status="ACCEPTED"), "EngagementId": "eng-00000000000001"},
        {**lead_invitation(5), "ExpirationDate": iso(now + timedelta(days=20))},
        {**opportunity_invitation(6, catalog="Sandbox", status="ACCEPTED")},
    ]
    for invitation in invitations:
        local_aws.emulator.put(invitation)
        assert deliver(invitation_event(invitation))["outcome"] == "stored"
    return local_aws.resources.table_name


def run(snippet: str, table: str) -> dict[str, Any]:
    return run_snippet(snippet, boto3.client("dynamodb"), table)


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"]["S"][-1] for item in items]


def test_readme_has_the_five_queries() -> None:
    assert len(SNIPPETS) == 5


def test_get_one_invitation(filled_table: str) -> None:
    assert run(SNIPPETS[0], filled_table)["item"]["invitation"]["M"]["status"] == {"S": "PENDING"}


def test_status_newest_first(filled_table: str) -> None:
    assert ids(run(SNIPPETS[1], filled_table)["items"]) == ["4", "3"]  # Sandbox's ACCEPTED stays apart


def test_pending_expiring_this_week_soonest_first(filled_table: str) -> None:
    assert ids(run(SNIPPETS[2], filled_table)["items"]) == ["2", "1"]


def test_invitations_of_one_engagement(filled_table: str) -> None:
    assert ids(run(SNIPPETS[3], filled_table)["items"]) == ["1", "4"]


def test_project_title_ignores_case_and_surrounding_space(filled_table: str) -> None:
    assert sorted(ids(run(SNIPPETS[4], filled_table)["items"])) == ["1", "2", "4"]
