"""Baseline for the startup benchmark: a bare PySide6 main window, timed to its first paint."""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow


class FirstPaint(QObject):
    painted = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Paint:
            FirstPaint.painted = True
        return False


def main() -> int:
    started = time.perf_counter()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1280, 800)
    probe = FirstPaint()
    window.installEventFilter(probe)
    window.show()
    while not FirstPaint.painted:
        app.processEvents()
    rss = 0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    print(f"painted {time.perf_counter() - started:.4f} rss_kb {rss}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
