"""The rate limiter, on a simulated clock: never more than the cap in any one-second window."""

import itertools

import pytest

from invitation_sync.rate_limit import RateLimiter


class SimulatedTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def max_in_any_window(times: list[float], window: float = 1.0) -> int:
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


@pytest.mark.parametrize("rate", [1, 2.5, 5, 9])
def test_no_one_second_window_holds_more_than_the_cap(rate: float) -> None:
    time = SimulatedTime()
    limiter = RateLimiter(rate, clock=time.clock, sleep=time.sleep)
    sent = []
    for _ in range(60):
        limiter.acquire()
        sent.append(time.now)
    assert max_in_any_window(sent) <= rate
    assert len(sent) / sent[-1] >= int(rate) * 0.9  # and it does not crawl


def test_idle_time_is_not_banked() -> None:
    time = SimulatedTime()
    limiter = RateLimiter(5, clock=time.clock, sleep=time.sleep)
    for _ in range(5):
        limiter.acquire()
    time.now += 10
    sent = []
    for _ in range(12):
        limiter.acquire()
        sent.append(time.now)
    assert max_in_any_window(sent) <= 5
    assert all(b >= a for a, b in itertools.pairwise(sent))


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="rate must be positive"):
        RateLimiter(0)
