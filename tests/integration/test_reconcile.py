"""The reconciler against the emulator with hundreds of invitations: cost, healing, resuming, pacing."""

import math
from collections.abc import Callable
from typing import Any

import pytest

from invitation_sync.adapters.aws import PARTNER_CENTRAL_CONFIG
from invitation_sync.reconcile import SECONDS_PER_PAGE, ReconcileReport
from invitation_sync.settings import ReconcileSettings
from invitation_sync.wiring import ReconcileServices, build_reconcile_services
from local.event_source import deliver
from local.samples import invitation_event, lead_invitation, opportunity_invitation
from tests.conftest import LocalAws

RECEIVED, SENT = 250, 7


def settings(local_aws: LocalAws, rate_cap: float) -> ReconcileSettings:
    return ReconcileSettings.model_validate(
        {
            "INVITATIONS_TABLE_NAME": local_aws.resources.table_name,
            "INVITATION_EVENTS_TOPIC_ARN": local_aws.resources.topic_arn,
            "SYNC_CATALOGS": "AWS",
            "RECONCILE_PARTICIPANT_TYPES": "RECEIVER,SENDER",
            "PARTNER_CENTRAL_RATE_CAP": str(min(rate_cap, 9)),
        }
    )


@pytest.fixture
def reconcile(local_aws: LocalAws) -> Callable[..., ReconcileReport]:
    """Runs the reconciler; a high cap keeps these functional tests fast (pacing has its own test)."""
    for number in range(1, RECEIVED + 1):
        local_aws.emulator.put(opportunity_invitation(number) if number % 3 else lead_invitation(number))
    for number in range(1000, 1000 + SENT):
        local_aws.emulator.put(opportunity_invitation(number), participant_type="SENDER")
    services: ReconcileServices = build_reconcile_services(settings(local_aws, 9))
    services.rate_limiter.capacity, services.rate_limiter.window = 10_000, 1.0  # unthrottled for speed

    def run(time_left: Callable[[], float] = lambda: 900.0, **options: Any) -> ReconcileReport:
        local_aws.emulator.calls.clear()
        return services.reconciler.run(["AWS"], ["RECEIVER", "SENDER"], time_left, run_id="test", **options)

    return run


def gets(local_aws: LocalAws) -> int:
    return len(local_aws.emulator.calls_to("GetEngagementInvitation"))


def lists(local_aws: LocalAws) -> int:
    return len(local_aws.emulator.calls_to("ListEngagementInvitations"))


def test_reconcile_converges_at_the_lowest_api_cost(
    local_aws: LocalAws, reconcile: Callable[..., ReconcileReport]
) -> None:
    """One story, step by step (each step needs the previous one's table): backfill, an unchanged
    run, five changed statuses, an Accepted event that never arrived, a rejection seen only in List."""
    healed = opportunity_invitation(7)
    deliver(invitation_event(healed))  # the one invitation events delivered
    local_aws.published()

    first = reconcile()  # the first run stores everything else
    assert first.complete
    assert (first.backfilled, first.drift_repaired, first.unchanged) == (RECEIVED + SENT - 1, 0, 1)
    assert gets(local_aws) == RECEIVED + SENT - 1
    assert local_aws.item_count() == RECEIVED + SENT + 1  # plus the reconciler's cursor item
    assert len(local_aws.published()) == RECEIVED + SENT - 1

    second = reconcile()  # nothing changed: List calls only
    assert second.complete
    assert gets(local_aws) == 0
    assert lists(local_aws) <= math.ceil(RECEIVED / 100) + math.ceil(SENT / 100)
    assert (second.unchanged, second.synced) == (RECEIVED + SENT, 0)
    assert local_aws.published() == []

    changed = [opportunity_invitation(number)["Id"] for number in (2, 50, 101, 199, 250)]
    for ident in changed:
        local_aws.emulator.update("AWS", ident, Status="ACCEPTED")
    third = reconcile()  # five statuses changed: five Gets, five events
    assert (gets(local_aws), third.drift_repaired) == (5, 5)
    published = local_aws.published()
    assert sorted(m.body["invitation"]["id"] for m in published) == sorted(changed)
    assert {m.body["eventType"] for m in published} == {"invitation.accepted"}

    local_aws.emulator.update("AWS", healed["Id"], Status="ACCEPTED")  # its Accepted event is lost
    assert reconcile().drift_repaired == 1
    [message] = local_aws.published()
    assert (message.body["invitation"]["id"], message.body["eventType"], message.body["version"]) == (
        healed["Id"],
        "invitation.accepted",
        2,
    )

    rejected = opportunity_invitation(9)["Id"]  # rejected while no event arrived; details gone
    local_aws.emulator.update("AWS", rejected, Status="REJECTED")
    local_aws.emulator.make_inaccessible("AWS", rejected)
    assert reconcile().drift_repaired == 1
    [message] = local_aws.published()
    assert (message.body["eventType"], message.body["invitation"]["detailsRetrievable"]) == (
        "invitation.rejected",
        False,
    )
    assert reconcile().synced == 0  # and it stays settled


def test_a_run_cut_short_resumes_where_it_stopped_and_finishes(
    local_aws: LocalAws, reconcile: Callable[..., ReconcileReport]
) -> None:
    budget = {"left": SECONDS_PER_PAGE + 5 * 120}

    def time_left() -> float:  # each check spends a little of the budget, like a ticking Lambda clock
        budget["left"] -= 5
        return budget["left"]

    first = reconcile(time_left)
    assert not first.complete
    assert 0 < first.synced < RECEIVED
    second = reconcile()
    assert second.complete
    assert first.backfilled + second.backfilled == RECEIVED + SENT  # nothing lost, nothing stored twice
    assert second.unchanged <= 100  # at most the interrupted page is compared again
    assert local_aws.item_count() == RECEIVED + SENT + 1
    assert len(local_aws.published()) == RECEIVED + SENT


def test_dry_run_reports_without_changing_anything(
    local_aws: LocalAws, reconcile: Callable[..., ReconcileReport]
) -> None:
    report = reconcile(dry_run=True)
    assert len(report.planned) == RECEIVED + SENT
    assert {change.reason for change in report.planned} == {"missing"}
    assert gets(local_aws) == 0
    assert local_aws.item_count() == 0


def test_every_partner_central_call_stays_under_the_cap(local_aws: LocalAws) -> None:
    for number in range(1, 31):
        local_aws.emulator.put(opportunity_invitation(number))
    services = build_reconcile_services(settings(local_aws, 5))
    retries = PARTNER_CENTRAL_CONFIG.retries["total_max_attempts"] - 1  # type: ignore[attr-defined]
    local_aws.emulator.fail_next("ThrottlingException", operation="GetEngagementInvitation", times=retries)

    report = services.reconciler.run(["AWS"], ["RECEIVER"], lambda: 900.0, run_id="pacing")

    assert report.backfilled == 30
    arrivals = [call.at for call in local_aws.emulator.calls]
    assert len(arrivals) == 1 + 30 + retries  # List, Gets, and botocore's retries of the throttled ones
    busiest = max(sum(1 for t in arrivals if start <= t < start + 1.0) for start in arrivals)
    assert busiest <= 5
