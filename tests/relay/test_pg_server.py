"""The test PostgreSQL server: missing server binaries are an error that says what to install."""

from __future__ import annotations

import pytest

from tests import pg_server


def test_missing_server_binaries_fail_with_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pg_server, "BINARIES", "/nonexistent/postgresql/*/bin")
    with pytest.raises(pg_server.PostgresMissingError, match="apt-get install postgresql"):
        pg_server.PostgresServer()
