"""Exponential backoff with jitter, and a wakeable wait.

Fast first retries (half a second, then one, two…), capped at a few minutes, with
"equal jitter" so many clients that lost the same relay do not return in step.
A relay's ``Retry-After`` is a floor, never shortened by jitter. :class:`Waker`
lets another thread (a new message queued, the OS saying the network is back)
end a wait at once, so a queue never stays stuck until a restart.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class BackoffPolicy:
    initial: float = 0.5
    factor: float = 2.0
    cap: float = 300.0

    def base_delay(self, failures: int) -> float:
        """The delay before jitter after ``failures`` consecutive failures (>= 1)."""
        exponent = max(failures - 1, 0)
        # Bound the exponent so huge failure counts cannot overflow.
        return float(min(self.cap, self.initial * self.factor ** min(exponent, 64)))


#: Probing an unreachable relay is cheap: retry sooner than after a real failure.
PROBE_POLICY = BackoffPolicy(initial=0.5, factor=2.0, cap=30.0)


#: One blob that cannot be fetched is retried on its own, from half a minute up to an hour.
TRANSFER_POLICY = BackoffPolicy(initial=30.0, factor=2.0, cap=3600.0)


def transfer_retry_delay(
    failures: int, retry_after: float | None = None, rng: random.Random | None = None
) -> float:
    """Seconds before retrying a transfer that failed ``failures`` times in a row."""
    base = TRANSFER_POLICY.base_delay(failures)
    delay = base / 2 + (rng or random).uniform(0, base / 2)
    return delay if retry_after is None else max(delay, retry_after)


class Backoff:
    """Counts consecutive failures and hands out the next delay."""

    def __init__(
        self, policy: BackoffPolicy | None = None, rng: random.Random | None = None
    ) -> None:
        self.policy = policy or BackoffPolicy()
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrecy
        self.failures = 0

    def next_delay(self, retry_after: float | None = None) -> float:
        """Record one more failure and return how long to wait before the next attempt."""
        self.failures += 1
        base = self.policy.base_delay(self.failures)
        delay = base / 2 + self._rng.uniform(0, base / 2)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    def reset(self) -> None:
        self.failures = 0


class Waker:
    """A wait that another thread can cut short with :meth:`wake` (or end with :meth:`stop`)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._stopped = threading.Event()

    def wake(self) -> None:
        self._event.set()

    def stop(self) -> None:
        self._stopped.set()
        self._event.set()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when woken early (or stopped)."""
        woken = self._event.wait(timeout=max(seconds, 0.0))
        self._event.clear()
        if self._stopped.is_set():
            self._event.set()  # stay stopped for every later wait
        return woken
