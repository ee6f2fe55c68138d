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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

SCHEMA_VERSION = 4
SWEEP_BATCH = 1000
MAX_PREVIOUS_VERIFIERS = 4  # retired deposit verifiers kept per mailbox during their grace
CARD_POOL = "card"  # envelopes and blobs that came with a valid deposit token
OPEN_POOL = "open"  # everything else: unregistered mailboxes, tokenless transition deposits

SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS envelopes (
        cursor       INTEGER PRIMARY KEY AUTOINCREMENT,
        mailbox      TEXT NOT NULL,
        envelope_id  TEXT NOT NULL,
        data         BLOB NOT NULL,
        received_at  INTEGER NOT NULL,
        pool         TEXT NOT NULL DEFAULT 'open',
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
        expires_at  INTEGER NOT NULL,
        mailbox     TEXT  -- the capability it is charged to; NULL: the open pool
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
    # Deposit capabilities (docs/RELAY.md, "Deposit tokens"): a mailbox is registered by its
    # owner; each row is SHA-256("dlg-deposit-v1" || token), current (expires_at NULL) or
    # retired and still valid until expires_at.
    """
    CREATE TABLE IF NOT EXISTS mailboxes (
        mailbox          TEXT PRIMARY KEY,
        registered_at    INTEGER NOT NULL,
        tokenless_ended  INTEGER NOT NULL DEFAULT 0  -- 1: the owner ended the tokenless grace
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE IF NOT EXISTS verifiers (
        mailbox     TEXT NOT NULL,
        verifier    TEXT NOT NULL,
        expires_at  INTEGER,
        PRIMARY KEY (mailbox, verifier)
    ) WITHOUT ROWID
    """,
    # Usage counters kept exact by triggers, so quota checks cost one row read. A mailbox's
    # card-pool and open-pool envelopes are counted apart: each pool has its own quota.
    """
    CREATE TABLE IF NOT EXISTS mailbox_usage (
        mailbox  TEXT NOT NULL,
        pool     TEXT NOT NULL,
        count    INTEGER NOT NULL,
        bytes    INTEGER NOT NULL,
        PRIMARY KEY (mailbox, pool)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE IF NOT EXISTS blob_usage (
        mailbox  TEXT PRIMARY KEY,
        bytes    INTEGER NOT NULL
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE IF NOT EXISTS pool_usage (
        pool   TEXT PRIMARY KEY,
        bytes  INTEGER NOT NULL
    ) WITHOUT ROWID
    """,
    # Version 1 kept one relay-wide counter; its triggers are replaced by the pool ones.
    "DROP TRIGGER IF EXISTS envelope_added",
    "DROP TRIGGER IF EXISTS envelope_removed",
    "DROP TRIGGER IF EXISTS blob_part_added",
    "DROP TRIGGER IF EXISTS blob_part_removed",
    "DROP TABLE IF EXISTS relay_usage",
    """
    CREATE TRIGGER IF NOT EXISTS envelope_stored AFTER INSERT ON envelopes BEGIN
        INSERT INTO mailbox_usage (mailbox, pool, count, bytes)
            VALUES (new.mailbox, new.pool, 1, length(new.data))
            ON CONFLICT (mailbox, pool)
            DO UPDATE SET count = count + 1, bytes = bytes + excluded.bytes;
        UPDATE pool_usage SET bytes = bytes + length(new.data) WHERE pool = new.pool;
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS envelope_deleted AFTER DELETE ON envelopes BEGIN
        UPDATE mailbox_usage SET count = count - 1, bytes = bytes - length(old.data)
            WHERE mailbox = old.mailbox AND pool = old.pool;
        DELETE FROM mailbox_usage WHERE mailbox = old.mailbox AND pool = old.pool AND count <= 0;
        UPDATE pool_usage SET bytes = bytes - length(old.data) WHERE pool = old.pool;
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS blob_part_stored AFTER INSERT ON blob_parts BEGIN
        UPDATE pool_usage SET bytes = bytes + length(new.data) WHERE pool =
            (SELECT CASE WHEN mailbox IS NULL THEN 'open' ELSE 'card' END
             FROM blobs WHERE blob_id = new.blob_id);
        INSERT INTO blob_usage (mailbox, bytes)
            SELECT mailbox, length(new.data) FROM blobs
            WHERE blob_id = new.blob_id AND mailbox IS NOT NULL
            ON CONFLICT (mailbox) DO UPDATE SET bytes = bytes + excluded.bytes;
    END
    """,
    # Prekeys (docs/RELAY.md, "Prekeys"), opaque to the relay: one bundle header per mailbox
    # and its one-time items, claimed in the order they were added (rowid). A claimed item's
    # id is kept a while, so that no upload (a retry, say) can put it back.
    """
    CREATE TABLE IF NOT EXISTS prekey_bundles (
        mailbox     TEXT PRIMARY KEY,
        bundle      BLOB NOT NULL,
        updated_at  INTEGER NOT NULL
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE IF NOT EXISTS prekey_items (
        mailbox  TEXT NOT NULL,
        item_id  TEXT NOT NULL,
        data     BLOB NOT NULL,
        UNIQUE (mailbox, item_id)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS prekeys_claimed (
        mailbox     TEXT NOT NULL,
        item_id     TEXT NOT NULL,
        expires_at  INTEGER NOT NULL,
        PRIMARY KEY (mailbox, item_id)
    ) WITHOUT ROWID
    """,
    """
    CREATE TRIGGER IF NOT EXISTS blob_part_deleted AFTER DELETE ON blob_parts BEGIN
        UPDATE pool_usage SET bytes = bytes - length(old.data) WHERE pool =
            (SELECT CASE WHEN mailbox IS NULL THEN 'open' ELSE 'card' END
             FROM blobs WHERE blob_id = old.blob_id);
        UPDATE blob_usage SET bytes = bytes - length(old.data)
            WHERE mailbox = (SELECT mailbox FROM blobs WHERE blob_id = old.blob_id);
        DELETE FROM blob_usage WHERE bytes <= 0;
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
    """Limits a write is checked against. ``mailbox_bytes`` and ``mailbox_count`` cover the
    envelopes of one mailbox *in the pool written to*: a mailbox's open-pool envelopes never
    use up the quota of its card-pool ones (the app passes smaller limits for the open pool)."""

    mailbox_bytes: int
    mailbox_count: int
    relay_bytes: int  # the card pool: everything that came with a valid deposit token
    open_bytes: int = 0  # the open pool: unregistered mailboxes and tokenless deposits
    mailbox_blob_bytes: int = 0  # blob bytes charged to one mailbox's capability

    def pool_bytes(self, pool: str) -> int:
        return self.relay_bytes if pool == CARD_POOL else self.open_bytes


@dataclass(frozen=True)
class MailboxAccess:
    """What a deposit to a mailbox is checked against."""

    registered_at: int | None  # None: the owner never registered a verifier
    verifiers: tuple[str, ...]  # the current one and retired ones still in their grace
    tokenless_ended: bool = False  # the owner ended the tokenless grace (``tokenless: false``)


class QuotaExceededError(Exception):
    """A mailbox (``scope`` ``"mailbox"``), the card pool (``"relay"``) or the open pool
    (``"open"``) is full."""

    def __init__(self, scope: str) -> None:
        super().__init__(f"{scope} full")
        self.scope = scope


class OffsetMismatchError(Exception):
    def __init__(self, current: int) -> None:
        super().__init__(f"offset must be {current}")
        self.current = current


class BlobOwnerError(Exception):
    """A blob part names another capability than the one its blob is charged to."""


class BlobVanishedError(Exception):
    """A blob expired while it was being read."""


class PrekeyLimitError(Exception):
    """A prekey upload would leave more one-time items stored than the cap allows."""


@dataclass(frozen=True)
class PrekeyStatus:
    published: bool  # whether the owner stored a bundle header
    ids: tuple[str, ...]  # the one-time items stored, oldest first


@dataclass(frozen=True)
class PrekeyClaim:
    bundle: bytes
    item: tuple[str, bytes] | None  # None: no one-time item left


class RelayStorage(Protocol):
    def deposit(
        self,
        mailbox: str,
        envelopes: list[tuple[str, bytes]],
        now: int,
        quotas: Quotas,
        pool: str = OPEN_POOL,
    ) -> tuple[list[str], list[str]]:
        """Store new envelopes in ``pool``; returns (accepted, duplicate ids). All or nothing."""
        ...

    def register_verifier(
        self, mailbox: str, verifier: str, now: int, grace: int, end_tokenless: bool = False
    ) -> int:
        """Make ``verifier`` the mailbox's current one; the one it replaces stays valid for
        ``grace`` seconds. Idempotent. ``end_tokenless`` ends the tokenless grace for good.
        Returns how many retired verifiers are still valid."""
        ...

    def mailbox_access(self, mailbox: str, now: int) -> MailboxAccess: ...

    def fetch(self, mailbox: str, after: int, limit: int) -> tuple[list[StoredEnvelope], bool]:
        """Up to ``limit`` envelopes after the cursor in deposit order, and whether more remain."""
        ...

    def acknowledge(self, mailbox: str, ids: list[str], tombstone_until: int) -> int: ...
    def wipe(self, mailbox: str, tombstone_until: int) -> int: ...
    def use_nonce(self, mailbox: str, nonce: str, expires_at: int) -> bool:
        """Records the nonce; False if it was already used for this mailbox."""
        ...

    def put_prekeys(
        self,
        mailbox: str,
        bundle: bytes,
        items: Sequence[tuple[str, bytes]],
        *,
        replace: bool,
        max_stored: int,
        now: int,
    ) -> int:
        """Replace the bundle header and add the items (ids stored or claimed before are
        ignored; with ``replace`` the stored ones go first). All or nothing:
        :class:`PrekeyLimitError` when more than ``max_stored`` would be stored. Returns how
        many are stored now."""
        ...

    def prekey_status(self, mailbox: str) -> PrekeyStatus: ...
    def claim_prekey(self, mailbox: str, claimed_until: int) -> PrekeyClaim | None:
        """The bundle header and the oldest one-time item, removed in the same transaction
        (two claims never get the same item) and its id kept until ``claimed_until`` (an
        upload of it is ignored meanwhile); None when the owner never published."""
        ...

    def blob_status(self, blob_id: str) -> BlobStatus | None: ...
    def blob_owner(self, blob_id: str) -> tuple[bool, str | None]:
        """(whether the blob exists, the mailbox its bytes are charged to or None)."""
        ...

    def blob_append(
        self,
        blob_id: str,
        offset: int,
        data: bytes,
        expires_at: int,
        quotas: Quotas,
        mailbox: str | None = None,
    ) -> BlobStatus: ...
    def blob_complete(self, blob_id: str, total: int) -> BlobStatus: ...
    def blob_chunks(self, blob_id: str, offset: int) -> Iterator[bytes]:
        """The stored bytes from ``offset`` on, one stored part at a time."""
        ...

    def sweep(self, now: int, envelope_ttl: int) -> int:
        """Deletes expired envelopes, tombstones, nonces and blobs; returns envelopes removed."""
        ...

    def usage(self) -> dict[str, int]:
        """Bytes held per quota pool, read through every connection the storage writes and
        reads with: the health check and the metrics. Raises when the database fails."""
        ...

    def close(self) -> None: ...


class SQLiteStorage:
    def __init__(self, path: Path) -> None:
        self._write = self._connect(path)
        self._write_lock = threading.Lock()
        with self._tx() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version < 2:
                self._add_pool_columns(conn)
            if version < 3:
                self._split_mailbox_usage(conn)
            for statement in SCHEMA:
                conn.execute(statement)
            if (
                version < SCHEMA_VERSION
                or conn.execute("SELECT count(*) FROM pool_usage").fetchone()[0] != 2
            ):
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
    def _add_pool_columns(conn: sqlite3.Connection) -> None:
        """A version 1 database: everything it holds was deposited without a token (open pool)."""
        for table, column in (("envelopes", "pool TEXT NOT NULL DEFAULT 'open'"),
                              ("blobs", "mailbox TEXT")):  # fmt: skip
            known = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            if known and column.split()[0] not in known:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column}")

    @staticmethod
    def _split_mailbox_usage(conn: sqlite3.Connection) -> None:
        """Before version 3 one counter per mailbox covered both pools; it is rebuilt per pool."""
        conn.execute("DROP TRIGGER IF EXISTS envelope_stored")
        conn.execute("DROP TRIGGER IF EXISTS envelope_deleted")
        conn.execute("DROP TABLE IF EXISTS mailbox_usage")
        known = {row[1] for row in conn.execute("PRAGMA table_info(mailboxes)")}
        if known and "tokenless_ended" not in known:
            conn.execute(
                "ALTER TABLE mailboxes ADD COLUMN tokenless_ended INTEGER NOT NULL DEFAULT 0"
            )

    @staticmethod
    def _recount(conn: sqlite3.Connection) -> None:
        """Initialises the usage counters from the data (new database, or one from before them)."""
        conn.execute("DELETE FROM mailbox_usage")
        conn.execute(
            "INSERT INTO mailbox_usage (mailbox, pool, count, bytes) SELECT mailbox, pool,"
            " count(*), sum(length(data)) FROM envelopes GROUP BY mailbox, pool"
        )
        conn.execute("DELETE FROM blob_usage")
        conn.execute(
            "INSERT INTO blob_usage (mailbox, bytes) SELECT b.mailbox, sum(length(p.data))"
            " FROM blob_parts p JOIN blobs b USING (blob_id) WHERE b.mailbox IS NOT NULL"
            " GROUP BY b.mailbox"
        )
        conn.execute("DELETE FROM pool_usage")
        for pool in (CARD_POOL, OPEN_POOL):
            conn.execute(
                "INSERT INTO pool_usage (pool, bytes) VALUES (?,"
                " (SELECT coalesce(sum(length(data)), 0) FROM envelopes WHERE pool = ?)"
                " + (SELECT coalesce(sum(length(p.data)), 0) FROM blob_parts p"
                " JOIN blobs b USING (blob_id)"
                " WHERE (CASE WHEN b.mailbox IS NULL THEN 'open' ELSE 'card' END) = ?))",
                (pool, pool, pool),
            )

    def usage(self) -> dict[str, int]:
        with self._write_lock:
            self._write.execute("SELECT count(*) FROM pool_usage").fetchone()
        with self._read_lock:
            rows = self._read.execute("SELECT pool, bytes FROM pool_usage").fetchall()
        return {str(pool): int(size) for pool, size in rows}

    def close(self) -> None:
        with self._write_lock:
            self._write.close()
        with self._read_lock:
            self._read.close()

    def _tx(self) -> _Transaction:
        return _Transaction(self._write, self._write_lock)

    def deposit(
        self,
        mailbox: str,
        envelopes: list[tuple[str, bytes]],
        now: int,
        quotas: Quotas,
        pool: str = OPEN_POOL,
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
                    "SELECT count, bytes FROM mailbox_usage WHERE mailbox = ? AND pool = ?",
                    (mailbox, pool),
                ).fetchone() or (0, 0)
                if count + len(fresh) > quotas.mailbox_count or used + added > quotas.mailbox_bytes:
                    raise QuotaExceededError("mailbox")
                if self._pool_bytes(conn, pool) + added > quotas.pool_bytes(pool):
                    raise QuotaExceededError("relay" if pool == CARD_POOL else "open")
                conn.executemany(
                    "INSERT INTO envelopes (mailbox, envelope_id, data, received_at, pool)"
                    " VALUES (?, ?, ?, ?, ?)",
                    [(mailbox, envelope_id, data, now, pool) for envelope_id, data in fresh],
                )
        return [envelope_id for envelope_id, _ in fresh], duplicates

    @staticmethod
    def _pool_bytes(conn: sqlite3.Connection, pool: str) -> int:
        row = conn.execute("SELECT bytes FROM pool_usage WHERE pool = ?", (pool,)).fetchone()
        return 0 if row is None else int(row[0])

    def register_verifier(
        self, mailbox: str, verifier: str, now: int, grace: int, end_tokenless: bool = False
    ) -> int:
        with self._tx() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO mailboxes (mailbox, registered_at) VALUES (?, ?)",
                (mailbox, now),
            )
            if end_tokenless:
                conn.execute(
                    "UPDATE mailboxes SET tokenless_ended = 1 WHERE mailbox = ?", (mailbox,)
                )
            current = conn.execute(
                "SELECT verifier FROM verifiers WHERE mailbox = ? AND expires_at IS NULL",
                (mailbox,),
            ).fetchone()
            if current is None or current[0] != verifier:
                conn.execute(
                    "UPDATE verifiers SET expires_at = ? WHERE mailbox = ? AND expires_at IS NULL",
                    (now + grace, mailbox),
                )
                conn.execute(
                    "INSERT OR REPLACE INTO verifiers (mailbox, verifier, expires_at)"
                    " VALUES (?, ?, NULL)",
                    (mailbox, verifier),
                )
            conn.execute(
                "DELETE FROM verifiers WHERE mailbox = ? AND expires_at IS NOT NULL"
                " AND (expires_at < ? OR verifier NOT IN (SELECT verifier FROM verifiers"
                " WHERE mailbox = ? AND expires_at IS NOT NULL ORDER BY expires_at DESC LIMIT ?))",
                (mailbox, now, mailbox, MAX_PREVIOUS_VERIFIERS),
            )
            return int(
                conn.execute(
                    "SELECT count(*) FROM verifiers WHERE mailbox = ? AND expires_at IS NOT NULL",
                    (mailbox,),
                ).fetchone()[0]
            )

    def mailbox_access(self, mailbox: str, now: int) -> MailboxAccess:
        with self._read_lock:
            row = self._read.execute(
                "SELECT registered_at, tokenless_ended FROM mailboxes WHERE mailbox = ?",
                (mailbox,),
            ).fetchone()
            rows = self._read.execute(
                "SELECT verifier FROM verifiers WHERE mailbox = ?"
                " AND (expires_at IS NULL OR expires_at >= ?)",
                (mailbox, now),
            ).fetchall()
        verifiers = tuple(str(r[0]) for r in rows)
        if row is None:
            return MailboxAccess(None, verifiers)
        return MailboxAccess(int(row[0]), verifiers, bool(row[1]))

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
            conn.execute("DELETE FROM prekey_items WHERE mailbox = ?", (mailbox,))
            conn.execute("DELETE FROM prekey_bundles WHERE mailbox = ?", (mailbox,))
            return int(conn.execute("DELETE FROM envelopes WHERE mailbox = ?", (mailbox,)).rowcount)

    def put_prekeys(
        self,
        mailbox: str,
        bundle: bytes,
        items: Sequence[tuple[str, bytes]],
        *,
        replace: bool,
        max_stored: int,
        now: int,
    ) -> int:
        with self._tx() as conn:
            if replace:
                conn.execute("DELETE FROM prekey_items WHERE mailbox = ?", (mailbox,))
            conn.executemany(
                "INSERT OR IGNORE INTO prekey_items (mailbox, item_id, data) SELECT ?, ?, ?"
                " WHERE NOT EXISTS (SELECT 1 FROM prekeys_claimed"
                " WHERE mailbox = ? AND item_id = ?)",
                [(mailbox, item_id, data, mailbox, item_id) for item_id, data in items],
            )
            stored = int(
                conn.execute(
                    "SELECT count(*) FROM prekey_items WHERE mailbox = ?", (mailbox,)
                ).fetchone()[0]
            )
            if stored > max_stored:
                raise PrekeyLimitError  # the transaction rolls back: nothing stored
            conn.execute(
                "INSERT OR REPLACE INTO prekey_bundles (mailbox, bundle, updated_at)"
                " VALUES (?, ?, ?)",
                (mailbox, bundle, now),
            )
            return stored

    def prekey_status(self, mailbox: str) -> PrekeyStatus:
        with self._read_lock:
            published = self._read.execute(
                "SELECT 1 FROM prekey_bundles WHERE mailbox = ?", (mailbox,)
            ).fetchone()
            rows = self._read.execute(
                "SELECT item_id FROM prekey_items WHERE mailbox = ? ORDER BY rowid", (mailbox,)
            ).fetchall()
        return PrekeyStatus(published is not None, tuple(str(r[0]) for r in rows))

    def claim_prekey(self, mailbox: str, claimed_until: int) -> PrekeyClaim | None:
        with self._tx() as conn:
            header = conn.execute(
                "SELECT bundle FROM prekey_bundles WHERE mailbox = ?", (mailbox,)
            ).fetchone()
            if header is None:
                return None
            rows = conn.execute(
                "DELETE FROM prekey_items WHERE rowid = (SELECT rowid FROM prekey_items"
                " WHERE mailbox = ? ORDER BY rowid LIMIT 1) RETURNING item_id, data",
                (mailbox,),
            ).fetchall()
            if rows:
                conn.execute(
                    "INSERT OR REPLACE INTO prekeys_claimed (mailbox, item_id, expires_at)"
                    " VALUES (?, ?, ?)",
                    (mailbox, rows[0][0], claimed_until),
                )
        item = (str(rows[0][0]), bytes(rows[0][1])) if rows else None
        return PrekeyClaim(bytes(header[0]), item)

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

    def blob_owner(self, blob_id: str) -> tuple[bool, str | None]:
        with self._read_lock:
            row = self._read.execute(
                "SELECT mailbox FROM blobs WHERE blob_id = ?", (blob_id,)
            ).fetchone()
        return (False, None) if row is None else (True, row[0])

    def blob_append(
        self,
        blob_id: str,
        offset: int,
        data: bytes,
        expires_at: int,
        quotas: Quotas,
        mailbox: str | None = None,
    ) -> BlobStatus:
        """Append a part; a new blob is charged to ``mailbox`` (None: the open pool)."""
        with self._tx() as conn:
            row = conn.execute(
                "SELECT size, complete, mailbox FROM blobs WHERE blob_id = ?", (blob_id,)
            ).fetchone()
            size = 0 if row is None else int(row[0])
            if (row is not None and row[1]) or offset != size:
                raise OffsetMismatchError(size)
            if row is not None and row[2] != mailbox:
                raise BlobOwnerError  # charged to another capability than the one checked
            owner = mailbox
            pool = OPEN_POOL if owner is None else CARD_POOL
            if data and self._pool_bytes(conn, pool) + len(data) > quotas.pool_bytes(pool):
                raise QuotaExceededError("relay" if pool == CARD_POOL else "open")
            if data and owner is not None:
                used = conn.execute(
                    "SELECT bytes FROM blob_usage WHERE mailbox = ?", (owner,)
                ).fetchone()
                if (0 if used is None else int(used[0])) + len(data) > quotas.mailbox_blob_bytes:
                    raise QuotaExceededError("mailbox")
            if row is None:
                conn.execute(
                    "INSERT INTO blobs (blob_id, size, expires_at, mailbox) VALUES (?, 0, ?, ?)",
                    (blob_id, expires_at, mailbox),
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
            conn.execute("DELETE FROM prekeys_claimed WHERE expires_at < ?", (now,))
            conn.execute("DELETE FROM verifiers WHERE expires_at < ?", (now,))
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
