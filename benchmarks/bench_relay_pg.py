"""The relay on PostgreSQL against the SQLite relay, and two processes against one.

The same load as ``bench_relay`` (eight client threads; one 2 KiB envelope per deposit, signed
fetches of a 50-envelope page), in the same run:

- ``relay_pg_deposit`` / ``relay_pg_fetch``: one relay process on PostgreSQL against one on
  SQLite (target >= 0.7);
- ``relay_pg_deposit_2proc`` / ``relay_pg_fetch_2proc``: ``--workers 2`` on PostgreSQL against
  one process (reported: the client threads, both workers and the server share the machine's
  cores, so on two cores the ratio shows contention more than scaling).

The PostgreSQL server is a throwaway one (tests/pg_server.py) with fsync on, as durable as the
SQLite relay's ``synchronous = FULL``.
"""

from __future__ import annotations

import base64
import os
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.bench_relay import THREADS, _load
from benchmarks.common import row, scaled
from tests.pg_server import PostgresServer
from tests.relay.signer import MailboxOwner
from tests.relay_server import RelayProcess

UNLIMITED = ("--rate-per-client-per-minute", "100000000",
             "--rate-per-mailbox-per-minute", "100000000",
             "--mailbox-quota-count", "100000000")  # fmt: skip


def _throughput(db: Path | str, log: Path, count: int, *extra: str) -> tuple[float, float]:
    """(deposits per second, fetches per second) of a relay on ``db``."""
    payload = base64.b64encode(os.urandom(2048)).decode()
    relay = RelayProcess(db, *UNLIMITED, *extra, log=log).start()
    try:
        owner = MailboxOwner(relay.url)
        deposit_url = f"{relay.url}/v1/mailboxes/{owner.mailbox}/envelopes"

        def envelope(_index: str) -> dict[str, Any]:
            return {"envelopes": [{"id": os.urandom(16).hex(), "data": payload}]}

        deposits = _load(lambda _i: deposit_url, count, body=envelope)
        path = f"/v1/mailboxes/{owner.mailbox}/envelopes?after=0&limit=50"
        fetches = _load(lambda _i: relay.url + path, count, method="GET",
                        headers_for=lambda _i: owner.headers("GET", path, b""))  # fmt: skip
        return deposits, fetches
    finally:
        relay.stop()


def run() -> list[dict[str, Any]]:
    count = scaled(2000, 200)
    server = PostgresServer(fsync=True).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            sqlite = _throughput(root / "relay.db", root / "sqlite.log", count)
            one = _throughput(server.create_database(), root / "pg1.log", count)
            two = _throughput(server.create_database(), root / "pg2.log", count, "--workers", "2")
    finally:
        server.stop()
    reported = f"reported ({THREADS} client threads and the server on the same cores)"
    return [
        row("relay_pg_deposit", one[0], "req/s", sqlite[0], target="ratio >= 0.7",
            lower_is_better=False),
        row("relay_pg_fetch", one[1], "req/s", sqlite[1], target="ratio >= 0.7",
            lower_is_better=False),
        row("relay_pg_deposit_2proc", two[0], "req/s", one[0], target=reported,
            lower_is_better=False),
        row("relay_pg_fetch_2proc", two[1], "req/s", one[1], target=reported,
            lower_is_better=False),
    ]  # fmt: skip
