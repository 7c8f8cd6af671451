"""The reconciler function's contract: modes from the payload, one run at a time, backfill with a cursor of
its own, early returns that keep progress. Through the real handler, as the schedules and the CLI call it."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from invitation_sync.errors import StoreUnavailableError
from invitation_sync.handlers.reconcile_handler import lambda_handler
from invitation_sync.models.reconcile_request import InvalidReconcileRequestError
from invitation_sync.normalize import iso_utc
from invitation_sync.reconcile import ReconcileReport
from invitation_sync.wiring.reconcile import reconcile_services
from local.faults import ClientFaults
from local.lambda_context import FakeLambdaContext
from local.samples import dated, opportunity_invitation
from local.seeding import seed
from tests.conftest import LocalAws
from tests.fixtures.reconcile import OPEN_COUNT, ReconcileWorld
from tests.integration.test_failures import emf_metrics

pytestmark = pytest.mark.clock

FINAL_COUNT, SANDBOX_COUNT = 400, 40  # the contract, not the scale: smaller than test_reconcile's history
TOTAL = FINAL_COUNT + OPEN_COUNT + SANDBOX_COUNT


@pytest.fixture
def world(local_aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[ReconcileWorld]:
    """The AWS history stored; an older Sandbox history (AWS and Sandbox are configured) never stored."""
    monkeypatch.setenv("RECONCILE_PARTICIPANT_TYPES", "RECEIVER,SENDER")
    monkeypatch.setenv("PARTNER_CENTRAL_RATE_CAP", "9")
    reconcile_services.cache_clear()
    world = ReconcileWorld.seeded(local_aws, FINAL_COUNT)
    sandbox = [
        dated(opportunity_invitation(n, catalog="Sandbox", status="ACCEPTED"), world.now - timedelta(days=40, hours=n))
        for n in range(1, SANDBOX_COUNT + 1)
    ]
    seed(local_aws.emulator, None, "", [(response, "RECEIVER") for response in sandbox])
    yield world
    reconcile_services.cache_clear()


def invoke(payload: Any) -> dict[str, Any]:
    context = FakeLambdaContext(aws_request_id=str(uuid.uuid4()), timeout_seconds=900)
    response: dict[str, Any] = lambda_handler(payload, context)
    return response


def items(world: ReconcileWorld) -> int:
    pages = world.local_aws.dynamodb.get_paginator("scan").paginate(
        TableName=world.local_aws.resources.table_name, Select="COUNT"
    )
    return sum(page["Count"] for page in pages)


def backfill_until_complete(world: ReconcileWorld, **payload: Any) -> list[dict[str, Any]]:
    responses = [invoke({"mode": "backfill", "maxSeconds": 0.001, **payload})]
    while not responses[-1]["complete"]:
        assert len(responses) < 50, "backfill makes no progress"
        responses.append(invoke({"mode": "backfill", "maxSeconds": 0.001, **payload}))
    return responses


def test_the_payload_chooses_the_mode_and_an_old_schedule_is_incremental(world: ReconcileWorld) -> None:
    for payload in ({"mode": "incremental"}, {"source": "aws.events", "detail-type": "Scheduled Event"}, {}):
        response = invoke(payload)
        assert (response["mode"], response["complete"], response["list_calls"]) == (
            "incremental",
            True,
            8,
        )  # 2 per pair
    full = invoke({"mode": "full"})
    assert (full["mode"], full["complete"], full["listed"]) == ("full", True, TOTAL)
    assert full["backfilled"] == SANDBOX_COUNT  # the Sandbox history, older than any run: never an event


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        ({"mode": "weekly"}, "mode"),
        ({"mode": "backfill", "catalogs": ["Mars"]}, "catalogs.0"),
        ({"mode": "backfill", "participantTypes": []}, "participantTypes"),
        ({"mode": "backfill", "maxSeconds": 0}, "maxSeconds"),
        ({"mode": "backfill", "dryrun": True}, "dryrun"),
        (["backfill"], "JSON object"),
    ],
)
def test_a_bad_payload_is_refused_with_the_field_named(world: ReconcileWorld, payload: Any, named: str) -> None:
    with pytest.raises(InvalidReconcileRequestError, match=named):
        invoke(payload)
    assert world.local_aws.emulator.calls == []


def test_a_catalog_that_is_not_configured_is_refused(world: ReconcileWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNC_CATALOGS", "AWS")
    reconcile_services.cache_clear()
    with pytest.raises(InvalidReconcileRequestError, match=r"\['Sandbox'\] are not configured"):
        invoke({"mode": "backfill", "catalogs": ["Sandbox"]})


def test_one_run_at_a_time_of_any_mode(world: ReconcileWorld, capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC)
    until = iso_utc(now + timedelta(minutes=10))
    assert world.store.take_reconciler_lock("another-run", until, iso_utc(now)) is None
    capsys.readouterr()
    for mode in ("incremental", "full", "backfill"):
        response = invoke({"mode": mode})
        assert response["skipped"] == f"another reconcile run holds the lock until {until}"
        assert (response["mode"], response["complete"]) == (mode, False)
    assert world.local_aws.emulator.calls == []
    assert emf_metrics(capsys.readouterr().out)["ReconcileSkipped"] == 3  # visible, not silent

    expired = iso_utc(now - timedelta(seconds=1))  # its holder died: the lock runs out by itself
    world.store.put_reconciler_state("lock", {"holder": "another-run", "until": expired})
    nested: list[dict[str, Any]] = []
    full = world.run("full", on_page=lambda _: nested.append(invoke({"mode": "incremental"})) if not nested else None)
    assert full.complete
    assert nested[0]["skipped"].startswith("another reconcile run holds the lock")  # started while full ran
    assert world.store.get_reconciler_state("lock") == {}  # released at the end


def test_a_full_sweep_skipped_for_the_lock_is_carried_out_by_the_next_incremental_run(world: ReconcileWorld) -> None:
    now = datetime.now(UTC)
    assert world.store.take_reconciler_lock("a-backfill", iso_utc(now + timedelta(minutes=10)), iso_utc(now)) is None
    assert invoke({"mode": "full", "dryRun": True})["skipped"]
    assert "requestedAt" not in world.store.get_reconciler_state("full")  # a dry run defers nothing
    assert invoke({"mode": "full"})["skipped"]
    assert world.store.get_reconciler_state("full")["requestedAt"] >= iso_utc(now)
    assert world.store.release_reconciler_lock("a-backfill")

    report = world.run()  # the next hourly run, not the next week's

    assert report.complete
    assert report.continued_full_sweep is not None
    assert report.continued_full_sweep.complete
    assert report.continued_full_sweep.listed == FINAL_COUNT + OPEN_COUNT  # every AWS invitation, both pairs
    state = world.store.get_reconciler_state("full")
    assert "requestedAt" not in state
    assert state["lastCompletedAt"] >= iso_utc(now)
    assert world.run().continued_full_sweep is None  # done once


def test_the_weekly_tick_beside_an_hourly_run_sweeps_within_the_hour_and_a_duplicate_tick_sweeps_once(
    world: ReconcileWorld,
) -> None:
    nested: list[dict[str, Any]] = []

    def weekly_tick(_: ReconcileReport) -> None:
        if not nested:
            nested.append(invoke({"mode": "full"}))

    hourly = world.run(on_page=weekly_tick)  # the weekly tick arrives while the hourly run holds the lock
    assert hourly.complete
    assert hourly.continued_full_sweep is None  # it read the states before the tick was skipped
    assert nested[0]["skipped"]
    assert "requestedAt" in world.store.get_reconciler_state("full")
    swept = world.run().continued_full_sweep
    assert swept is not None
    assert (swept.complete, swept.listed) == (True, FINAL_COUNT + OPEN_COUNT)

    nested.clear()
    assert world.run("full", on_page=weekly_tick).complete  # EventBridge delivered the weekly tick twice
    assert nested[0]["skipped"]
    assert "requestedAt" not in world.store.get_reconciler_state("full")  # the sweep that ran stands for both
    assert world.run().continued_full_sweep is None


def test_a_skipped_sweep_that_cannot_be_marked_due_fails_its_invocation(world: ReconcileWorld) -> None:
    now = datetime.now(UTC)
    assert world.store.take_reconciler_lock("a-backfill", iso_utc(now + timedelta(minutes=10)), iso_utc(now)) is None
    with ClientFaults() as faults:
        reconcile_services.cache_clear()  # the function's clients take the session's hooks when built
        faults.fail_next("dynamodb.UpdateItem", times=3)  # every attempt botocore makes
        with pytest.raises(StoreUnavailableError):  # ReconcilerErrors alarms: not silently left to next week
            invoke({"mode": "full"})
    reconcile_services.cache_clear()
    assert "requestedAt" not in world.store.get_reconciler_state("full")


def test_a_sweep_due_after_an_unfinished_one_starts_over(world: ReconcileWorld) -> None:
    paused = world.pause_full_sweep()
    assert (paused.complete, paused.listed) == (False, 200)
    world.store.request_reconciler_run("full", iso_utc(datetime.now(UTC) + timedelta(seconds=1)))

    swept = world.run().continued_full_sweep

    assert swept is not None
    assert (swept.complete, swept.listed) == (True, FINAL_COUNT + OPEN_COUNT)  # all of it, not the cursor's rest


def test_a_backfill_of_hidden_invitations_spends_one_list_per_page_and_reports_every_request(
    world: ReconcileWorld,
) -> None:
    """Expired and rejected invitations make most of a long history, and Get refuses them: the List
    summary the backfill holds is all there is, so finding it again would waste the partner's reads."""
    hidden = [
        dated(opportunity_invitation(n, catalog="Sandbox", status="EXPIRED"), world.now - timedelta(days=60, hours=n))
        for n in range(101, 111)
    ]
    seed(world.local_aws.emulator, None, "", [(response, "SENDER") for response in hidden])
    for response in hidden:
        world.local_aws.emulator.make_inaccessible("Sandbox", response["Id"])
    world.local_aws.emulator.calls.clear()

    response = invoke({"mode": "backfill", "catalogs": ["Sandbox"], "participantTypes": ["SENDER"]})

    assert (response["complete"], response["backfilled"], response["failed"]) == (True, 10, [])
    calls = world.local_aws.emulator.calls
    assert len([call for call in calls if call.operation == "ListEngagementInvitations"]) == 1  # the page itself
    assert response["partner_central_requests"] == len(calls) == 11  # 1 List + 10 Gets, all counted


def test_max_seconds_returns_early_with_the_cursor_stored_and_the_next_call_continues(world: ReconcileWorld) -> None:
    first = invoke({"mode": "backfill", "maxSeconds": 0.001})
    assert (first["complete"], first["list_calls"], first["listed"]) == (False, 1, 100)  # one page, then return
    cursor = world.store.get_reconciler_state("backfill")
    assert (cursor["pair"], bool(cursor["nextToken"])) == ("AWS#RECEIVER", True)

    second = invoke({"mode": "backfill", "maxSeconds": 0.001})
    [call] = world.local_aws.emulator.calls_to("ListEngagementInvitations")[-1:]
    assert call.params["NextToken"] == cursor["nextToken"]
    assert second["listed"] == 100

    restarted = invoke({"mode": "backfill", "maxSeconds": 0.001, "restart": True})
    [call] = world.local_aws.emulator.calls_to("ListEngagementInvitations")[-1:]
    assert "NextToken" not in call.params
    assert restarted["listed"] == 100


def test_backfill_covers_every_configured_pair_with_its_own_cursor_and_leaves_the_scheduled_state_alone(
    world: ReconcileWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each invocation stops between pages only: a page of 40 missing invitations takes ~4.4 s of Gets at
    # 9/s, so on a loaded machine the 5 s grace would stop one mid-page and list it again (by design,
    # tested in test_reconcile.py), and "no page twice" below would depend on the machine's load.
    monkeypatch.setattr("invitation_sync.reconcile.PAGE_GRACE_SECONDS", 600.0)
    assert invoke({"mode": "incremental"})["complete"]
    paused = world.pause_full_sweep()
    assert not paused.complete
    scheduled = {mode: world.store.get_reconciler_state(mode) for mode in ("incremental", "full")}
    assert scheduled["full"]["pair"] == "AWS#RECEIVER"

    responses = backfill_until_complete(world)

    assert len(responses) > 3  # it took several invocations
    assert sum(r["listed"] for r in responses) == TOTAL  # every pair from the start, no page twice
    assert sum(r["backfilled"] for r in responses) == SANDBOX_COUNT
    assert sum(r["unchanged"] for r in responses) == FINAL_COUNT + OPEN_COUNT
    assert {mode: world.store.get_reconciler_state(mode) for mode in ("incremental", "full")} == scheduled
    state = world.store.get_reconciler_state("backfill")
    assert "pair" not in state
    assert state["lastReport"]["complete"] is True


def test_a_dry_run_backfill_plans_and_writes_no_invitation(world: ReconcileWorld) -> None:
    before = items(world)
    responses = backfill_until_complete(world, dryRun=True)
    planned = [change for response in responses for change in response["planned"]]
    assert len(planned) == SANDBOX_COUNT
    assert {change["reason"] for change in planned} == {"missing"}
    assert world.gets() == 0
    assert world.local_aws.published() == []
    assert items(world) == before + 1  # its own cursor item, nothing else
    assert world.store.get_reconciler_state("backfill") == {}
