"""The write slots' wait is bounded: a caller never claims (and so never waits for) a slot that starts after it
would have given up, whatever other callers hold. A fake clock that moves only when the limiter sleeps."""

import math

import boto3
import pytest

from invitation_sync.adapters.table_design import write_slot_key
from invitation_sync.adapters.write_slots import WriteSlots
from invitation_sync.errors import WriteQuotaBusyError
from tests.conftest import LocalAws


class StoppedClock:
    """Epoch seconds that move only by the sleeps of the code under test."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.slept = 0.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


def test_no_slot_starting_after_the_longest_wait_is_claimed(local_aws: LocalAws) -> None:
    table = local_aws.resources.table_name
    clock = StoppedClock(1_800_000_000.0)
    slots = WriteSlots(boto3.client("dynamodb"), table, 1.0, longest_wait=10.0, clock=clock.time, sleep=clock.sleep)
    first = math.floor(clock.now / slots.width)
    for slot in range(first, first + 30):  # other callers hold every slot of the next ~40 s
        boto3.client("dynamodb").put_item(TableName=table, Item=write_slot_key(slot))

    with pytest.raises(WriteQuotaBusyError):
        slots.acquire()

    assert clock.slept <= slots.longest_wait
    assert slots.claimed == 0
    held = boto3.client("dynamodb").query(
        TableName=table,
        KeyConditionExpression="#pk = :slots",
        ExpressionAttributeNames={"#pk": next(iter(write_slot_key(0)))},
        ExpressionAttributeValues={":slots": next(iter(write_slot_key(0).values()))},
    )["Items"]
    assert len(held) == 30  # none claimed beyond them


def test_a_free_slot_within_the_longest_wait_is_claimed_and_waited_for(local_aws: LocalAws) -> None:
    table = local_aws.resources.table_name
    clock = StoppedClock(1_800_000_000.0)
    slots = WriteSlots(boto3.client("dynamodb"), table, 1.0, longest_wait=10.0, clock=clock.time, sleep=clock.sleep)
    first = math.floor(clock.now / slots.width)
    for slot in range(first, first + 3):
        boto3.client("dynamodb").put_item(TableName=table, Item=write_slot_key(slot))

    slots.acquire()

    assert slots.claimed == 1
    assert clock.now == pytest.approx((first + 3) * slots.width)
    assert clock.slept <= slots.longest_wait
