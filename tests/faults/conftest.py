"""Fault-injection fixtures and the session report (rounds, kills, messages, fuzz inputs)."""

from __future__ import annotations

import pytest

from tests.faults import report
from tests.sync.conftest import relay  # noqa: F401 - the same real-relay fixture


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = report.render()
    if not lines:
        return
    terminalreporter.section("proof under fire: fault injection and fuzzing")
    for line in lines:
        terminalreporter.write_line(line)
