"""Opens the storage ``--db`` names (SQLite in-process, PostgreSQL through a pool)."""

from __future__ import annotations

import sqlite3

from sync.relay.database_url import Database, PostgresDatabase
from sync.relay.storage import RelayStorage, SQLiteStorage

DEFAULT_POOL_SIZE = 10


class StorageOpenError(Exception):
    """The database cannot be opened; the message names it (never its password)."""


def open_storage(database: Database, pool_size: int = DEFAULT_POOL_SIZE) -> RelayStorage:
    if isinstance(database, PostgresDatabase):
        try:
            from sync.relay.storage_pg import PostgresStorage, PostgresStorageError
        except ImportError as exc:
            raise StorageOpenError(
                "PostgreSQL needs psycopg 3 and psycopg-pool (the 'relay' extra)"
            ) from exc
        try:
            return PostgresStorage(database.url, pool_size=pool_size)
        except PostgresStorageError as exc:
            raise StorageOpenError(f"cannot open {database.display}: {exc}") from exc
    try:
        database.path.parent.mkdir(parents=True, exist_ok=True)
        return SQLiteStorage(database.path)
    except (OSError, sqlite3.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise StorageOpenError(f"cannot open {database.path}: {reason}") from exc
