"""Relay storage: a small interface and its embedded SQLite (WAL) implementation.

``synchronous = FULL`` makes every commit durable before the HTTP response is sent,
so an acknowledged deposit survives ``kill -9`` and power loss. A PostgreSQL
implementation of :class:`RelayStorage` can follow for multi-process deployments.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

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


class QuotaExceededError(Exception):
    """The mailbox is full."""


class RelayStorage(Protocol):
    def deposit(
        self, mailbox: str, envelopes: list[tuple[str, bytes]], now: int, *,
        quota_bytes: int, quota_count: int,
    ) -> tuple[list[str], list[str]]: ...  # fmt: skip
    def fetch(self, mailbox: str, after: int, limit: int) -> tuple[list[StoredEnvelope], bool]: ...
    def acknowledge(self, mailbox: str, ids: list[str], tombstone_until: int) -> int: ...
    def wipe(self, mailbox: str, tombstone_until: int) -> int: ...
    def use_nonce(self, mailbox: str, nonce: str, expires_at: int, now: int) -> bool: ...
    def blob_status(self, blob_id: str) -> BlobStatus | None: ...
    def blob_append(
        self, blob_id: str, offset: int, data: bytes, expires_at: int
    ) -> BlobStatus: ...
    def blob_complete(self, blob_id: str, total: int) -> BlobStatus: ...
    def blob_read(self, blob_id: str, offset: int, limit: int) -> bytes: ...
    def sweep(self, now: int, envelope_ttl: int) -> int: ...
    def close(self) -> None: ...


class OffsetMismatchError(Exception):
    def __init__(self, current: int) -> None:
        super().__init__(f"offset must be {current}")
        self.current = current


class SQLiteStorage:
    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = FULL")
        self._conn.execute("PRAGMA busy_timeout = 10000")
        for statement in SCHEMA:
            self._conn.execute(statement)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _tx(self) -> _Transaction:
        return _Transaction(self._conn, self._lock)

    def deposit(
        self,
        mailbox: str,
        envelopes: list[tuple[str, bytes]],
        now: int,
        *,
        quota_bytes: int,
        quota_count: int,
    ) -> tuple[list[str], list[str]]:
        accepted: list[str] = []
        duplicates: list[str] = []
        with self._tx() as conn:
            count, used = conn.execute(
                "SELECT count(*), coalesce(sum(length(data)), 0) FROM envelopes WHERE mailbox = ?",
                (mailbox,),
            ).fetchone()
            fresh: list[tuple[str, bytes]] = []
            seen: set[str] = set()
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
            if (
                count + len(fresh) > quota_count
                or used + sum(len(d) for _, d in fresh) > quota_bytes
            ):
                raise QuotaExceededError
            conn.executemany(
                "INSERT INTO envelopes (mailbox, envelope_id, data, received_at)"
                " VALUES (?, ?, ?, ?)",
                [(mailbox, envelope_id, data, now) for envelope_id, data in fresh],
            )
            accepted = [envelope_id for envelope_id, _ in fresh]
        return accepted, duplicates

    def fetch(self, mailbox: str, after: int, limit: int) -> tuple[list[StoredEnvelope], bool]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT envelope_id, data, cursor, received_at FROM envelopes"
                " WHERE mailbox = ? AND cursor > ? ORDER BY cursor LIMIT ?",
                (mailbox, after, limit + 1),
            ).fetchall()
        envelopes = [StoredEnvelope(r[0], bytes(r[1]), int(r[2]), int(r[3])) for r in rows[:limit]]
        return envelopes, len(rows) > limit

    def acknowledge(self, mailbox: str, ids: list[str], tombstone_until: int) -> int:
        with self._tx() as conn:
            deleted = 0
            for envelope_id in ids:
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

    def use_nonce(self, mailbox: str, nonce: str, expires_at: int, now: int) -> bool:
        with self._tx() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO nonces (mailbox, nonce, expires_at) VALUES (?, ?, ?)",
                (mailbox, nonce, expires_at),
            )
            return bool(cursor.rowcount == 1)

    def blob_status(self, blob_id: str) -> BlobStatus | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT size, complete, total FROM blobs WHERE blob_id = ?", (blob_id,)
            ).fetchone()
        return None if row is None else BlobStatus(int(row[0]), bool(row[1]), row[2])

    def blob_append(self, blob_id: str, offset: int, data: bytes, expires_at: int) -> BlobStatus:
        with self._tx() as conn:
            row = conn.execute(
                "SELECT size, complete FROM blobs WHERE blob_id = ?", (blob_id,)
            ).fetchone()
            size = 0 if row is None else int(row[0])
            if (row is not None and row[1]) or offset != size:
                raise OffsetMismatchError(size)
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
            conn.execute("UPDATE blobs SET size = ? WHERE blob_id = ?", (size + len(data), blob_id))
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

    def blob_read(self, blob_id: str, offset: int, limit: int) -> bytes:
        with self._lock:
            rows = self._conn.execute(
                "SELECT offset, data FROM blob_parts WHERE blob_id = ?"
                " AND offset + length(data) > ? ORDER BY offset",
                (blob_id, offset),
            ).fetchall()
        out = bytearray()
        for part_offset, data in rows:
            start = max(0, offset - int(part_offset))
            out += bytes(data)[start:]
            if len(out) >= limit:
                break
        return bytes(out[:limit])

    def sweep(self, now: int, envelope_ttl: int) -> int:
        with self._tx() as conn:
            removed = conn.execute(
                "DELETE FROM envelopes WHERE received_at < ?", (now - envelope_ttl,)
            ).rowcount
            conn.execute("DELETE FROM tombstones WHERE expires_at < ?", (now,))
            conn.execute("DELETE FROM nonces WHERE expires_at < ?", (now,))
            conn.execute(
                "DELETE FROM blob_parts WHERE blob_id IN (SELECT blob_id FROM blobs"
                " WHERE expires_at < ?)",
                (now,),
            )
            conn.execute("DELETE FROM blobs WHERE expires_at < ?", (now,))
        return int(removed)


class _Transaction:
    def __init__(self, conn: sqlite3.Connection, lock: threading.Lock) -> None:
        self._conn = conn
        self._lock = lock

    def __enter__(self) -> sqlite3.Connection:
        self._lock.acquire()
        self._conn.execute("BEGIN IMMEDIATE")
        return self._conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            self._conn.execute("ROLLBACK" if exc_type is not None else "COMMIT")
        finally:
            self._lock.release()
