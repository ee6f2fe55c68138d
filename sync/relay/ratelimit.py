"""Token buckets per client address and per mailbox, in memory (reset on restart)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from starlette.concurrency import run_in_threadpool


class Limiter(Protocol):
    """What the app asks of a rate limiter (this in-memory one, or sync/relay/ratelimit_pg.py)."""

    #: Whether a check waits on a database: the app then makes it in its thread pool, never on
    #: the event loop.
    blocking: bool

    def check(self, key: str) -> float:
        """0 when allowed (and counted); otherwise the seconds to wait."""
        ...

    def blocked(self, key: str) -> float:
        """Like :meth:`check` but counts nothing: 0 when a request would be allowed."""
        ...


#: Makes the limiter ``name`` ("client", "refused", "target", "owner") of ``per_minute``.
LimiterFactory = Callable[[str, int], Limiter]


async def ask(limiter: Limiter, key: str, *, count: bool = True) -> float:
    """``limiter.check(key)`` (or ``blocked`` when not ``count``), off the event loop when it
    waits on a database."""
    call = limiter.check if count else limiter.blocked
    return await run_in_threadpool(call, key) if limiter.blocking else call(key)


def in_memory(name: str, per_minute: int) -> Limiter:
    """The default: buckets in this process's memory (one relay process per database)."""
    return RateLimiter(per_minute)


class RateLimiter:
    """Allows ``per_minute`` requests per key with bursts of the same size.

    Memory is bounded by ``max_keys`` buckets. A bucket that has refilled is the same as no
    bucket, so the least recently used refilled ones make room; a bucket still refilling is
    never dropped (dropping it would hand its key a fresh allowance). When every tracked bucket
    is still refilling, keys not tracked share one overflow bucket until room frees up, so a
    flood of fresh keys slows itself down and resets nobody.
    """

    blocking = False

    def __init__(
        self, per_minute: int, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000
    ) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # oldest first
        self._overflow: tuple[float, float] | None = None
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def __len__(self) -> int:
        return len(self._buckets)

    def blocked(self, key: str) -> float:
        """Like :meth:`check` but counts nothing: 0 when a request would be allowed."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None and len(self._buckets) >= self._max_keys:
                bucket = self._overflow
        tokens = self._refilled(bucket, now)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def check(self, key: str) -> float:
        """0 when allowed (and counted); otherwise the seconds to wait."""
        now = self._clock()
        with self._lock:
            overflow = key not in self._buckets and not self._make_room(now)
            bucket = self._overflow if overflow else self._buckets.get(key)
            tokens = self._refilled(bucket, now)
            allowed = tokens >= 1.0
            state = (tokens - 1.0 if allowed else tokens, now)
            if overflow:
                self._overflow = state
            else:
                self._buckets[key] = state
                self._buckets.move_to_end(key)
        return 0.0 if allowed else (1.0 - tokens) / self.rate

    def _refilled(self, bucket: tuple[float, float] | None, now: float) -> float:
        if bucket is None:
            return self.capacity
        tokens, stamp = bucket
        return min(self.capacity, tokens + (now - stamp) * self.rate)

    def _make_room(self, now: float) -> bool:
        """Drops refilled buckets, least recently used first, until one more key fits."""
        while len(self._buckets) >= self._max_keys:
            oldest, bucket = next(iter(self._buckets.items()))
            if self._refilled(bucket, now) < self.capacity:
                # Touched within the last minute: so was every bucket, a flood is under way.
                return False
            del self._buckets[oldest]
        return True
