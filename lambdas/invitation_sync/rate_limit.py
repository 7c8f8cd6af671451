"""A client-side cap on request rate: at most `rate` requests in any one-second window."""

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any


def burst(rate: float) -> int:
    """How many sends a limiter at `rate` lets start in any one-second window (one below one per second)."""
    return max(1, math.floor(rate))


class RateLimiter:
    """Sliding log: before a request, wait until the oldest of the last `capacity` sends left the window.

    Installed on a botocore client's `before-send` event it paces every HTTP attempt, botocore's
    retries included, which a limiter around our own calls would miss.
    """

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        margin: float = 0.05,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        # At most floor(rate) sends per second (at least one per 1/rate seconds below one per second):
        # strict in every one-second window, with a margin so arrival times stay inside it too.
        self.capacity = burst(rate)
        self.window = max(1.0, 1 / rate) + margin
        self._sent: deque[float] = deque()
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self.waited = 0.0
        self.sent = 0  # every HTTP attempt paced here: what the partner's read quota counts

    @property
    def longest_wait(self) -> float:
        """The most one request can wait here: one window (the budgets count it per attempt)."""
        return self.window

    def acquire(self) -> None:
        with self._lock:
            if len(self._sent) >= self.capacity:
                wait = self._sent[0] + self.window - self._clock()
                if wait > 0:
                    self.waited += wait
                    self._sleep(wait)
                self._sent.popleft()
            self._sent.append(self._clock())
            self.sent += 1

    def hold(self) -> None:
        """Wait until the window of the latest send has closed: afterwards no send of ours can share a
        window with a send made by someone who starts now with an empty log."""
        with self._lock:
            latest = self._sent[-1] if self._sent else None
        if latest is not None and (wait := latest + self.window - self._clock()) > 0:
            self.waited += wait
            self._sleep(wait)

    def install(self, client: Any) -> None:
        service = client.meta.service_model.endpoint_prefix

        def pace(**_: Any) -> None:
            self.acquire()

        client.meta.events.register(f"before-send.{service}", pace)
