"""The relay killed (SIGKILL) in the middle of a receiving client's batch, then restarted."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import psycopg
import pytest

from tests.faults import report
from tests.faults.clients import mail_of, processes, sync_process
from tests.relay.conftest import ENGINES
from tests.sync.conftest import start_relay
from tests.sync.profiles import create_profiles

BACKLOG = 300


def _waiting_on_relay(db: Path | str, mailbox: str | None = None) -> int:
    sql, params = "SELECT count(*) FROM envelopes", tuple[str, ...]()
    if mailbox is not None:
        sql, params = sql + " WHERE mailbox = ?", (mailbox,)
    if isinstance(db, str):  # a PostgreSQL database
        with psycopg.connect(db) as pg:
            row = pg.execute(sql.replace("?", "%s"), params).fetchone()
            return 0 if row is None else int(row[0])
    with sqlite3.connect(db, timeout=10) as conn:
        return int(conn.execute(sql, params).fetchone()[0])


@pytest.fixture(params=ENGINES)
def relay_db(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    if request.param == "sqlite":
        return tmp_path / "relay.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.mark.faults
def test_relay_killed_and_restarted_mid_sync(tmp_path: Path, relay_db: Path | str) -> None:
    stats = report.scenario("relay SIGKILL mid-batch")
    relay = start_relay(relay_db)
    try:
        amina, boris = create_profiles(tmp_path, 2, relay.url)
        texts = {f"backlog {n}" for n in range(BACKLOG)}
        with amina.db_transaction() as room:
            for text in sorted(texts):
                room.messenger.send_text(boris.name, text)
        for peer in (amina, boris):
            peer.close()
        with processes() as running:
            running.append(sync_process(amina))
            assert running[0].wait(timeout=120) == 0
        assert _waiting_on_relay(relay.db) == len(texts)
        with processes() as running:
            running.append(sync_process(boris))
            deadline = time.monotonic() + 60
            while _waiting_on_relay(relay.db) == len(texts):  # the first batch acknowledged
                assert running[0].poll() is None, "the backlog should take more than one batch"
                assert time.monotonic() < deadline
                time.sleep(0.005)
            relay.kill()  # SIGKILL mid-sync: no shutdown handlers
            stats.kills += 1
            running[0].wait(timeout=60)
        assert _waiting_on_relay(relay.db) > 0, "the kill should land before the backlog drained"
        relay = start_relay(relay_db, port=relay.port)
        with processes() as running:
            running.append(sync_process(boris))
            assert running[0].wait(timeout=120) == 0
        stats.rounds += 1
        lost, duplicated = stats.reconcile(texts, mail_of(boris).incoming)
        assert (lost, duplicated) == (0, 0)
        assert _waiting_on_relay(relay.db, boris.mailbox_id) == 0, "all acknowledged"
    finally:
        relay.stop()
