"""Without a session bus the app runs under a private one that ends with it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from delegate_app.session_bus import BUS_ADDRESS_ENV, PRIVATE_BUS_ENV, private_bus_command

RUN_SESSION = "/usr/bin/dbus-run-session"
COMMAND = ["/usr/bin/python3", "-m", "delegate_app.app", "--profile", "/p"]


def test_no_bus_restarts_under_a_private_one() -> None:
    assert private_bus_command({}, COMMAND, "linux", RUN_SESSION) == [RUN_SESSION, "--", *COMMAND]


def test_a_present_bus_or_a_restarted_app_goes_on_as_is() -> None:
    assert (
        private_bus_command({BUS_ADDRESS_ENV: "unix:path=/b"}, COMMAND, "linux", RUN_SESSION)
        is None
    )
    assert private_bus_command({PRIVATE_BUS_ENV: "1"}, COMMAND, "linux", RUN_SESSION) is None


def test_other_systems_and_missing_tool_go_on_as_is() -> None:
    assert private_bus_command({}, COMMAND, "darwin", RUN_SESSION) is None
    assert private_bus_command({}, COMMAND, "win32", RUN_SESSION) is None
    assert private_bus_command({}, COMMAND, "linux", None) is None


def test_the_restart_runs_the_same_command_line_with_a_bus(tmp_path: Path) -> None:
    """The real re-exec, through a script that restarts itself and reports what it then has."""
    script = tmp_path / "probe.py"
    script.write_text(
        "import os, sys\n"
        "from delegate_app.session_bus import restart_with_private_bus\n"
        "restart_with_private_bus()\n"
        f"print(os.environ.get({BUS_ADDRESS_ENV!r}, ''), os.environ.get({PRIVATE_BUS_ENV!r}, ''),"
        " sys.argv[1:])\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in (BUS_ADDRESS_ENV, PRIVATE_BUS_ENV)}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    result = subprocess.run(
        [sys.executable, str(script), "--flag", "x"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    address, marker, args = result.stdout.strip().split(" ", 2)
    assert address.startswith("unix:")
    assert marker == "1"
    assert args == "['--flag', 'x']"
