"""PostgresStorage on a real server: its schema version, blobs in bounded rows, exact counters,
and cursor order under concurrent deposits (docs/RELAY.md, "Running with PostgreSQL")."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest

from sync.relay.storage import CARD_POOL, OPEN_POOL, Quotas
from sync.relay.storage_pg import PART_BYTES, SCHEMA_VERSION, PostgresStorage, PostgresStorageError

MAILBOX = "a" * 64
ROOMY = Quotas(10**9, 10**6, 10**10, 10**10, 10**10)


def test_the_schema_version_is_recorded_and_a_newer_one_refused(
    postgres_url: str, tmp_path: Path
) -> None:
    PostgresStorage(postgres_url).close()
    PostgresStorage(postgres_url).close()  # opening again migrates nothing
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        assert conn.execute("SELECT version FROM relay_schema").fetchall() == [(SCHEMA_VERSION,)]
        conn.execute("UPDATE relay_schema SET version = version + 1")
    with pytest.raises(PostgresStorageError, match="upgrade the relay"):
        PostgresStorage(postgres_url)
    done = subprocess.run(
        [sys.executable, "-m", "sync.relay.cli", "--db", postgres_url],
        capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1 and "upgrade the relay" in done.stderr


def test_an_unreachable_server_is_a_clear_error_at_start(tmp_path: Path) -> None:
    url = "postgresql://relay:s3cret@127.0.0.1:1/relay?connect_timeout=2"
    done = subprocess.run(
        [sys.executable, "-m", "sync.relay.cli", "--db", url],
        capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1 and "cannot open postgresql://relay:***@127.0.0.1:1" in done.stderr
    assert "s3cret" not in done.stderr and list(tmp_path.iterdir()) == []


def test_a_large_part_is_stored_in_bounded_rows(postgres_url: str) -> None:
    storage = PostgresStorage(postgres_url)
    try:
        data = bytes(range(256)) * (PART_BYTES * 5 // 2 // 256)
        storage.blob_append("b" * 64, 0, data, 10**10, ROOMY, MAILBOX)
        storage.blob_complete("b" * 64, len(data))
        with psycopg.connect(postgres_url) as conn:
            sizes = [r[0] for r in conn.execute("SELECT octet_length(data) FROM blob_parts")]
        assert len(sizes) == 3 and max(sizes) <= PART_BYTES and sum(sizes) == len(data)
        middle = PART_BYTES + 12345
        assert b"".join(storage.blob_chunks("b" * 64, middle)) == data[middle:]
        assert storage.usage()[CARD_POOL] == len(data)
    finally:
        storage.close()


def _counted(url: str) -> tuple[dict[str, int], dict[str, int]]:
    """(the counters, the sums of what is stored) per pool."""
    with psycopg.connect(url) as conn:
        counters: dict[str, int] = dict(
            conn.execute("SELECT pool, bytes FROM pool_usage").fetchall()
        )
        stored = dict.fromkeys((CARD_POOL, OPEN_POOL), 0)
        for pool, size in conn.execute(
            "SELECT pool, sum(octet_length(data)) FROM envelopes GROUP BY pool"
        ):
            stored[pool] += int(size)
        for owner, size in conn.execute(
            "SELECT b.mailbox, sum(octet_length(p.data)) FROM blob_parts p"
            " JOIN blobs b USING (blob_id) GROUP BY b.mailbox"
        ):
            stored[OPEN_POOL if owner is None else CARD_POOL] += int(size)
    return {k: int(v) for k, v in counters.items()}, stored


def test_counters_stay_exact_through_ack_wipe_and_sweep(postgres_url: str) -> None:
    storage = PostgresStorage(postgres_url)
    try:
        for n in range(30):
            pool = CARD_POOL if n % 2 else OPEN_POOL
            storage.deposit(f"{n % 3:064x}", [(f"{n:032x}", b"x" * (n + 1))], n, ROOMY, pool)
        storage.blob_append("c" * 64, 0, b"y" * 5000, 100, ROOMY, None)
        storage.acknowledge(f"{0:064x}", [f"{n:032x}" for n in range(0, 30, 3)], 10**6)
        storage.wipe(f"{1:064x}", 10**6)
        counters, stored = _counted(postgres_url)
        assert counters == stored and stored[OPEN_POOL] > 0
        assert storage.sweep(1000, envelope_ttl=985) == 5  # the 5 left deposited before 15
        counters, stored = _counted(postgres_url)
        assert counters == stored and stored[OPEN_POOL] == sum(
            n + 1 for n in range(15, 30) if n % 3 == 2 and n % 2 == 0
        )
    finally:
        storage.close()


def test_concurrent_deposits_to_one_mailbox_never_slip_behind_a_reader(postgres_url: str) -> None:
    """A fetch that has moved its cursor past an envelope must never see an earlier cursor
    commit later: each page-by-cursor reader gets every envelope exactly once."""
    storage = PostgresStorage(postgres_url, pool_size=10)
    writers, each = 6, 40
    done = threading.Event()
    seen: list[str] = []

    def write(number: int) -> None:
        for n in range(each):
            storage.deposit(MAILBOX, [(f"{number:08x}{n:024x}", b"z")], 1, ROOMY)

    def read() -> None:
        after = 0
        while True:
            finished = done.is_set()
            page, _more = storage.fetch(MAILBOX, after, 7)
            seen.extend(e.envelope_id for e in page)
            after = page[-1].cursor if page else after
            if finished and not page:
                return

    try:
        reader = threading.Thread(target=read)
        reader.start()
        threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        done.set()
        reader.join(timeout=60)
        assert sorted(seen) == sorted(
            f"{w:08x}{n:024x}" for w in range(writers) for n in range(each)
        )
    finally:
        storage.close()


def test_rate_limits_the_database_cannot_check_refuse_with_503_not_500(
    postgres_url: str,
) -> None:
    """The limiters' database failing under a running relay: every request, health included,
    is refused as "database unavailable" (fail closed), the answer /v1/health documents."""
    from sync.relay.app import build_app
    from sync.relay.ratelimit_pg import SharedBuckets
    from tests.relay.asgi_call import call

    storage = PostgresStorage(postgres_url)
    buckets = SharedBuckets(postgres_url)
    try:
        app = build_app(storage, limiters=buckets.limiter)
        assert call(app, "/v1/health")[0] == 200
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute("DROP FUNCTION relay_rate_take")  # the limiters' query now fails
        status, body = call(app, "/v1/health")
        assert status == 503 and b"database unavailable" in body
    finally:
        buckets.close()
        storage.close()
