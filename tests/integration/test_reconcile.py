"""The reconciler against the emulator with 1,000+ final invitations and a few dozen open ones: what an
incremental run costs, what it heals, and how a run never stalls."""

import math
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from invitation_sync.budgets import FINISH_PENDING_WORST_CASE, reconcile_sync_worst_case
from invitation_sync.normalize import iso_utc
from invitation_sync.rate_limit import RateLimiter
from invitation_sync.reconcile import PAGE_GRACE_SECONDS, Budget, ReconcileReport
from invitation_sync.wiring.reconcile import build_reconcile_services
from local.faults import ClientFaults
from local.samples import dated, opportunity_invitation, with_existing_members
from local.seeding import seed
from tests.conftest import LocalAws
from tests.fixtures.reconcile import (
    FINAL_COUNT,
    OPEN_COUNT,
    PAIRS,
    ReconcileWorld,
    left_pending_by_a_crashed_writer,
    open_ids,
    reconcile_settings,
)

pytestmark = pytest.mark.clock


@pytest.fixture
def world(local_aws: LocalAws) -> ReconcileWorld:
    return ReconcileWorld.seeded(local_aws)


def test_a_steady_state_incremental_run_lists_only_the_open_set_and_makes_no_get(world: ReconcileWorld) -> None:
    for _ in range(2):  # the first run has no baseline yet (it looks back 15 days), the second has one
        report = world.run()
        assert report.complete
        assert world.gets() == 0
        per_pair = world.list_calls_per_pair()
        assert set(per_pair) == set(PAIRS)
        assert all(calls <= math.ceil(OPEN_COUNT / 100) + 1 for calls in per_pair.values()), per_pair
        assert report.listed <= OPEN_COUNT + 100 * len(PAIRS) < FINAL_COUNT  # never the history
        assert (report.synced, report.drift_repaired, report.failed) == (0, 0, [])
    assert world.local_aws.published() == []


def test_invitations_answered_or_expired_without_an_event_are_repaired_by_the_next_incremental_run(
    world: ReconcileWorld,
) -> None:
    world.run()
    accepted, rejected, expired = open_ids()[3], open_ids()[10], open_ids()[20]
    emulator = world.local_aws.emulator
    emulator.update("AWS", accepted, Status="ACCEPTED")
    emulator.update("AWS", rejected, Status="REJECTED")
    emulator.make_inaccessible("AWS", rejected)  # AWS hides a rejected invitation's details
    emulator.update("AWS", expired, Status="EXPIRED")

    report = world.run()

    assert (report.complete, report.drift_repaired, report.failed) == (True, 3, [])
    published = {m.body["invitation"]["id"]: m.body for m in world.local_aws.published()}
    assert {ident: body["eventType"] for ident, body in published.items()} == {
        accepted: "invitation.accepted",
        rejected: "invitation.rejected",
        expired: "invitation.expired",
    }
    assert published[rejected]["invitation"]["detailsRetrievable"] is False
    assert world.gets() == 3  # one each: the hidden one's status is then found by engagement id
    assert world.run().synced == 0  # and they stay settled


def test_a_new_invitation_whose_events_were_lost_is_stored_by_the_next_incremental_run(world: ReconcileWorld) -> None:
    world.run()
    now = datetime.now(UTC)
    created = dated(opportunity_invitation(90_001), now)  # its Created event was lost
    answered = dated(opportunity_invitation(90_002, status="ACCEPTED"), now)  # created and accepted between runs
    seed(world.local_aws.emulator, None, "", [(created, "RECEIVER"), (answered, "SENDER")])

    report = world.run()

    assert (report.drift_repaired, report.backfilled, world.gets()) == (2, 0, 2)
    assert world.stored(created["Id"]).invitation.status == "PENDING"
    assert world.stored(answered["Id"]).invitation.status == "ACCEPTED"


def test_an_invitation_the_table_cannot_hold_is_reported_and_the_run_goes_on(world: ReconcileWorld) -> None:
    world.run()
    now = datetime.now(UTC)
    too_large = with_existing_members(dated(opportunity_invitation(90_003), now), 3_000)  # over 400 KB
    answered = dated(opportunity_invitation(90_004, status="ACCEPTED"), now)
    seed(world.local_aws.emulator, None, "", [(too_large, "RECEIVER"), (answered, "SENDER")])

    report = world.run()

    assert report.complete
    assert report.failed == [f"AWS/{too_large['Id']}: StoreRequestError"]
    assert world.stored(answered["Id"]).invitation.status == "ACCEPTED"


def test_drift_is_measured_from_the_start_of_the_last_complete_run(world: ReconcileWorld) -> None:
    world.run()
    created: list[dict[str, Any]] = []

    def create_during_the_last_listing(report: ReconcileReport) -> None:
        if report.list_calls == 2 * len(PAIRS) and not created:  # after every List of this run: it cannot see it
            created.append(dated(opportunity_invitation(90_003), datetime.now(UTC)))
            seed(world.local_aws.emulator, None, "", [(created[0], "RECEIVER")])

    missed = world.run(on_page=create_during_the_last_listing)
    assert missed.complete
    assert missed.run_started_at is not None
    assert missed.run_started_at <= iso_utc(created[0]["InvitationDate"])
    assert missed.synced == 0

    report = world.run()
    assert (report.drift_repaired, report.backfilled) == (1, 0)  # its event was lost: drift, not backfill


def test_an_expired_next_token_restarts_the_pair_instead_of_stalling(world: ReconcileWorld) -> None:
    pages = {"left": 3}

    def three_pages(_: ReconcileReport) -> None:
        pages["left"] -= 1

    paused = world.run("full", budget=Budget(lambda: 900.0 if pages["left"] > 0 else 0.0), on_page=three_pages)
    assert not paused.complete
    cursor = world.store.get_reconciler_state("full")
    assert (cursor["pair"], bool(cursor["nextToken"])) == ("AWS#RECEIVER", True)
    world.local_aws.emulator.expire_list_tokens()  # hours later, Partner Central no longer honours it

    report = world.run("full")

    assert report.complete
    assert report.restarted_pairs == ["AWS#RECEIVER"]
    assert report.unchanged == FINAL_COUNT + OPEN_COUNT  # the whole pair again, nothing skipped
    assert "nextToken" not in world.store.get_reconciler_state("full")


def test_an_unfinished_full_sweep_is_carried_on_by_the_next_incremental_run(world: ReconcileWorld) -> None:
    paused = world.pause_full_sweep()
    assert (paused.complete, paused.listed) == (False, 200)

    report = world.run()  # an hour later, not a week later when its token has long expired

    assert report.complete
    assert report.continued_full_sweep is not None
    assert report.continued_full_sweep.complete
    assert report.continued_full_sweep.listed == FINAL_COUNT + OPEN_COUNT - 200  # from where it stopped
    state = world.store.get_reconciler_state("full")
    assert "pair" not in state
    assert state["lastCompletedStartedAt"] == paused.run_started_at
    assert world.run().continued_full_sweep is None  # nothing left to carry on


def test_a_failing_pending_publish_is_counted_and_the_run_goes_on(local_aws: LocalAws) -> None:
    with ClientFaults() as faults:  # before the clients are built: they take the session's hooks
        world = ReconcileWorld.seeded(local_aws)
        world.run()
        stuck, changed = open_ids()[0], open_ids()[1]
        left_pending_by_a_crashed_writer(local_aws, stuck)
        local_aws.emulator.update("AWS", changed, Status="ACCEPTED")
        faults.fail_next("sns.Publish")

        report = world.run()

        assert report.complete
        assert report.failed == [f"AWS/{stuck} pending publish: PublishError"]
        assert report.drift_repaired == 1  # the other change was still repaired
        assert [m.body["invitation"]["id"] for m in local_aws.published()] == [changed]
        assert world.run().pending_published == 1  # the next run publishes it


@pytest.mark.parametrize(
    "now_listed_as",
    ["PENDING", "ACCEPTED"],  # still open: compared with its summary; answered without an event: found unlisted
)
def test_a_pending_publish_is_finished_only_with_time_for_it_and_the_sync_after_it(
    local_aws: LocalAws, now_listed_as: str
) -> None:
    world = ReconcileWorld.seeded(local_aws)
    world.run()
    left_pending_by_a_crashed_writer(local_aws, open_ids()[0], Status=now_listed_as)
    pacing = RateLimiter(world.services.settings.rate_cap).longest_wait
    needed = reconcile_sync_worst_case(pacing) + FINISH_PENDING_WORST_CASE

    short = world.run(budget=Budget(lambda: needed - 1))

    assert (short.complete, short.pending_published) == (False, 0)
    assert [m.body["invitation"]["id"] for m in local_aws.published()] == []
    assert world.run(budget=Budget(lambda: needed)).pending_published == 1


def test_the_full_sweep_finds_a_change_to_an_old_final_invitation_that_the_incremental_run_cannot_see(
    world: ReconcileWorld,
) -> None:
    world.run()
    old = opportunity_invitation(11)["Id"]  # ACCEPTED weeks ago
    world.local_aws.emulator.update("AWS", old, EngagementTitle="Retitled after acceptance")

    incremental = world.run()
    assert (incremental.synced, world.stored(old).invitation.engagement_title) == (0, "Data platform migration")

    full = world.run("full")
    assert full.complete
    assert full.listed == FINAL_COUNT + OPEN_COUNT
    assert (full.drift_repaired, world.gets()) == (1, 1)
    assert world.stored(old).invitation.engagement_title == "Retitled after acceptance"


def test_every_partner_central_call_stays_under_the_cap(local_aws: LocalAws) -> None:
    now = datetime.now(UTC)
    seed(local_aws.emulator, None, "", [(dated(opportunity_invitation(n), now), "RECEIVER") for n in range(1, 31)])
    services = build_reconcile_services(reconcile_settings(local_aws, rate_cap=5))
    local_aws.emulator.fail_next("ThrottlingException", operation="GetEngagementInvitation", times=2)
    world = ReconcileWorld(local_aws, services, now)

    report = world.run("full")

    assert report.backfilled == 30
    arrivals = [call.at for call in local_aws.emulator.calls]
    assert report.failed == []
    assert len(arrivals) == 2 + 30 + 2  # a List per pair, the Gets, and botocore's retries of the throttled ones
    busiest = max(sum(1 for t in arrivals if start <= t < start + 1.0) for start in arrivals)
    assert busiest <= 5


def test_an_unreadable_stored_item_is_reported_and_the_run_goes_on(world: ReconcileWorld) -> None:
    world.run()
    broken = open_ids()[5]
    key = {"catalog": {"S": "AWS"}, "id": {"S": broken}}
    table = world.local_aws.resources.table_name
    item = world.local_aws.dynamodb.get_item(TableName=table, Key=key)["Item"]
    item["invitation"] = {"M": {"id": {"N": "5"}}}  # a hand edit the model cannot read
    world.local_aws.dynamodb.put_item(TableName=table, Item=item)
    accepted = open_ids()[6]
    world.local_aws.emulator.update("AWS", accepted, Status="ACCEPTED")

    report = world.run()

    assert report.complete  # the page and the PENDING query were not lost to one item
    assert report.failed == [f"AWS/{broken}: StoredItemError"]
    assert world.stored(accepted).invitation.status == "ACCEPTED"


def test_an_overdue_soft_stop_is_honoured_between_invitations_of_a_page(world: ReconcileWorld) -> None:
    """A backfill shows progress at least every 30 s: a page of missing invitations (20 s of Gets at 5/s,
    more when throttled) does not hold the invocation past its stop by more than one sync."""
    oldest = datetime(2020, 1, 1, tzinfo=UTC)  # a sweep lists oldest first: these are on its first page
    missing = [(dated(opportunity_invitation(80_000 + n), oldest), "RECEIVER") for n in range(3)]
    seed(world.local_aws.emulator, None, "", missing)
    overdue = time.monotonic() - PAGE_GRACE_SECONDS - 1

    report = world.run("backfill", budget=Budget(lambda: 900.0, stop_at=overdue))

    assert (report.complete, report.synced) == (False, 1)
