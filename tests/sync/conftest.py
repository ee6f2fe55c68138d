"""Fixtures for sync tests: a real relay subprocess on loopback and profiles that use it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.relay_server import RelayProcess

#: Tests push far more traffic per minute than a person would: lift the relay's rate limits.
RELAY_ARGS = (
    "--rate-per-client-per-minute", "1000000", "--rate-per-mailbox-per-minute", "1000000",
    "--rate-rejected-per-client-per-minute", "1000000",
)  # fmt: skip


def start_relay(db: Path | str, *extra: str, port: int | None = None) -> RelayProcess:
    return RelayProcess(db, *RELAY_ARGS, *extra, port=port).start()


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[RelayProcess]:
    process = start_relay(tmp_path / "relay.db")
    try:
        yield process
    finally:
        process.stop()
