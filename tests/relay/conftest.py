"""A real relay on a free loopback port, started fresh for each test that asks, on each
storage engine: an embedded SQLite file and a PostgreSQL database (tests/pg_server.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.relay.database_url import SQLiteDatabase, parse_database
from sync.relay.storage import RelayStorage
from sync.relay.storage_open import open_storage
from tests.relay_server import RelayProcess

ENGINES = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A module that sets ``RELAY_ENGINES = ENGINES`` runs its relay tests on each engine;
    the others on SQLite only (their subject is not storage: keeps the suite's time modest)."""
    engines = getattr(metafunc.module, "RELAY_ENGINES", None)
    if engines and "relay_db" in metafunc.fixturenames:
        metafunc.parametrize("relay_db", engines, indirect=True)


@pytest.fixture
def relay_db(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a relay keeps its data: a SQLite file, or a fresh PostgreSQL database's URL."""
    if getattr(request, "param", "sqlite") == "sqlite":
        return tmp_path / "relay.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def storage(relay_db: Path | str) -> Iterator[RelayStorage]:
    """The storage itself, in this process, on the same engine as ``relay``."""
    opened = open_storage(
        parse_database(relay_db) if isinstance(relay_db, str) else SQLiteDatabase(relay_db)
    )
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def relay(relay_db: Path | str, tmp_path: Path) -> Iterator[RelayProcess]:
    process = RelayProcess(relay_db, log=tmp_path / "relay.log").start()
    try:
        yield process
    finally:
        process.stop()
