"""Relay storage on PostgreSQL, for several relay processes sharing one database.

The same semantics as :class:`sync.relay.storage.SQLiteStorage` (docs/RELAY.md), kept under
concurrency across processes with no shared memory between them (ADR 0022):

- every write to a mailbox's envelopes (deposit, acknowledgement, wipe) holds a transaction
  advisory lock on that mailbox, so deposit order is cursor order within a mailbox and a
  fetch never skips an envelope whose cursor was drawn earlier but committed later;
- quota counters move by one conditional ``UPDATE … WHERE bytes + n <= limit RETURNING``
  each: two processes filling one mailbox or pool together stop at the limit exactly;
- a nonce is one ``INSERT … ON CONFLICT DO NOTHING``: whichever process inserts it first wins;
- a blob's row is locked (``SELECT … FOR UPDATE``) while a part is appended; its bytes are
  stored in rows of at most :data:`PART_BYTES`.

``synchronous_commit`` stays at the server's setting (``on`` by default): a commit, and so an
acknowledged deposit, is durable before the HTTP response is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool, PoolTimeout

from sync.relay.storage import (
    CARD_POOL,
    MAX_PREVIOUS_VERIFIERS,
    OPEN_POOL,
    SWEEP_BATCH,
    BlobOwnerError,
    BlobStatus,
    BlobVanishedError,
    MailboxAccess,
    OffsetMismatchError,
    PrekeyClaim,
    PrekeyLimitError,
    PrekeyStatus,
    QuotaExceededError,
    Quotas,
    StoredEnvelope,
)

PART_BYTES = 1024 * 1024  # one blob_parts row holds at most this many bytes
POOL_TIMEOUT_SECONDS = 10.0  # waiting for a free connection (or for the server) beyond: error
SCHEMA_LOCK = 0x64_6C_67_01  # advisory lock ids: schema migration, sweeping
SWEEP_LOCK = 0x64_6C_67_02
MAILBOX_LOCK_CLASS = 0x64_6C_67  # pg_advisory_xact_lock(class, hashtext(mailbox))

Conn = psycopg.Connection[tuple[Any, ...]]

#: Version 1: the shape of SQLite schema version 3 (envelopes and blobs in pools, counters per
#: mailbox and pool), plus the rate-limit buckets (sync/relay/ratelimit_pg.py).
SCHEMA_V1 = (
    """
    CREATE TABLE envelopes (
        cursor       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        mailbox      TEXT NOT NULL,
        envelope_id  TEXT NOT NULL,
        data         BYTEA NOT NULL,
        received_at  BIGINT NOT NULL,
        pool         TEXT NOT NULL DEFAULT 'open',
        UNIQUE (mailbox, envelope_id)
    )
    """,
    "CREATE INDEX envelopes_mailbox ON envelopes (mailbox, cursor)",
    "CREATE INDEX envelopes_received ON envelopes (received_at)",
    """
    CREATE TABLE tombstones (
        mailbox      TEXT NOT NULL,
        envelope_id  TEXT NOT NULL,
        expires_at   BIGINT NOT NULL,
        PRIMARY KEY (mailbox, envelope_id)
    )
    """,
    "CREATE INDEX tombstones_expiry ON tombstones (expires_at)",
    """
    CREATE TABLE nonces (
        mailbox     TEXT NOT NULL,
        nonce       TEXT NOT NULL,
        expires_at  BIGINT NOT NULL,
        PRIMARY KEY (mailbox, nonce)
    )
    """,
    "CREATE INDEX nonces_expiry ON nonces (expires_at)",
    """
    CREATE TABLE blobs (
        blob_id     TEXT PRIMARY KEY,
        size        BIGINT NOT NULL,
        total       BIGINT,
        complete    BOOLEAN NOT NULL DEFAULT FALSE,
        expires_at  BIGINT NOT NULL,
        mailbox     TEXT  -- the capability it is charged to; NULL: the open pool
    )
    """,
    "CREATE INDEX blobs_expiry ON blobs (expires_at)",
    """
    CREATE TABLE blob_parts (
        blob_id  TEXT NOT NULL REFERENCES blobs ON DELETE CASCADE,
        "offset" BIGINT NOT NULL,
        data     BYTEA NOT NULL,
        PRIMARY KEY (blob_id, "offset")
    )
    """,
    """
    CREATE TABLE mailboxes (
        mailbox          TEXT PRIMARY KEY,
        registered_at    BIGINT NOT NULL,
        tokenless_ended  BOOLEAN NOT NULL DEFAULT FALSE
    )
    """,
    """
    CREATE TABLE verifiers (
        mailbox     TEXT NOT NULL,
        verifier    TEXT NOT NULL,
        expires_at  BIGINT,
        PRIMARY KEY (mailbox, verifier)
    )
    """,
    """
    CREATE TABLE mailbox_usage (
        mailbox  TEXT NOT NULL,
        pool     TEXT NOT NULL,
        count    BIGINT NOT NULL,
        bytes    BIGINT NOT NULL,
        PRIMARY KEY (mailbox, pool)
    )
    """,
    "CREATE TABLE blob_usage (mailbox TEXT PRIMARY KEY, bytes BIGINT NOT NULL)",
    "CREATE TABLE pool_usage (pool TEXT PRIMARY KEY, bytes BIGINT NOT NULL)",
    "INSERT INTO pool_usage (pool, bytes) VALUES ('card', 0), ('open', 0)",
    """
    CREATE TABLE rate_buckets (
        key      TEXT PRIMARY KEY,  -- limiter name, a colon, the client address or mailbox
        tokens   DOUBLE PRECISION NOT NULL,
        stamp    DOUBLE PRECISION NOT NULL,  -- unix seconds of the last refill
        full_at  DOUBLE PRECISION NOT NULL   -- when it is full again: a row past it is swept
    )
    """,
    "CREATE INDEX rate_buckets_full ON rate_buckets (full_at)",
    # Refills the bucket ``k`` and takes one token if it holds one, under the row's lock;
    # returns 0 when allowed, else the seconds until a token is there.
    """
    CREATE FUNCTION relay_rate_take(
        k TEXT, cap DOUBLE PRECISION, rate DOUBLE PRECISION, now DOUBLE PRECISION
    ) RETURNS DOUBLE PRECISION LANGUAGE plpgsql AS $$
    DECLARE
        t DOUBLE PRECISION;
        s DOUBLE PRECISION;
    BEGIN
        INSERT INTO rate_buckets (key, tokens, stamp, full_at) VALUES (k, cap, now, now)
            ON CONFLICT (key) DO NOTHING;
        SELECT tokens, stamp INTO t, s FROM rate_buckets WHERE key = k FOR UPDATE;
        t := least(cap, t + greatest(0, now - s) * rate);  -- no row (swept): a full bucket
        IF t >= 1 THEN
            UPDATE rate_buckets SET tokens = t - 1, stamp = now,
                full_at = now + (cap - t + 1) / rate WHERE key = k;
            RETURN 0;
        END IF;
        UPDATE rate_buckets SET tokens = t, stamp = now, full_at = now + (cap - t) / rate
            WHERE key = k;
        RETURN (1 - t) / rate;
    END
    $$
    """,
)

#: Version 2: prekey bundles (docs/RELAY.md, "Prekeys"), opaque to the relay; one-time items
#: are claimed in the order they were added (``seq``); claimed ids are kept a while
#: (``prekeys_claimed``) so that no upload puts them back.
SCHEMA_V2 = (
    """
    CREATE TABLE prekey_bundles (
        mailbox     TEXT PRIMARY KEY,
        bundle      BYTEA NOT NULL,
        updated_at  BIGINT NOT NULL
    )
    """,
    """
    CREATE TABLE prekey_items (
        seq      BIGINT GENERATED ALWAYS AS IDENTITY,
        mailbox  TEXT NOT NULL,
        item_id  TEXT NOT NULL,
        data     BYTEA NOT NULL,
        PRIMARY KEY (mailbox, item_id)
    )
    """,
    "CREATE INDEX prekey_items_order ON prekey_items (mailbox, seq)",
    """
    CREATE TABLE prekeys_claimed (
        mailbox     TEXT NOT NULL,
        item_id     TEXT NOT NULL,
        expires_at  BIGINT NOT NULL,
        PRIMARY KEY (mailbox, item_id)
    )
    """,
    "CREATE INDEX prekeys_claimed_expiry ON prekeys_claimed (expires_at)",
)

#: Migration ``n`` brings a database from version ``n - 1`` to ``n``.
MIGRATIONS: dict[int, tuple[str, ...]] = {1: SCHEMA_V1, 2: SCHEMA_V2}
SCHEMA_VERSION = max(MIGRATIONS)


class PostgresStorageError(Exception):
    """The database cannot be used (unreachable, refused, or of a newer schema)."""


def _pool_scope(pool: str) -> str:
    return "relay" if pool == CARD_POOL else "open"


class PostgresStorage:
    def __init__(self, url: str, pool_size: int = 10) -> None:
        self._pool: ConnectionPool[Conn] = ConnectionPool(
            url,
            min_size=1,
            max_size=max(1, pool_size),
            timeout=POOL_TIMEOUT_SECONDS,
            open=False,
            kwargs={"autocommit": True},
        )
        try:
            # One direct connection first: a server that is down or refuses fails at once,
            # with libpq's reason, instead of after the pool's timeout.
            psycopg.connect(url, connect_timeout=int(POOL_TIMEOUT_SECONDS)).close()
            self._pool.open(wait=True, timeout=POOL_TIMEOUT_SECONDS)
            self._migrate()
        except (psycopg.Error, PoolTimeout) as exc:
            self._pool.close()
            raise PostgresStorageError(str(exc).strip() or type(exc).__name__) from exc

    @property
    def pool(self) -> ConnectionPool[Conn]:
        """The connection pool, shared with the rate limiters (sync/relay/ratelimit_pg.py)."""
        return self._pool

    def _migrate(self) -> None:
        """Brings the schema to :data:`SCHEMA_VERSION`; several processes may start at once."""
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            conn.execute("CREATE TABLE IF NOT EXISTS relay_schema (version INTEGER NOT NULL)")
            row = conn.execute("SELECT version FROM relay_schema").fetchone()
            version = 0 if row is None else int(row[0])
            if version > SCHEMA_VERSION:
                raise PostgresStorageError(
                    f"the database has relay schema version {version}; this relay knows up to"
                    f" {SCHEMA_VERSION}: upgrade the relay"
                )
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[step]:
                    conn.execute(statement)
            if row is None:
                conn.execute("INSERT INTO relay_schema (version) VALUES (%s)", (SCHEMA_VERSION,))
            else:
                conn.execute("UPDATE relay_schema SET version = %s", (SCHEMA_VERSION,))

    def _tx(self, work: Callable[[Conn], Any]) -> Any:
        with self._pool.connection() as conn, conn.transaction():
            return work(conn)

    @staticmethod
    def _lock_mailbox(conn: Conn, mailbox: str) -> None:
        conn.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (MAILBOX_LOCK_CLASS, mailbox)
        )

    @staticmethod
    def _charge_pool(conn: Conn, pool: str, added: int, limit: int) -> None:
        row = conn.execute(
            "UPDATE pool_usage SET bytes = bytes + %s WHERE pool = %s AND bytes + %s <= %s"
            " RETURNING bytes",
            (added, pool, added, limit),
        ).fetchone()
        if row is None:
            raise QuotaExceededError(_pool_scope(pool))

    def usage(self) -> dict[str, int]:
        with self._pool.connection() as conn:
            rows = conn.execute("SELECT pool, bytes FROM pool_usage").fetchall()
        return {str(pool): int(size) for pool, size in rows}

    def close(self) -> None:
        self._pool.close()

    def deposit(
        self,
        mailbox: str,
        envelopes: list[tuple[str, bytes]],
        now: int,
        quotas: Quotas,
        pool: str = OPEN_POOL,
    ) -> tuple[list[str], list[str]]:
        def work(conn: Conn) -> tuple[list[str], list[str]]:
            self._lock_mailbox(conn, mailbox)
            ids = [envelope_id for envelope_id, _ in envelopes]
            known = {
                str(r[0])
                for r in conn.execute(
                    "SELECT envelope_id FROM envelopes WHERE mailbox = %s AND envelope_id = ANY(%s)"
                    " UNION SELECT envelope_id FROM tombstones"
                    " WHERE mailbox = %s AND envelope_id = ANY(%s)",
                    (mailbox, ids, mailbox, ids),
                )
            }
            duplicates: list[str] = []
            fresh: list[tuple[str, bytes]] = []
            for envelope_id, data in envelopes:
                if envelope_id in known:
                    duplicates.append(envelope_id)
                else:
                    fresh.append((envelope_id, data))
                known.add(envelope_id)
            if fresh:
                added = sum(len(data) for _, data in fresh)
                if len(fresh) > quotas.mailbox_count or added > quotas.mailbox_bytes:
                    raise QuotaExceededError("mailbox")
                row = conn.execute(
                    "INSERT INTO mailbox_usage AS u (mailbox, pool, count, bytes)"
                    " VALUES (%s, %s, %s, %s) ON CONFLICT (mailbox, pool) DO UPDATE"
                    " SET count = u.count + excluded.count, bytes = u.bytes + excluded.bytes"
                    " WHERE u.count + excluded.count <= %s AND u.bytes + excluded.bytes <= %s"
                    " RETURNING count",
                    (mailbox, pool, len(fresh), added, quotas.mailbox_count, quotas.mailbox_bytes),
                ).fetchone()
                if row is None:
                    raise QuotaExceededError("mailbox")
                self._charge_pool(conn, pool, added, quotas.pool_bytes(pool))
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO envelopes (mailbox, envelope_id, data, received_at, pool)"
                        " VALUES (%s, %s, %s, %s, %s)",
                        [(mailbox, envelope_id, data, now, pool) for envelope_id, data in fresh],
                    )
            return [envelope_id for envelope_id, _ in fresh], duplicates

        result: tuple[list[str], list[str]] = self._tx(work)
        return result

    def register_verifier(
        self, mailbox: str, verifier: str, now: int, grace: int, end_tokenless: bool = False
    ) -> int:
        def work(conn: Conn) -> int:
            self._lock_mailbox(conn, mailbox)
            conn.execute(
                "INSERT INTO mailboxes (mailbox, registered_at) VALUES (%s, %s)"
                " ON CONFLICT (mailbox) DO NOTHING",
                (mailbox, now),
            )
            if end_tokenless:
                conn.execute(
                    "UPDATE mailboxes SET tokenless_ended = TRUE WHERE mailbox = %s", (mailbox,)
                )
            current = conn.execute(
                "SELECT verifier FROM verifiers WHERE mailbox = %s AND expires_at IS NULL",
                (mailbox,),
            ).fetchone()
            if current is None or current[0] != verifier:
                conn.execute(
                    "UPDATE verifiers SET expires_at = %s"
                    " WHERE mailbox = %s AND expires_at IS NULL",
                    (now + grace, mailbox),
                )
                conn.execute(
                    "INSERT INTO verifiers (mailbox, verifier, expires_at) VALUES (%s, %s, NULL)"
                    " ON CONFLICT (mailbox, verifier) DO UPDATE SET expires_at = NULL",
                    (mailbox, verifier),
                )
            conn.execute(
                "DELETE FROM verifiers WHERE mailbox = %s AND expires_at IS NOT NULL"
                " AND (expires_at < %s OR verifier NOT IN (SELECT verifier FROM verifiers"
                " WHERE mailbox = %s AND expires_at IS NOT NULL"
                " ORDER BY expires_at DESC LIMIT %s))",
                (mailbox, now, mailbox, MAX_PREVIOUS_VERIFIERS),
            )
            row = conn.execute(
                "SELECT count(*) FROM verifiers WHERE mailbox = %s AND expires_at IS NOT NULL",
                (mailbox,),
            ).fetchone()
            return 0 if row is None else int(row[0])

        retired: int = self._tx(work)
        return retired

    def mailbox_access(self, mailbox: str, now: int) -> MailboxAccess:
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT registered_at, tokenless_ended FROM mailboxes WHERE mailbox = %s",
                (mailbox,),
            ).fetchone()
            rows = conn.execute(
                "SELECT verifier FROM verifiers WHERE mailbox = %s"
                " AND (expires_at IS NULL OR expires_at >= %s)",
                (mailbox, now),
            ).fetchall()
        verifiers = tuple(str(r[0]) for r in rows)
        if row is None:
            return MailboxAccess(None, verifiers)
        return MailboxAccess(int(row[0]), verifiers, bool(row[1]))

    def fetch(self, mailbox: str, after: int, limit: int) -> tuple[list[StoredEnvelope], bool]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT envelope_id, data, cursor, received_at FROM envelopes"
                " WHERE mailbox = %s AND cursor > %s ORDER BY cursor LIMIT %s",
                (mailbox, after, limit + 1),
            ).fetchall()
        envelopes = [StoredEnvelope(r[0], bytes(r[1]), int(r[2]), int(r[3])) for r in rows[:limit]]
        return envelopes, len(rows) > limit

    @staticmethod
    def _delete_envelopes(conn: Conn, where: sql.Composable, params: tuple[Any, ...]) -> int:
        """Deletes the envelopes ``where`` selects and takes them off the counters; returns how
        many went. Counter rows are locked in one global order (``mailbox_usage`` by mailbox and
        pool, then ``pool_usage`` by pool), the order every writer takes them in, so concurrent
        deletes, deposits and sweeps never deadlock."""
        gone = conn.execute(
            sql.SQL(
                "WITH gone AS (DELETE FROM envelopes WHERE {where}"
                " RETURNING mailbox, pool, octet_length(data) AS n)"
                " SELECT mailbox, pool, count(*), sum(n) FROM gone GROUP BY mailbox, pool"
                " ORDER BY mailbox, pool"
            ).format(where=where),
            params,
        ).fetchall()
        per_pool: dict[str, int] = {}
        with conn.cursor() as cur:
            cur.executemany(
                "UPDATE mailbox_usage SET count = count - %s, bytes = bytes - %s"
                " WHERE mailbox = %s AND pool = %s",
                [(int(c), int(b), m, p) for m, p, c, b in gone],
            )
        for _mailbox, pool, _count, size in gone:
            per_pool[pool] = per_pool.get(pool, 0) + int(size)
        for pool in sorted(per_pool):
            conn.execute(
                "UPDATE pool_usage SET bytes = bytes - %s WHERE pool = %s", (per_pool[pool], pool)
            )
        return sum(int(c) for _m, _p, c, _b in gone)

    def acknowledge(self, mailbox: str, ids: list[str], tombstone_until: int) -> int:
        unique = list(dict.fromkeys(ids))

        def work(conn: Conn) -> int:
            self._lock_mailbox(conn, mailbox)
            deleted = self._delete_envelopes(
                conn, sql.SQL("mailbox = %s AND envelope_id = ANY(%s)"), (mailbox, unique)
            )
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO tombstones (mailbox, envelope_id, expires_at) VALUES (%s, %s, %s)"
                    " ON CONFLICT (mailbox, envelope_id) DO UPDATE SET expires_at = %s",
                    [(mailbox, i, tombstone_until, tombstone_until) for i in unique],
                )
            return deleted

        deleted: int = self._tx(work)
        return deleted

    def wipe(self, mailbox: str, tombstone_until: int) -> int:
        def work(conn: Conn) -> int:
            self._lock_mailbox(conn, mailbox)
            conn.execute(
                "INSERT INTO tombstones (mailbox, envelope_id, expires_at)"
                " SELECT mailbox, envelope_id, %s FROM envelopes WHERE mailbox = %s"
                " ON CONFLICT (mailbox, envelope_id)"
                " DO UPDATE SET expires_at = excluded.expires_at",
                (tombstone_until, mailbox),
            )
            conn.execute("DELETE FROM prekey_items WHERE mailbox = %s", (mailbox,))
            conn.execute("DELETE FROM prekey_bundles WHERE mailbox = %s", (mailbox,))
            return self._delete_envelopes(conn, sql.SQL("mailbox = %s"), (mailbox,))

        deleted: int = self._tx(work)
        return deleted

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
        def work(conn: Conn) -> int:
            self._lock_mailbox(conn, mailbox)  # uploads and claims of a mailbox in turn
            if replace:
                conn.execute("DELETE FROM prekey_items WHERE mailbox = %s", (mailbox,))
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO prekey_items (mailbox, item_id, data) SELECT %s, %s, %s"
                    " WHERE NOT EXISTS (SELECT 1 FROM prekeys_claimed"
                    " WHERE mailbox = %s AND item_id = %s)"
                    " ON CONFLICT (mailbox, item_id) DO NOTHING",
                    [(mailbox, item_id, data, mailbox, item_id) for item_id, data in items],
                )
            row = conn.execute(
                "SELECT count(*) FROM prekey_items WHERE mailbox = %s", (mailbox,)
            ).fetchone()
            stored = 0 if row is None else int(row[0])
            if stored > max_stored:
                raise PrekeyLimitError  # the transaction rolls back: nothing stored
            conn.execute(
                "INSERT INTO prekey_bundles (mailbox, bundle, updated_at) VALUES (%s, %s, %s)"
                " ON CONFLICT (mailbox) DO UPDATE"
                " SET bundle = excluded.bundle, updated_at = excluded.updated_at",
                (mailbox, bundle, now),
            )
            return stored

        stored: int = self._tx(work)
        return stored

    def prekey_status(self, mailbox: str) -> PrekeyStatus:
        with self._pool.connection() as conn, conn.transaction():  # one snapshot for both
            published = conn.execute(
                "SELECT 1 FROM prekey_bundles WHERE mailbox = %s", (mailbox,)
            ).fetchone()
            rows = conn.execute(
                "SELECT item_id FROM prekey_items WHERE mailbox = %s ORDER BY seq", (mailbox,)
            ).fetchall()
        return PrekeyStatus(published is not None, tuple(str(r[0]) for r in rows))

    def claim_prekey(self, mailbox: str, claimed_until: int) -> PrekeyClaim | None:
        def work(conn: Conn) -> PrekeyClaim | None:
            # The mailbox lock makes claims at every process take turns: each removes another
            # item, and none sees an item another claim removed but has not committed yet.
            self._lock_mailbox(conn, mailbox)
            header = conn.execute(
                "SELECT bundle FROM prekey_bundles WHERE mailbox = %s", (mailbox,)
            ).fetchone()
            if header is None:
                return None
            row = conn.execute(
                "DELETE FROM prekey_items WHERE (mailbox, item_id) = (SELECT mailbox, item_id"
                " FROM prekey_items WHERE mailbox = %s ORDER BY seq LIMIT 1)"
                " RETURNING item_id, data",
                (mailbox,),
            ).fetchone()
            if row is None:
                return PrekeyClaim(bytes(header[0]), None)
            conn.execute(
                "INSERT INTO prekeys_claimed (mailbox, item_id, expires_at) VALUES (%s, %s, %s)"
                " ON CONFLICT (mailbox, item_id) DO UPDATE SET expires_at = excluded.expires_at",
                (mailbox, row[0], claimed_until),
            )
            return PrekeyClaim(bytes(header[0]), (str(row[0]), bytes(row[1])))

        claim: PrekeyClaim | None = self._tx(work)
        return claim

    def use_nonce(self, mailbox: str, nonce: str, expires_at: int) -> bool:
        with self._pool.connection() as conn:
            cursor = conn.execute(
                "INSERT INTO nonces (mailbox, nonce, expires_at) VALUES (%s, %s, %s)"
                " ON CONFLICT (mailbox, nonce) DO NOTHING",
                (mailbox, nonce, expires_at),
            )
            return cursor.rowcount == 1

    def blob_status(self, blob_id: str) -> BlobStatus | None:
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT size, complete, total FROM blobs WHERE blob_id = %s", (blob_id,)
            ).fetchone()
        if row is None:
            return None
        return BlobStatus(int(row[0]), bool(row[1]), None if row[2] is None else int(row[2]))

    def blob_owner(self, blob_id: str) -> tuple[bool, str | None]:
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT mailbox FROM blobs WHERE blob_id = %s", (blob_id,)
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

        def work(conn: Conn) -> int:
            conn.execute(
                "INSERT INTO blobs (blob_id, size, expires_at, mailbox) VALUES (%s, 0, %s, %s)"
                " ON CONFLICT (blob_id) DO NOTHING",
                (blob_id, expires_at, mailbox),
            )
            row = conn.execute(
                "SELECT size, complete, mailbox FROM blobs WHERE blob_id = %s FOR UPDATE",
                (blob_id,),
            ).fetchone()
            if row is None:  # swept between the two statements
                raise OffsetMismatchError(0)
            size = int(row[0])
            if row[1] or offset != size:
                raise OffsetMismatchError(size)
            if row[2] != mailbox:
                raise BlobOwnerError  # charged to another capability than the one checked
            pool = OPEN_POOL if mailbox is None else CARD_POOL
            if data:
                self._charge_pool(conn, pool, len(data), quotas.pool_bytes(pool))
            if data and mailbox is not None:
                if len(data) > quotas.mailbox_blob_bytes:
                    raise QuotaExceededError("mailbox")
                charged = conn.execute(
                    "INSERT INTO blob_usage AS u (mailbox, bytes) VALUES (%s, %s)"
                    " ON CONFLICT (mailbox) DO UPDATE SET bytes = u.bytes + excluded.bytes"
                    " WHERE u.bytes + excluded.bytes <= %s RETURNING bytes",
                    (mailbox, len(data), quotas.mailbox_blob_bytes),
                ).fetchone()
                if charged is None:
                    raise QuotaExceededError("mailbox")
            if data:
                view = memoryview(data)
                with conn.cursor() as cur:
                    cur.executemany(
                        'INSERT INTO blob_parts (blob_id, "offset", data) VALUES (%s, %s, %s)',
                        [
                            (blob_id, offset + start, bytes(view[start : start + PART_BYTES]))
                            for start in range(0, len(data), PART_BYTES)
                        ],
                    )
                conn.execute(
                    "UPDATE blobs SET size = %s WHERE blob_id = %s", (size + len(data), blob_id)
                )
            return size + len(data)

        size: int = self._tx(work)
        return BlobStatus(size, False, None)

    def blob_complete(self, blob_id: str, total: int) -> BlobStatus:
        def work(conn: Conn) -> int:
            row = conn.execute(
                "SELECT size FROM blobs WHERE blob_id = %s FOR UPDATE", (blob_id,)
            ).fetchone()
            size = 0 if row is None else int(row[0])
            if row is None or size != total:
                raise OffsetMismatchError(size)
            conn.execute(
                "UPDATE blobs SET complete = TRUE, total = %s WHERE blob_id = %s", (total, blob_id)
            )
            return size

        size: int = self._tx(work)
        return BlobStatus(size, True, total)

    def blob_chunks(self, blob_id: str, offset: int) -> Iterator[bytes]:
        with self._pool.connection() as conn:
            row = conn.execute(
                'SELECT "offset" FROM blob_parts WHERE blob_id = %s AND "offset" <= %s'
                ' ORDER BY "offset" DESC LIMIT 1',
                (blob_id, offset),
            ).fetchone()
        position = offset
        part_offset = None if row is None else int(row[0])
        while part_offset is not None:
            with self._pool.connection() as conn:
                found = conn.execute(
                    'SELECT data FROM blob_parts WHERE blob_id = %s AND "offset" = %s',
                    (blob_id, part_offset),
                ).fetchone()
                following = conn.execute(
                    'SELECT "offset" FROM blob_parts WHERE blob_id = %s AND "offset" > %s'
                    ' ORDER BY "offset" LIMIT 1',
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
        """Deletes in bounded transactions; one process sweeps at a time (the others wait for
        its batch, then find little left)."""
        removed = 0
        while True:

            def batch(conn: Conn) -> int:
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (SWEEP_LOCK,))
                return self._delete_envelopes(
                    conn,
                    sql.SQL(
                        "cursor IN (SELECT cursor FROM envelopes WHERE received_at < %s LIMIT %s)"
                    ),
                    (now - envelope_ttl, SWEEP_BATCH),
                )

            count: int = self._tx(batch)
            removed += count
            if count < SWEEP_BATCH:
                break

        for statement, params in (
            ("DELETE FROM tombstones WHERE expires_at < %s", (now,)),
            ("DELETE FROM nonces WHERE expires_at < %s", (now,)),
            ("DELETE FROM prekeys_claimed WHERE expires_at < %s", (now,)),
            ("DELETE FROM verifiers WHERE expires_at < %s", (now,)),
            ("DELETE FROM rate_buckets WHERE full_at < %s", (float(now),)),
            ("DELETE FROM mailbox_usage WHERE count <= 0", ()),
            ("DELETE FROM blob_usage WHERE bytes <= 0", ()),
        ):  # one short transaction each: none holds rows while it waits for others

            def one(
                conn: Conn, statement: str = statement, params: tuple[Any, ...] = params
            ) -> None:
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (SWEEP_LOCK,))
                conn.execute(statement, params)

            self._tx(one)
        with self._pool.connection() as conn:
            expired = [
                str(r[0])
                for r in conn.execute("SELECT blob_id FROM blobs WHERE expires_at < %s", (now,))
            ]
        for blob_id in expired:  # one transaction per blob: a blob can be a gigabyte
            with self._pool.connection() as conn, conn.transaction():
                self._drop_blob(conn, blob_id, now)
        return removed

    @staticmethod
    def _drop_blob(conn: Conn, blob_id: str, now: int) -> None:
        row = conn.execute(
            "SELECT mailbox FROM blobs WHERE blob_id = %s AND expires_at < %s FOR UPDATE",
            (blob_id, now),
        ).fetchone()
        if row is None:
            return
        owner = row[0]
        held = conn.execute(
            "SELECT coalesce(sum(octet_length(data)), 0) FROM blob_parts WHERE blob_id = %s",
            (blob_id,),
        ).fetchone()
        size = 0 if held is None else int(held[0])
        conn.execute("DELETE FROM blobs WHERE blob_id = %s", (blob_id,))  # parts cascade
        if size:
            conn.execute(
                "UPDATE pool_usage SET bytes = bytes - %s WHERE pool = %s",
                (size, OPEN_POOL if owner is None else CARD_POOL),
            )
            if owner is not None:
                conn.execute(
                    "UPDATE blob_usage SET bytes = bytes - %s WHERE mailbox = %s", (size, owner)
                )
