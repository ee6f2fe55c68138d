"""``--benchmark-startup``: unlock, show the main window, report its first paint, and exit.

Prints one line as soon as the main window has painted: ``painted SECONDS rss_kb KB``, where
SECONDS is the time spent since ``main()`` began and KB the resident memory at that moment.
The benchmark times the whole process from its own clock, up to the moment that line arrives.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget

from delegate_app.core.errors import DelegateError
from delegate_app.ui.controller import AppController

PAINT_TIMEOUT_S = 60.0


class FirstPaintWatcher(QObject):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.painted = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Paint:
            self.painted = True
        return False


def resident_kb() -> int:
    """Resident memory from /proc (Linux); 0 where it is not available."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def probe_startup(controller: AppController, passphrase: str | None, started: float) -> int:
    try:
        window = controller.unlock_for_automation(passphrase)
    except DelegateError as exc:
        print(f"delegate: {exc}", file=sys.stderr)
        return 1
    watcher = FirstPaintWatcher(window)
    window.show()
    deadline = time.monotonic() + PAINT_TIMEOUT_S
    while not watcher.painted:
        if time.monotonic() > deadline:
            print("delegate: the main window did not paint", file=sys.stderr)
            controller.shutdown()
            return 1
        QApplication.processEvents()
    print(f"painted {time.perf_counter() - started:.4f} rss_kb {resident_kb()}", flush=True)
    controller.shutdown()
    return 0
