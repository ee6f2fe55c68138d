"""Start-up probes for the benchmarks (``--benchmark-unlock``, ``--benchmark-startup``).

Each prints one line, ``painted SECONDS rss_kb KB``, and exits:

- ``--benchmark-unlock``: the unlock window has painted; SECONDS since ``main()`` began (the
  benchmark times the whole process from its own clock, up to the moment the line arrives).
- ``--benchmark-startup``: the unlock window is shown and the preloading it starts has finished
  (as it would while the user types); then the passphrase is accepted and the main window shown.
  SECONDS runs from the moment the passphrase is submitted to the main window's first paint, and
  includes the key derivation (the benchmark vault uses the fast KDF, so that is not Argon2id's
  deliberate cost).
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


def _wait(condition: object, what: str) -> bool:
    deadline = time.monotonic() + PAINT_TIMEOUT_S
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            print(f"delegate: {what}", file=sys.stderr)
            return False
        QApplication.processEvents()
    return True


def _show_unlock_window(controller: AppController) -> bool:
    controller.show_unlock()
    window = controller.unlock_window
    if window is None:
        return False
    watcher = FirstPaintWatcher(window)
    return _wait(lambda: watcher.painted, "the unlock window did not paint")


def probe_unlock_window(controller: AppController, started: float) -> int:
    if not _show_unlock_window(controller):
        controller.shutdown()
        return 1
    print(f"painted {time.perf_counter() - started:.4f} rss_kb {resident_kb()}", flush=True)
    controller.shutdown()
    return 0


def probe_main_window(controller: AppController, passphrase: str | None) -> int:
    shown = _show_unlock_window(controller)
    preloader = controller.preloader
    if not shown or preloader is None:
        controller.shutdown()
        return 1
    if not _wait(lambda: preloader.done, "preloading did not finish"):
        controller.shutdown()
        return 1
    submitted = time.perf_counter()
    try:
        window = controller.unlock_for_automation(passphrase)
    except DelegateError as exc:
        print(f"delegate: {exc}", file=sys.stderr)
        controller.shutdown()
        return 1
    watcher = FirstPaintWatcher(window)
    window.show()
    if not _wait(lambda: watcher.painted, "the main window did not paint"):
        controller.shutdown()
        return 1
    print(f"painted {time.perf_counter() - submitted:.4f} rss_kb {resident_kb()}", flush=True)
    controller.shutdown()
    return 0
