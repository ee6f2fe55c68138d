"""Fault-injection fixtures and the session report (rounds, kills, messages, fuzz inputs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults import report
from tests.relay_server import RelayProcess
from tests.sync.conftest import start_relay


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[RelayProcess]:
    """A real relay on a free loopback port, rate limits lifted, stopped after the test."""
    process = start_relay(tmp_path / "relay.db")
    try:
        yield process
    finally:
        process.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = report.render()
    if not lines:
        return
    terminalreporter.section("proof under fire: fault injection and fuzzing")
    for line in lines:
        terminalreporter.write_line(line)
