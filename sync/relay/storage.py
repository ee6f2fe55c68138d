"""Relay storage: a small interface and its embedded SQLite (WAL) implementation.

``synchronous = FULL`` makes every commit durable before the HTTP response is sent,
so an acknowledged deposit survives ``kill -9`` and power loss. A PostgreSQL
implementation of :class:`RelayStorage` can follow for multi-process deployments.

Writes go through one connection (SQLite has one writer at a time anyway); reads use a
second connection, so a fetch never waits behind another request's fsync.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

SCHEMA_VERSION = 1
SWEEP_BATCH = 1000

SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS envelopes (
        cursor       INTEGER PRIMARY KEY AUTOINCREMENT,
        mailbox      TEXT NOT NULL,
        envelope_id  TEXT NOT NULL,
        data         BLOB NOT NULL,
        received_at  INTEGER NOT NULL,
        UNIQUE (mailbox, envelope_id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS envelopes_mailbox ON envelopes (mailbox, cursor)",
    "CREATE INDEX IF NOT EXISTS envelopes_received ON envelopes (received_at)",
    """
    CREATE TABLE IF NOT EXISTS tombstones (
        mailbox      TEXT NOT NULL,
        envelope_id  TEXT NOT NULL,
        expires_at   INTEGER NOT NULL,
        PRIMARY KEY (mailbox, envelope_id)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE IF NOT EXISTS nonces (
        mailbox     TEXT NOT NULL,
        nonce       TEXT NOT NULL,
        expires_at  INTEGER NOT NULL,
        PRIMARY KEY (mailbox, nonce)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE IF NOT EXISTS blobs (
        blob_id     TEXT PRIMARY KEY,
        size        INTEGER NOT NULL,
        total       INTEGER,
        complete    INTEGER NOT NULL DEFAULT 0,
        expires_at  INTEGER NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS blob_parts (
        blob_id  TEXT NOT NULL,
        offset   INTEGER NOT NULL,
        data     BLOB NOT NULL,
        PRIMARY KEY (blob_id, offset)
    ) WITHOUT ROWID
    """,
    # Usage counters kept exact by triggers, so quota checks cost one row read.
    """
    CREATE TABLE IF NOT EXISTS mailbox_usage (
        mailbox  TEXT PRIMARY KEY,
        count    INTEGER NOT NULL,
        bytes    INTEGER NOT NULL
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE IF NOT EXISTS relay_usage (
        id     INTEGER PRIMARY KEY CHECK (id = 1),
        bytes  INTEGER NOT NULL
    )
    """,
    """
    CREATE TRIGGER IF NOT EXISTS envelope_added AFTER INSERT ON envelopes BEGIN
        INSERT INTO mailbox_usage (mailbox, count, bytes) VALUES (new.mailbox, 1, length(new.data))
            ON CONFLICT (mailbox) DO UPDATE SET count = count + 1, bytes = bytes + excluded.bytes;
        UPDATE relay_usage SET bytes = bytes + length(new.data);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS envelope_removed AFTER DELETE ON envelopes BEGIN
        UPDATE mailbox_usage SET count = count - 1, bytes = bytes - length(old.data)
            WHERE mailbox = old.mailbox;
        DELETE FROM mailbox_usage WHERE mailbox = old.mailbox AND count <= 0;
        UPDATE relay_usage SET bytes = bytes - length(old.data);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS blob_part_added AFTER INSERT ON blob_parts BEGIN
        UPDATE relay_usage SET bytes = bytes + length(new.data);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS blob_part_removed AFTER DELETE ON blob_parts BEGIN
        UPDATE relay_usage SET bytes = bytes - length(old.data);
    END
    """,
)


@dataclass(frozen=True)
class StoredEnvelope:
    envelope_id: str
    data: bytes
    cursor: int
    received_at: int


@dataclass(frozen=True)
class BlobStatus:
    size: int
    complete: bool
    total: int | None


@dataclass(frozen=True)
class Quotas:
    mailbox_bytes: int
    mailbox_count: int
    relay_bytes: int


class QuotaExceededError(Exception):
    """A mailbox (``scope == "mailbox"``) or the whole relay (``"relay"``) is full."""

    def __init__(self, scope: str) -> None:
        super().__init__(f"{scope} full")
        self.scope = scope


class OffsetMismatchError(Exception):
    def __init__(self, current: int) -> None:
        super().__init__(f"offset must be {current}")
        self.current = current


class BlobVanishedError(Exception):
    """A blob expired while it was being read."""


class RelayStorage(Protocol):
    def deposit(
        self, mailbox: str, envelopes: list[tuple[str, bytes]], now: int, quotas: Quotas
    ) -> tuple[list[str], list[str]]:
        """Store new envelopes; returns (accepted ids, duplicate ids). All or nothing."""
        ...

    def fetch(self, mailbox: str, after: int, limit: int) -> tuple[list[StoredEnvelope], bool]:
        """Up to ``limit`` envelopes after the cursor in deposit order, and whether more remain."""
        ...

    def acknowledge(self, mailbox: str, ids: list[str], tombstone_until: int) -> int: ...
    def wipe(self, mailbox: str, tombstone_until: int) -> int: ...
    def use_nonce(self, mailbox: str, nonce: str, expires_at: int) -> bool:
        """Records the nonce; False if it was already used for this mailbox."""
        ...

    def blob_status(self, blob_id: str) -> BlobStatus | None: ...
    def blob_append(
        self, blob_id: str, offset: int, data: bytes, expires_at: int, quotas: Quotas
    ) -> BlobStatus: ...
    def blob_complete(self, blob_id: str, total: int) -> BlobStatus: ...
    def blob_chunks(self, blob_id: str, offset: int) -> Iterator[bytes]:
        """The stored bytes from ``offset`` on, one stored part at a time."""
        ...

    def sweep(self, now: int, envelope_ttl: int) -> int:
        """Deletes expired envelopes, tombstones, nonces and blobs; returns envelopes removed."""
        ...

    def close(self) -> None: ...


class SQLiteStorage:
    def __init__(self, path: Path) -> None:
        self._write = self._connect(path)
        self._write_lock = threading.Lock()
        with self._tx() as conn:
            for statement in SCHEMA:
                conn.execute(statement)
            if conn.execute("SELECT count(*) FROM relay_usage").fetchone()[0] == 0:
                self._recount(conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self._read = self._connect(path)
        self._read_lock = threading.Lock()

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA busy_timeout = 10000")
        return conn

    @staticmethod
    def _recount(conn: sqlite3.Connection) -> None:
        """Initialises the usage counters from the data (new database, or one from before them)."""
        conn.execute("DELETE FROM mailbox_usage")
        conn.execute(
            "INSERT INTO mailbox_usage (mailbox, count, bytes)"
            " SELECT mailbox, count(*), sum(length(data)) FROM envelopes GROUP BY mailbox"
        )
        conn.execute(
            "INSERT INTO relay_usage (id, bytes) VALUES (1,"
            " (SELECT coalesce(sum(length(data)), 0) FROM envelopes)"
            " + (SELECT coalesce(sum(length(data)), 0) FROM blob_parts))"
        )

    def close(self) -> None:
        with self._write_lock:
            self._write.close()
        with self._read_lock:
            self._read.close()

    def _tx(self) -> _Transaction:
        return _Transaction(self._write, self._write_lock)

    def deposit(
        self, mailbox: str, envelopes: list[tuple[str, bytes]], now: int, quotas: Quotas
    ) -> tuple[list[str], list[str]]:
        duplicates: list[str] = []
        fresh: list[tuple[str, bytes]] = []
        seen: set[str] = set()
        with self._tx() as conn:
            for envelope_id, data in envelopes:
                known = (
                    envelope_id in seen
                    or conn.execute(
                        "SELECT 1 FROM envelopes WHERE mailbox = ? AND envelope_id = ? UNION ALL "
                        "SELECT 1 FROM tombstones WHERE mailbox = ? AND envelope_id = ?",
                        (mailbox, envelope_id, mailbox, envelope_id),
                    ).fetchone()
                )
                seen.add(envelope_id)
                if known:
                    duplicates.append(envelope_id)
                else:
                    fresh.append((envelope_id, data))
            if fresh:
                added = sum(len(data) for _, data in fresh)
                count, used = conn.execute(
                    "SELECT count, bytes FROM mailbox_usage WHERE mailbox = ?", (mailbox,)
                ).fetchone() or (0, 0)
                if count + len(fresh) > quotas.mailbox_count or used + added > quotas.mailbox_bytes:
                    raise QuotaExceededError("mailbox")
                if self._relay_bytes(conn) + added > quotas.relay_bytes:
                    raise QuotaExceededError("relay")
                conn.executemany(
                    "INSERT INTO envelopes (mailbox, envelope_id, data, received_at)"
                    " VALUES (?, ?, ?, ?)",
                    [(mailbox, envelope_id, data, now) for envelope_id, data in fresh],
                )
        return [envelope_id for envelope_id, _ in fresh], duplicates

    @staticmethod
    def _relay_bytes(conn: sqlite3.Connection) -> int:
        return int(conn.execute("SELECT bytes FROM relay_usage WHERE id = 1").fetchone()[0])

    def fetch(self, mailbox: str, after: int, limit: int) -> tuple[list[StoredEnvelope], bool]:
        with self._read_lock:
            rows = self._read.execute(
                "SELECT envelope_id, data, cursor, received_at FROM envelopes"
                " WHERE mailbox = ? AND cursor > ? ORDER BY cursor LIMIT ?",
                (mailbox, after, limit + 1),
            ).fetchall()
        envelopes = [StoredEnvelope(r[0], bytes(r[1]), int(r[2]), int(r[3])) for r in rows[:limit]]
        return envelopes, len(rows) > limit

    def acknowledge(self, mailbox: str, ids: list[str], tombstone_until: int) -> int:
        with self._tx() as conn:
            deleted = 0
            for envelope_id in dict.fromkeys(ids):
                deleted += conn.execute(
                    "DELETE FROM envelopes WHERE mailbox = ? AND envelope_id = ?",
                    (mailbox, envelope_id),
                ).rowcount
                conn.execute(
                    "INSERT OR REPLACE INTO tombstones (mailbox, envelope_id, expires_at)"
                    " VALUES (?, ?, ?)",
                    (mailbox, envelope_id, tombstone_until),
                )
        return deleted

    def wipe(self, mailbox: str, tombstone_until: int) -> int:
        with self._tx() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO tombstones (mailbox, envelope_id, expires_at)"
                " SELECT mailbox, envelope_id, ? FROM envelopes WHERE mailbox = ?",
                (tombstone_until, mailbox),
            )
            return int(conn.execute("DELETE FROM envelopes WHERE mailbox = ?", (mailbox,)).rowcount)

    def use_nonce(self, mailbox: str, nonce: str, expires_at: int) -> bool:
        with self._tx() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO nonces (mailbox, nonce, expires_at) VALUES (?, ?, ?)",
                (mailbox, nonce, expires_at),
            )
            return bool(cursor.rowcount == 1)

    def blob_status(self, blob_id: str) -> BlobStatus | None:
        with self._read_lock:
            row = self._read.execute(
                "SELECT size, complete, total FROM blobs WHERE blob_id = ?", (blob_id,)
            ).fetchone()
        return None if row is None else BlobStatus(int(row[0]), bool(row[1]), row[2])

    def blob_append(
        self, blob_id: str, offset: int, data: bytes, expires_at: int, quotas: Quotas
    ) -> BlobStatus:
        with self._tx() as conn:
            row = conn.execute(
                "SELECT size, complete FROM blobs WHERE blob_id = ?", (blob_id,)
            ).fetchone()
            size = 0 if row is None else int(row[0])
            if (row is not None and row[1]) or offset != size:
                raise OffsetMismatchError(size)
            if data and self._relay_bytes(conn) + len(data) > quotas.relay_bytes:
                raise QuotaExceededError("relay")
            if row is None:
                conn.execute(
                    "INSERT INTO blobs (blob_id, size, expires_at) VALUES (?, 0, ?)",
                    (blob_id, expires_at),
                )
            if data:
                conn.execute(
                    "INSERT INTO blob_parts (blob_id, offset, data) VALUES (?, ?, ?)",
                    (blob_id, offset, data),
                )
                conn.execute(
                    "UPDATE blobs SET size = ? WHERE blob_id = ?", (size + len(data), blob_id)
                )
        return BlobStatus(size + len(data), False, None)

    def blob_complete(self, blob_id: str, total: int) -> BlobStatus:
        with self._tx() as conn:
            row = conn.execute(
                "SELECT size, complete FROM blobs WHERE blob_id = ?", (blob_id,)
            ).fetchone()
            size = 0 if row is None else int(row[0])
            if row is None or size != total:
                raise OffsetMismatchError(size)
            conn.execute(
                "UPDATE blobs SET complete = 1, total = ? WHERE blob_id = ?", (total, blob_id)
            )
        return BlobStatus(size, True, total)

    def blob_chunks(self, blob_id: str, offset: int) -> Iterator[bytes]:
        with self._read_lock:
            row = self._read.execute(
                "SELECT offset FROM blob_parts WHERE blob_id = ? AND offset <= ?"
                " ORDER BY offset DESC LIMIT 1",
                (blob_id, offset),
            ).fetchone()
        position = offset
        part_offset = None if row is None else int(row[0])
        while part_offset is not None:
            with self._read_lock:
                found = self._read.execute(
                    "SELECT data FROM blob_parts WHERE blob_id = ? AND offset = ?",
                    (blob_id, part_offset),
                ).fetchone()
                following = self._read.execute(
                    "SELECT offset FROM blob_parts WHERE blob_id = ? AND offset > ?"
                    " ORDER BY offset LIMIT 1",
                    (blob_id, part_offset),
                ).fetchone()
            if found is None:
                raise BlobVanishedError
            data = bytes(found[0])
            chunk = data[max(0, position - part_offset) :]
            if chunk:
                yield chunk
                position += len(chunk)
            part_offset = None if following is None else int(following[0])

    def sweep(self, now: int, envelope_ttl: int) -> int:
        """Deletes in bounded transactions so requests are never held up for long."""
        removed = 0
        while True:
            with self._tx() as conn:
                batch = conn.execute(
                    "DELETE FROM envelopes WHERE cursor IN (SELECT cursor FROM envelopes"
                    " WHERE received_at < ? LIMIT ?)",
                    (now - envelope_ttl, SWEEP_BATCH),
                ).rowcount
            removed += batch
            if batch < SWEEP_BATCH:
                break
        with self._tx() as conn:
            conn.execute("DELETE FROM tombstones WHERE expires_at < ?", (now,))
            conn.execute("DELETE FROM nonces WHERE expires_at < ?", (now,))
            expired = [
                r[0] for r in conn.execute("SELECT blob_id FROM blobs WHERE expires_at < ?", (now,))
            ]
        for blob_id in expired:  # one transaction per blob: a blob can be a gigabyte
            with self._tx() as conn:
                conn.execute("DELETE FROM blob_parts WHERE blob_id = ?", (blob_id,))
                conn.execute("DELETE FROM blobs WHERE blob_id = ?", (blob_id,))
        return int(removed)


class _Transaction:
    def __init__(self, conn: sqlite3.Connection, lock: threading.Lock) -> None:
        self._conn = conn
        self._lock = lock

    def __enter__(self) -> sqlite3.Connection:
        self._lock.acquire()
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise
        return self._conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            self._conn.execute("ROLLBACK" if exc_type is not None else "COMMIT")
        finally:
            self._lock.release()
