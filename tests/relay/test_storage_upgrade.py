"""A relay database of schema version 1 is upgraded in place: nothing lost, counters right."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sync.relay.storage import (
    CARD_POOL,
    OPEN_POOL,
    SCHEMA_VERSION,
    QuotaExceededError,
    Quotas,
    SQLiteStorage,
)

#: The version 1 tables and triggers as they were released (sync/relay/storage.py, version 1).
V1_SCHEMA = """
CREATE TABLE envelopes (cursor INTEGER PRIMARY KEY AUTOINCREMENT, mailbox TEXT NOT NULL,
    envelope_id TEXT NOT NULL, data BLOB NOT NULL, received_at INTEGER NOT NULL,
    UNIQUE (mailbox, envelope_id));
CREATE TABLE tombstones (mailbox TEXT NOT NULL, envelope_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL, PRIMARY KEY (mailbox, envelope_id)) WITHOUT ROWID;
CREATE TABLE nonces (mailbox TEXT NOT NULL, nonce TEXT NOT NULL, expires_at INTEGER NOT NULL,
    PRIMARY KEY (mailbox, nonce)) WITHOUT ROWID;
CREATE TABLE blobs (blob_id TEXT PRIMARY KEY, size INTEGER NOT NULL, total INTEGER,
    complete INTEGER NOT NULL DEFAULT 0, expires_at INTEGER NOT NULL);
CREATE TABLE blob_parts (blob_id TEXT NOT NULL, offset INTEGER NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (blob_id, offset)) WITHOUT ROWID;
CREATE TABLE mailbox_usage (mailbox TEXT PRIMARY KEY, count INTEGER NOT NULL,
    bytes INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE relay_usage (id INTEGER PRIMARY KEY CHECK (id = 1), bytes INTEGER NOT NULL);
CREATE TRIGGER envelope_added AFTER INSERT ON envelopes BEGIN
    INSERT INTO mailbox_usage (mailbox, count, bytes) VALUES (new.mailbox, 1, length(new.data))
        ON CONFLICT (mailbox) DO UPDATE SET count = count + 1, bytes = bytes + excluded.bytes;
    UPDATE relay_usage SET bytes = bytes + length(new.data);
END;
CREATE TRIGGER envelope_removed AFTER DELETE ON envelopes BEGIN
    UPDATE mailbox_usage SET count = count - 1, bytes = bytes - length(old.data)
        WHERE mailbox = old.mailbox;
    DELETE FROM mailbox_usage WHERE mailbox = old.mailbox AND count <= 0;
    UPDATE relay_usage SET bytes = bytes - length(old.data);
END;
CREATE TRIGGER blob_part_removed AFTER DELETE ON blob_parts BEGIN
    UPDATE relay_usage SET bytes = bytes - length(old.data);
END;
CREATE TRIGGER blob_part_added AFTER INSERT ON blob_parts BEGIN
    UPDATE relay_usage SET bytes = bytes + length(new.data);
END;
INSERT INTO relay_usage (id, bytes) VALUES (1, 0);
PRAGMA user_version = 1;
"""


def test_a_version_1_database_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "relay.db"
    old = sqlite3.connect(path)
    old.executescript(V1_SCHEMA)
    old.execute(
        "INSERT INTO envelopes (mailbox, envelope_id, data, received_at) VALUES (?, ?, ?, 1)",
        ("a" * 64, "1" * 32, b"x" * 300),
    )
    old.execute("INSERT INTO blobs (blob_id, size, expires_at) VALUES (?, 200, 9999999999)",
                ("b" * 64,))  # fmt: skip
    old.execute("INSERT INTO blob_parts VALUES (?, 0, ?)", ("b" * 64, b"y" * 200))
    old.commit()
    old.close()

    storage = SQLiteStorage(path)
    try:
        envelopes, _more = storage.fetch("a" * 64, 0, 10)
        assert [e.data for e in envelopes] == [b"x" * 300]
        assert b"".join(storage.blob_chunks("b" * 64, 0)) == b"y" * 200
        usage = dict(storage._read.execute("SELECT pool, bytes FROM pool_usage").fetchall())
        assert usage == {OPEN_POOL: 500, CARD_POOL: 0}  # what v1 held came without a token
        quotas = Quotas(10_000, 100, relay_bytes=1000, open_bytes=600, mailbox_blob_bytes=1000)
        with pytest.raises(QuotaExceededError) as full:  # the old contents count in the open pool
            storage.deposit("c" * 64, [("2" * 32, b"z" * 200)], 2, quotas)
        assert full.value.scope == "open"
        storage.deposit("c" * 64, [("2" * 32, b"z" * 200)], 2, quotas, CARD_POOL)
        names = {r[0] for r in storage._read.execute("SELECT name FROM sqlite_master")}
        assert "relay_usage" not in names and {"verifiers", "mailboxes"} <= names
        assert storage._read.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        storage.close()
    SQLiteStorage(path).close()  # opening again changes nothing


#: Version 2 counted a mailbox's envelopes of both pools together (sync/relay/storage.py, v2).
V2_MAILBOX_USAGE = """
DROP TRIGGER envelope_stored;
DROP TRIGGER envelope_deleted;
DROP TABLE mailbox_usage;
ALTER TABLE mailboxes DROP COLUMN tokenless_ended;
CREATE TABLE mailbox_usage (mailbox TEXT PRIMARY KEY, count INTEGER NOT NULL,
    bytes INTEGER NOT NULL) WITHOUT ROWID;
CREATE TRIGGER envelope_stored AFTER INSERT ON envelopes BEGIN
    INSERT INTO mailbox_usage (mailbox, count, bytes) VALUES (new.mailbox, 1, length(new.data))
        ON CONFLICT (mailbox) DO UPDATE SET count = count + 1, bytes = bytes + excluded.bytes;
    UPDATE pool_usage SET bytes = bytes + length(new.data) WHERE pool = new.pool;
END;
CREATE TRIGGER envelope_deleted AFTER DELETE ON envelopes BEGIN
    UPDATE mailbox_usage SET count = count - 1, bytes = bytes - length(old.data)
        WHERE mailbox = old.mailbox;
    DELETE FROM mailbox_usage WHERE mailbox = old.mailbox AND count <= 0;
    UPDATE pool_usage SET bytes = bytes - length(old.data) WHERE pool = old.pool;
END;
PRAGMA user_version = 2;
"""


def test_a_version_2_database_counts_each_pool_of_a_mailbox_apart(tmp_path: Path) -> None:
    path = tmp_path / "relay.db"
    SQLiteStorage(path).close()
    old = sqlite3.connect(path)
    old.executescript(V2_MAILBOX_USAGE)
    old.execute("INSERT INTO mailboxes (mailbox, registered_at) VALUES (?, 1)", ("a" * 64,))
    for number, pool in enumerate((OPEN_POOL, OPEN_POOL, CARD_POOL)):
        old.execute(
            "INSERT INTO envelopes (mailbox, envelope_id, data, received_at, pool)"
            " VALUES (?, ?, ?, 1, ?)",
            ("a" * 64, f"{number:032x}", b"x" * 100, pool),
        )
    old.commit()
    old.close()

    storage = SQLiteStorage(path)
    try:
        usage = storage._read.execute(
            "SELECT pool, count, bytes FROM mailbox_usage ORDER BY pool"
        ).fetchall()
        assert usage == [(CARD_POOL, 1, 100), (OPEN_POOL, 2, 200)]
        assert storage.mailbox_access("a" * 64, 2).tokenless_ended is False
        quotas = Quotas(10_000, 2, relay_bytes=10_000, open_bytes=10_000)
        with pytest.raises(QuotaExceededError):  # two open envelopes: the open count is full
            storage.deposit("a" * 64, [("f" * 32, b"z")], 2, quotas, OPEN_POOL)
        storage.deposit("a" * 64, [("e" * 32, b"z")], 2, quotas, CARD_POOL)  # one of two
        storage.acknowledge("a" * 64, ["0" * 32], 99)
        assert storage._read.execute(
            "SELECT count FROM mailbox_usage WHERE pool = ?", (OPEN_POOL,)
        ).fetchone() == (1,)
    finally:
        storage.close()
