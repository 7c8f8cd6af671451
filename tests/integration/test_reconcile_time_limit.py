"""A reconcile run starts a step (a List page, a sync, a page of the PENDING query) only when the step's
worst case fits in Lambda's remaining time less SAFETY_SECONDS. What runs after the last step that passed
its check is bookkeeping that no step reserved time for: the run's final state, a carried-on sweep's
progress, the lock. These tests stop a run at every check in turn and count that bookkeeping, so the
margin is derived from the calls the code makes, not from a comment; any other call after that check
must belong to the step it admitted."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import boto3
import pytest

from invitation_sync.adapters.table_design import PARTITION_KEY, RECONCILER_PARTITION
from invitation_sync.budgets import AWS_CALL_WORST_CASE
from invitation_sync.handlers.reconcile_handler import SAFETY_SECONDS
from invitation_sync.reconcile import Budget, ReconcileReport
from local.samples import dated, opportunity_invitation
from local.seeding import seed
from tests.conftest import LocalAws
from tests.fixtures.iam import AwsCall, CallRecorder
from tests.fixtures.reconcile import ReconcileWorld, left_pending_by_a_crashed_writer, open_ids

pytestmark = pytest.mark.clock

PLENTY: Final = 10_000.0


def is_bookkeeping(call: AwsCall) -> bool:
    """A call no step's check reserved time for: one on the reconciler's own items (state, lock)."""
    key = call.params.get("Key") or call.params.get("Item") or {}
    return call.service == "dynamodb" and key.get(PARTITION_KEY) == {"S": RECONCILER_PARTITION}


@contextmanager
def query_pages_of_one_item() -> Iterator[None]:
    """Clients created inside get one item per Query page (Limit 1): the open set spans several pages, as
    it does past 1 MB."""
    events = boto3.DEFAULT_SESSION.events  # type: ignore[union-attr]  # CallRecorder made the session
    hook_id = "query-pages-of-one-item"
    events.register("provide-client-params.dynamodb.Query", _limit_one, unique_id=hook_id)
    try:
        yield
    finally:
        events.unregister("provide-client-params.dynamodb.Query", unique_id=hook_id)


def _limit_one(params: dict[str, Any], **_: Any) -> None:
    params.setdefault("Limit", 1)


def table_items(local_aws: LocalAws) -> dict[tuple[str, str], dict[str, Any]]:
    pages = local_aws.dynamodb.get_paginator("scan").paginate(TableName=local_aws.resources.table_name)
    return {(item["catalog"]["S"], item["id"]["S"]): item for page in pages for item in page["Items"]}


def restore(local_aws: LocalAws, items: dict[tuple[str, str], dict[str, Any]]) -> None:
    """The table exactly as `items` again: each cut-off run starts from the same state."""
    table = local_aws.resources.table_name
    for key, item in table_items(local_aws).items():
        if key not in items:
            local_aws.dynamodb.delete_item(TableName=table, Key={"catalog": item["catalog"], "id": item["id"]})
        elif item != items[key]:
            local_aws.dynamodb.put_item(TableName=table, Item=items[key])


@dataclass
class CutOff:
    """Lambda's remaining time as a run sees it: plenty for the first `allowed` checks, then none."""

    allowed: int
    calls: list[AwsCall]
    checked_at: list[int] = field(default_factory=list)  # how many calls had been sent at each check
    asked: list[float] = field(default_factory=list)  # the seconds each check asked for

    def __call__(self) -> float:
        self.checked_at.append(len(self.calls))
        return PLENTY if len(self.checked_at) <= self.allowed else 0.0

    @property
    def passed_all(self) -> bool:
        return len(self.checked_at) <= self.allowed

    def unchecked_queries(self) -> int:
        """Query calls not sent right after a check: a page of the PENDING query nobody budgeted."""
        return sum(1 for at, call in enumerate(self.calls) if call.operation == "Query" and at not in self.checked_at)

    def calls_after_the_last_pass(self) -> list[AwsCall]:
        """After the last check that passed; after the first check when none did (it saw what came before)."""
        return self.calls[self.checked_at[max(self.allowed, 1) - 1] :]

    def outside_the_last_step(self) -> list[AwsCall]:
        """Calls after the last passing check that are neither bookkeeping nor its step's: a query page's
        step is one Query; a List page's or a sync's never includes one; with no passing check, none."""
        tail = [call for call in self.calls_after_the_last_pass() if not is_bookkeeping(call)]
        if not self.allowed:
            return tail
        if self.asked[self.allowed - 1] == AWS_CALL_WORST_CASE:  # a page of the PENDING query
            return tail[1:] if tail[:1] and tail[0].operation == "Query" else tail
        return [call for call in tail if call.operation == "Query"]


@dataclass(frozen=True)
class RecordedBudget(Budget):
    """The reconciler's budget, noting what each check asked for in its cut-off."""

    cut_off: CutOff | None = None

    def allows(self, seconds: float) -> bool:
        assert self.cut_off is not None
        self.cut_off.asked.append(seconds)
        return super().allows(seconds)


def each_cut_off(world: ReconcileWorld, recorder: CallRecorder) -> tuple[list[CutOff], ReconcileReport]:
    """Run the same incremental run again and again, letting one more check pass each time, until a run
    passes every check: each run's cut-off, and the report of the run that passed them all."""
    start = table_items(world.local_aws)
    cut_offs: list[CutOff] = []
    while True:
        restore(world.local_aws, start)
        recorder.calls.clear()
        cut_off = CutOff(len(cut_offs), recorder.calls)
        report = world.run(budget=RecordedBudget(cut_off, cut_off=cut_off))
        cut_off.calls = list(cut_off.calls)  # the recorder's list is cleared for the next run
        cut_offs.append(cut_off)
        if cut_off.passed_all:
            return cut_offs, report


def repairs_to_make(world: ReconcileWorld) -> None:
    """A new invitation whose events were lost (a listed sync), one answered without an event (found
    unlisted) and a publish a crashed writer left pending."""
    local_aws = world.local_aws
    seed(local_aws.emulator, None, "", [(dated(opportunity_invitation(90_001), datetime.now(UTC)), "RECEIVER")])
    local_aws.emulator.update("AWS", open_ids()[0], Status="ACCEPTED")
    left_pending_by_a_crashed_writer(local_aws, open_ids()[1])


@pytest.mark.parametrize("scenario", ["nothing to repair", "repairs"])
def test_after_its_last_step_a_run_makes_no_more_calls_than_its_safety_margin_holds(
    local_aws: LocalAws, scenario: str
) -> None:
    with CallRecorder() as recorder, recorder.acting_as("ReconcilerFunction"), query_pages_of_one_item():
        world = ReconcileWorld.seeded(local_aws, final_count=6, open_count=4)  # a check per listed invitation
        world.run()  # the drift baseline
        world.store.request_reconciler_run("full", world.store.get_reconciler_state("incremental")["lastCompletedAt"])
        if scenario == "repairs":
            repairs_to_make(world)

        cut_offs, complete = each_cut_off(world, recorder)

    assert complete.complete
    assert complete.continued_full_sweep is not None  # the sweep's progress save is in the longest tail
    assert complete.continued_full_sweep.complete
    if scenario == "repairs":
        assert (complete.drift_repaired, complete.pending_published) == (2, 1)
    assert sum(call.operation == "Query" for call in cut_offs[-1].calls) > 2  # the open set in several pages
    assert [cut_off.unchecked_queries() for cut_off in cut_offs] == [0] * len(cut_offs)
    assert [cut_off.outside_the_last_step() for cut_off in cut_offs] == [[]] * len(cut_offs)
    tails = [sum(map(is_bookkeeping, cut_off.calls_after_the_last_pass())) for cut_off in cut_offs]
    assert max(tails) * AWS_CALL_WORST_CASE <= SAFETY_SECONDS
    if scenario == "nothing to repair":  # the longest tail: the last query page, then all three
        assert max(tails) * AWS_CALL_WORST_CASE == SAFETY_SECONDS
