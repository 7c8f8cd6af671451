"""One clock for the answer use case, its write slots and the Partner Central emulator: real time sped up,
so concurrent threads stay ordered as they would be in AWS while a run waits a fraction of the seconds."""

import time
from datetime import UTC, datetime


class SpedUpClock:
    """Epoch seconds running `speed` times faster than real time from now on; `jump` moves it ahead."""

    def __init__(self, speed: float = 2.0) -> None:
        self.speed = speed
        self._start, self._real = time.time(), time.monotonic()
        self._jumped = 0.0

    def time(self) -> float:
        return self._start + (time.monotonic() - self._real) * self.speed + self._jumped

    def sleep(self, seconds: float) -> None:
        time.sleep(max(seconds, 0) / self.speed)

    def jump(self, seconds: float) -> None:
        self._jumped += seconds

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)
