"""Token buckets in PostgreSQL, so that a limit holds across every relay process on one
database (ADR 0022). The same rule as :class:`sync.relay.ratelimit.RateLimiter`: ``per_minute``
requests per key, bursts of the same size.

Each check is one call of ``relay_rate_take`` (created with ``rate_buckets`` by the storage's
schema), which locks the key's row while it refills and takes a token: atomic across
processes. A row that has refilled is the same as no row: the sweeper deletes rows past
``full_at``, so the table holds only the keys seen within the last minute or so.

The app makes these checks in its thread pool (``blocking``), never on the event loop; the
limiters of a process share a small pool of connections of their own, so storage transactions
holding every storage connection never hold up a rate check.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from sync.relay.ratelimit import Limiter

CHECK = "SELECT relay_rate_take(%(key)s, %(cap)s, %(rate)s, %(now)s)"
LIMITER_POOL_SIZE = 4
BLOCKED = (
    "SELECT least(%(cap)s, tokens + greatest(0, %(now)s - stamp) * %(rate)s)"
    " FROM rate_buckets WHERE key = %(key)s"
)


class SharedBuckets:
    """The limiters of one relay process, on a small connection pool of their own."""

    def __init__(
        self, url: str, clock: Callable[[], float] = time.time, pool_size: int = LIMITER_POOL_SIZE
    ) -> None:
        self._clock = clock
        self._pool: ConnectionPool[psycopg.Connection[tuple[Any, ...]]] = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            timeout=10.0,
            kwargs={"autocommit": True},
            configure=_configure,
            open=True,
        )

    def limiter(self, name: str, per_minute: int) -> Limiter:
        return SharedRateLimiter(self, name, per_minute)

    def run(self, query: str, params: dict[str, object]) -> tuple[Any, ...] | None:
        with self._pool.connection() as conn:
            return conn.execute(query, {**params, "now": self._clock()}).fetchone()

    def close(self) -> None:
        self._pool.close()


def _configure(conn: psycopg.Connection[tuple[Any, ...]]) -> None:
    conn.execute("SET statement_timeout = '5s'")  # a request waits for its check: never long


class SharedRateLimiter:
    """A :class:`~sync.relay.ratelimit.Limiter` whose buckets are rows named ``name:key``."""

    blocking = True  # the app checks in its thread pool

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
