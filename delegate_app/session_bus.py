"""A D-Bus session bus that ends with the app, where the desktop provides none.

Without ``DBUS_SESSION_BUS_ADDRESS`` (a bare X server, a remote X session, ``make run`` from a
console), libdbus "autolaunches" a bus for Qt's accessibility bridge and the keyring: a
``dbus-launch`` and its ``dbus-daemon`` that outlive the app, holding whatever services were
activated on them. The app then restarts itself under ``dbus-run-session``, which stops its bus
(and so the services on it) when the app exits. Linux only; a present bus is always used as is.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping, Sequence

BUS_ADDRESS_ENV = "DBUS_SESSION_BUS_ADDRESS"
PRIVATE_BUS_ENV = "DELEGATE_PRIVATE_SESSION_BUS"  # set in the restarted app: never twice


def private_bus_command(
    environ: Mapping[str, str],
    command_line: Sequence[str],
    platform: str,
    run_session: str | None,
) -> list[str] | None:
    """The command that restarts ``command_line`` under a private bus, or None to go on as is."""
    if not platform.startswith("linux") or run_session is None:
        return None
    if environ.get(BUS_ADDRESS_ENV) or environ.get(PRIVATE_BUS_ENV):
        return None
    return [run_session, "--", *command_line]


def restart_with_private_bus() -> None:
    """Replace this process by itself under ``dbus-run-session`` when there is no session bus."""
    # A frozen installer's bootloader is the executable; Python's own command line otherwise.
    frozen = getattr(sys, "frozen", False)
    command_line = [sys.executable, *sys.argv[1:]] if frozen else sys.orig_argv
    command = private_bus_command(
        os.environ, command_line, sys.platform, shutil.which("dbus-run-session")
    )
    if command is None:
        return
    os.environ[PRIVATE_BUS_ENV] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)  # noqa: S606 - our own command line, under the system tool
