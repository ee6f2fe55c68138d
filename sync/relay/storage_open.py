"""Opens the storage ``--db`` names (SQLite in-process, PostgreSQL through a pool)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from sync.relay.database_url import DEFAULT_POOL_SIZE, Database, PostgresDatabase
from sync.relay.notifier import LocalNotifier, Notifier
from sync.relay.ratelimit import LimiterFactory, in_memory
from sync.relay.storage import RelayStorage, SQLiteStorage


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


def limiters_for(database: Database) -> tuple[LimiterFactory, Callable[[], None]]:
    """The rate limiters for ``database`` and what closes them: on PostgreSQL the buckets are
    rows, shared by every process on it; on SQLite (one process) they stay in memory."""
    if isinstance(database, PostgresDatabase):
        from sync.relay.ratelimit_pg import SharedBuckets

        buckets = SharedBuckets(database.url)
        return buckets.limiter, buckets.close
    return in_memory, lambda: None


def notifier_for(database: Database) -> Notifier:
    """What wakes long-poll fetches: on PostgreSQL a deposit at any process of the database
    (``LISTEN``/``NOTIFY``); on SQLite, one process, in memory."""
    if isinstance(database, PostgresDatabase):
        from sync.relay.notifier_pg import PostgresNotifier

        return PostgresNotifier(database.url)
    return LocalNotifier()
