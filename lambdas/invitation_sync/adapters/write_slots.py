"""Partner Central's write quota, held across every concurrent invocation: a write slot per call in DynamoDB.

Time is cut into slots of `width` seconds, numbered from the epoch. A write call is sent only by the holder
of its slot (a conditional PutItem: one holder per slot, whoever the caller), and only within the first
`SEND_WINDOW` seconds of it; a holder that comes too late gives its slot up and claims a later one. Two
write calls are therefore at least `width - SEND_WINDOW` = 1/rate + `MARGIN` seconds apart, in whichever
execution environments they run: at most `rate` in any one second. Calendar-second slots would not do:
two calls at 10.99 s and 11.01 s hold two seconds' slots and are 20 ms apart. Reserved concurrency is no
option either (a new account's quota of 10 leaves nothing to reserve), nor a per-environment limiter.
"""

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from botocore.exceptions import BotoCoreError, ClientError

from invitation_sync.adapters.store import _refused
from invitation_sync.adapters.table_design import SORT_KEY, TIME_TO_LIVE_ATTRIBUTE, write_slot_key
from invitation_sync.errors import WriteQuotaBusyError
from invitation_sync.observability import tracer

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SEND_WINDOW: Final = 0.25  # seconds into its slot a holder may still send (clock reads, a PutItem's latency)
MARGIN: Final = 0.1  # beyond 1/rate between two sends: clock skew between hosts, network jitter
KEEP_SECONDS: Final = 300  # time to live of a slot item once its slot has passed (deletion may lag hours)


class WriteSlots:
    def __init__(
        self,
        client: "DynamoDBClient",
        table_name: str,
        rate: float,
        *,
        longest_wait: float,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`rate`: write calls per second for every caller together. `clock` is wall-clock epoch seconds:
        the slots are shared by hosts whose clocks agree to the millisecond (Amazon Time Sync), not by their
        monotonic clocks. A slot is looked for for at most `longest_wait` seconds."""
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        self.width = 1 / rate + MARGIN + SEND_WINDOW
        self.longest_wait = longest_wait
        self._client = client
        self._table = table_name
        self._clock = clock
        self._sleep = sleep
        self.claimed = 0  # slots this instance held and sent in (one per write call, retries included)

    @tracer.capture_method(capture_response=False)
    def acquire(self) -> None:
        """Return at the start of a slot this caller holds alone: send the write call now. Raises
        WriteQuotaBusyError when no slot could be had within `longest_wait` (other callers hold them)."""
        give_up_at = self._clock() + self.longest_wait
        candidate = 0
        while (now := self._clock()) < give_up_at:
            current = math.floor(now / self.width)
            # The current slot only while its send window is open; slots already tried are never tried again.
            slot = max(candidate, current if now < current * self.width + SEND_WINDOW else current + 1)
            if slot * self.width > give_up_at:
                break  # every slot until then is held: one further on would outwait longest_wait
            candidate = slot + 1
            if not self._claim(slot):
                continue
            if (wait := slot * self.width - self._clock()) > 0:
                self._sleep(wait)
            if self._clock() < slot * self.width + SEND_WINDOW:
                self.claimed += 1
                return
            # Too late for its window (a slow claim, a paused host): the slot stays unused.
        raise WriteQuotaBusyError(f"no Partner Central write slot free within {self.longest_wait:g} s")

    def _claim(self, slot: int) -> bool:
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    **write_slot_key(slot),
                    TIME_TO_LIVE_ATTRIBUTE: {"N": str(math.ceil((slot + 1) * self.width) + KEEP_SECONDS)},
                },
                ConditionExpression=f"attribute_not_exists({SORT_KEY})",
            )
        except (ClientError, BotoCoreError) as error:
            _refused(error, "PutItem")  # raises unless the slot was taken
            return False
        return True
