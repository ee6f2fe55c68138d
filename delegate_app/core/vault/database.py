"""A SQLCipher connection opened with a raw 32-byte key, plus transactions and migrations.

Each thread that touches the vault opens its own :class:`Database` (SQLite
connections are not shared across threads); WAL mode lets a sync worker write
while the GUI reads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import sqlcipher3

from delegate_app.core.documents.search_query import index_text
from delegate_app.core.documents.stemming import text_stems
from delegate_app.core.errors import (
    MigrationError,
    VaultCorruptError,
    VaultFullError,
    VaultStorageError,
)
from delegate_app.core.vault.migrations import Migration, all_migrations
from delegate_app.i18n import _

Row = sqlcipher3.Row
IntegrityError = sqlcipher3.IntegrityError
BUSY_TIMEOUT_MS = 10_000
# SQLite's primary result codes (the low byte of an extended code).
SQLITE_IOERR = 10
SQLITE_FULL = 13


def storage_error(exc: BaseException) -> VaultStorageError | None:
    """The typed error for a SQLite failure caused by the disk (full, I/O), else None."""
    if not isinstance(exc, sqlcipher3.DatabaseError):
        return None
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary == SQLITE_FULL or (primary is None and "disk is full" in str(exc)):
        message = _("The disk is full; nothing was saved. Free some space and try again.")
        return VaultFullError(message)
    if primary == SQLITE_IOERR or (primary is None and "disk I/O error" in str(exc)):
        return VaultStorageError(
            _("The vault could not be written to the disk (I/O error); nothing was saved.")
        )
    return None


@contextmanager
def _disk_errors() -> Iterator[None]:
    """Turn SQLite's "disk full" and I/O errors into :class:`VaultStorageError`."""
    try:
        yield
    except sqlcipher3.DatabaseError as exc:
        typed = storage_error(exc)
        if typed is None:
            raise
        raise typed from None


def _touch_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 so SQLite's own files inherit owner-only access."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


def _index_text(text: object) -> str:
    return index_text(text if isinstance(text, str) else "")


def _stem_text(*texts: object) -> str:
    """The stems of messages and comments: their language is unknown, so each word goes
    through every stemmer of its script (ADR 0026)."""
    return text_stems([index_text(t) for t in texts if isinstance(t, str)], None)


class Database:
    """One open, keyed connection to the vault database."""

    def __init__(self, connection: Any, path: Path) -> None:
        self._conn = connection
        self.path = path
        self._tx_depth = 0
        self._lock = threading.RLock()

    @classmethod
    def open(
        cls, path: Path, key: bytes, *, create: bool = False, cache_kib: int | None = None
    ) -> Database:
        """Open (or with ``create`` make) the database at ``path`` keyed with ``key``.

        ``cache_kib`` bounds the page cache (decrypted pages kept in memory); SQLCipher's
        default (about 8 MiB) otherwise. The cache fills only as pages are read."""
        if create:
            _touch_private(path)
        elif not path.exists():
            raise VaultCorruptError(f"The vault database {path.name} is missing.")
        conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            # Off on purpose (docs/adr/0006): it made every vault operation ~4x slower while the
            # plaintext it would guard also lives in Python and Qt objects nobody can wipe.
            conn.execute("PRAGMA cipher_memory_security = OFF")
            # Fails here with "file is not a database" for a wrong key or a foreign file.
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if cache_kib is not None:
                conn.execute(f"PRAGMA cache_size = {-int(cache_kib)}")
            # The search triggers (migration 12) index text through this, on every connection.
            conn.create_function("delegate_index_text", 1, _index_text, deterministic=True)
            # And their stems (migration 16): one argument for a message, two for a comment.
            conn.create_function("delegate_stem_text", -1, _stem_text, deterministic=True)
        except sqlcipher3.DatabaseError:
            conn.close()
            raise VaultCorruptError(
                f"The vault database {path.name} is corrupt or does not match its key file."
            ) from None
        conn.row_factory = sqlcipher3.Row
        return cls(conn, path)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- queries -------------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        with self._lock, _disk_errors():
            return self._conn.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        with self._lock, _disk_errors():
            return self._conn.executemany(sql, rows)

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        with self._lock, _disk_errors():
            return list(self._conn.execute(sql, params).fetchall())

    def query_one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any | None:
        with self._lock, _disk_errors():
            return self._conn.execute(sql, params).fetchone()

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; rolls back on any exception. Nests as savepoints.

        A disk that fills up makes the statement (or the commit) fail with
        :class:`VaultFullError`; the whole transaction is then rolled back, whether SQLite
        already did so itself or not, so a failed operation never leaves half its rows.
        """
        with self._lock:
            depth = self._tx_depth
            name = f"sp{depth}"
            with _disk_errors():
                self._conn.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT {name}")
            self._tx_depth += 1
            try:
                yield self
            except BaseException:
                self._tx_depth -= 1
                self._roll_back(depth, name)
                raise
            self._tx_depth -= 1
            try:
                with _disk_errors():
                    self._conn.execute("COMMIT" if depth == 0 else f"RELEASE {name}")
            except BaseException:
                self._roll_back(depth, name)
                raise

    def _roll_back(self, depth: int, name: str) -> None:
        # After SQLITE_FULL or an I/O error SQLite may have rolled the whole transaction
        # back on its own; then there is nothing left to undo here.
        if not self._conn.in_transaction:
            return
        if depth == 0:
            self._conn.execute("ROLLBACK")
            return
        # If the savepoint went with an automatic rollback, the outer level (which sees the
        # same exception) rolls back what is left.
        with suppress(sqlcipher3.OperationalError):
            self._conn.execute(f"ROLLBACK TO {name}")
            self._conn.execute(f"RELEASE {name}")

    # -- settings ------------------------------------------------------------------------

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        row = self.query_one("SELECT value FROM settings WHERE key = ?", (key,))
        return default if row is None else str(row["value"])

    def set_setting(self, key: str, value: str) -> None:
        self.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- schema --------------------------------------------------------------------------

    @property
    def user_version(self) -> int:
        row = self.query_one("PRAGMA user_version")
        return int(row[0]) if row is not None else 0

    def migrate(self, migrations: Sequence[Migration] | None = None) -> int:
        """Apply the migrations newer than the database, each in its own transaction."""
        migrations = all_migrations() if migrations is None else migrations
        current = self.user_version
        latest = migrations[-1].version if migrations else 0
        if current > latest:
            raise MigrationError(
                "This vault was written by a newer version of Delegate; update the app to open it."
            )
        for migration in migrations:
            if migration.version <= current:
                continue
            try:
                with self.transaction():
                    for statement in migration.statements:
                        self._conn.execute(statement)
                    self._conn.execute(f"PRAGMA user_version = {int(migration.version)}")
            except sqlcipher3.DatabaseError as exc:
                raise MigrationError(
                    f"Upgrading the vault to version {migration.version} ({migration.name}) "
                    f"failed: {exc}"
                ) from None
        return self.user_version

    def checkpoint(self) -> None:
        """Fold the WAL into the main file (used before lock and by tests)."""
        self.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def integrity_check(self) -> list[str]:
        """SQLite's ``PRAGMA integrity_check``: ``["ok"]`` for a sound database."""
        return [str(row[0]) for row in self.query("PRAGMA integrity_check")]
