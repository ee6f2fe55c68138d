"""``--db``: a path or sqlite:/// URL is SQLite, postgresql:// is PostgreSQL, others refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sync.relay.database_url import (
    DatabaseURLError,
    PostgresDatabase,
    SQLiteDatabase,
    parse_database,
    redact,
)


@pytest.mark.parametrize(("value", "path"), [
    ("relay.db", "relay.db"),
    ("/var/lib/delegate/relay.db", "/var/lib/delegate/relay.db"),
    ("sqlite:///var/lib/relay.db", "/var/lib/relay.db"),
    ("sqlite:relative/relay.db", "relative/relay.db"),
    ("C:/relay/relay.db", "C:/relay/relay.db"),
])  # fmt: skip
def test_paths_and_sqlite_urls_are_sqlite(value: str, path: str) -> None:
    assert parse_database(value) == SQLiteDatabase(Path(path))


@pytest.mark.parametrize("value", [
    "postgresql://relay@db.example.org/relay", "postgres://relay:pw@127.0.0.1:5432/relay",
    "postgresql:///relay?host=/run/postgresql",
])  # fmt: skip
def test_postgresql_urls_are_postgresql(value: str) -> None:
    assert parse_database(value) == PostgresDatabase(value)


@pytest.mark.parametrize("value", [
    "mysql://relay@db/relay", "postgresql+psycopg://relay@db/relay", "http://db/relay",
    "sqlite://host/relay.db", "postgresql:relay", "file:///relay.db", "", "  ",
])  # fmt: skip
def test_other_schemes_are_refused(value: str) -> None:
    with pytest.raises(DatabaseURLError):
        parse_database(value)


def test_passwords_never_appear_in_messages() -> None:
    assert redact("postgresql://relay:s3cret@db/relay") == "postgresql://relay:***@db/relay"
    assert "s3cret" not in redact("postgresql://db/relay?password=s3cret&sslmode=require")
    with pytest.raises(DatabaseURLError) as refused:
        parse_database("mysql://relay:s3cret@db/relay")
    assert "s3cret" not in str(refused.value)


@pytest.mark.parametrize("value", [
    "mysql://relay:s3cret@db/relay", "postgresql+psycopg://relay@db/relay", "http://db/x",
])  # fmt: skip
def test_cli_refuses_an_unknown_scheme_and_creates_nothing(tmp_path: Path, value: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sync.relay.cli", "--db", value],
        capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert "unknown database scheme" in done.stderr and "s3cret" not in done.stderr
    assert list(tmp_path.iterdir()) == []
