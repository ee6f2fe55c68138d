"""Running slow work off the GUI thread and posting the result back as a signal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class TaskSignals(QObject):
    progress = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)


class Task(QRunnable):
    """Runs ``work(report_progress)`` on the global pool; errors become ``failed(message)``."""

    def __init__(self, work: Callable[[Callable[[int, int], None]], Any]) -> None:
        super().__init__()
        self.signals = TaskSignals()
        self._work = work

    def run(self) -> None:
        try:
            result = self._work(self.signals.progress.emit)
        except Exception as exc:  # noqa: BLE001 - every failure is shown to the user
            self.signals.failed.emit(str(exc))
            return
        self.signals.succeeded.emit(result)


def run_task(task: Task) -> None:
    QThreadPool.globalInstance().start(task)
