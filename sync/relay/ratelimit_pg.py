"""Token buckets in PostgreSQL, so that a limit holds across every relay process on one
database (ADR 0022). The same rule as :class:`sync.relay.ratelimit.RateLimiter`: ``per_minute``
requests per key, bursts of the same size.

Each check is one call of ``relay_rate_take`` (created with ``rate_buckets`` by the storage's
schema), which locks the key's row while it refills and takes a token: atomic across
processes. A row that has refilled is the same as no row: the sweeper deletes rows past
``full_at``, so the table holds only the keys seen within the last minute or so.

The app calls limiters on its event loop; they share one dedicated connection (never one of
the storage pool's, which request threads may all hold), so a check waits for nothing but its
own round trip.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg

from sync.relay.ratelimit import Limiter

CHECK = "SELECT relay_rate_take(%(key)s, %(cap)s, %(rate)s, %(now)s)"
BLOCKED = (
    "SELECT least(%(cap)s, tokens + greatest(0, %(now)s - stamp) * %(rate)s)"
    " FROM rate_buckets WHERE key = %(key)s"
)


class SharedBuckets:
    """The limiters of one relay process, on one connection of their own."""

    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        self._url = url
        self._clock = clock
        self._lock = threading.Lock()
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None

    def limiter(self, name: str, per_minute: int) -> Limiter:
        return SharedRateLimiter(self, name, per_minute)

    def run(self, query: str, params: dict[str, object]) -> tuple[Any, ...] | None:
        params = {**params, "now": self._clock()}
        with self._lock:
            for attempt in (1, 2):  # a connection lost since the last check: one new try
                if self._conn is None or self._conn.closed:
                    self._conn = psycopg.connect(self._url, autocommit=True, connect_timeout=10)
                    # The event loop waits for each check: never for long.
                    self._conn.execute("SET statement_timeout = '5s'")
                try:
                    return self._conn.execute(query, params).fetchone()
                except psycopg.OperationalError:
                    self._conn.close()
                    if attempt == 2:
                        raise
        return None  # not reached

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()


class SharedRateLimiter:
    """A :class:`~sync.relay.ratelimit.Limiter` whose buckets are rows named ``name:key``."""

    def __init__(self, buckets: SharedBuckets, name: str, per_minute: int) -> None:
        self._buckets = buckets
        self._name = name
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0

    def _params(self, key: str) -> dict[str, object]:
        return {"key": f"{self._name}:{key}", "cap": self.capacity, "rate": self.rate}

    def check(self, key: str) -> float:
        row = self._buckets.run(CHECK, self._params(key))
        return 0.0 if row is None else float(row[0])

    def blocked(self, key: str) -> float:
        row = self._buckets.run(BLOCKED, self._params(key))
        tokens = self.capacity if row is None else float(row[0])
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate
