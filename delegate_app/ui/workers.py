"""Slow work off the GUI thread: tasks on a pool the app owns, results posted back as signals.

A :class:`Task` runs ``work(control)`` on a worker thread. ``control.progress(done, total)``
reports progress and ``control.check_cancelled()`` raises :class:`TaskCancelledError` once the
owner asked the task to stop. Results and errors come back to the GUI thread through the task's
``signals`` (queued connections), in the order ``progress``… → ``succeeded``/``failed`` →
``finished``.

The :class:`TaskRunner` belongs to the app controller: it keeps every running task alive until
its ``finished`` signal has been delivered, and lets the controller cancel them and wait for them
before the vault locks or the app quits. Work that touches the vault must open its own connection
(``Session.open_worker_library()``): SQLite connections are per thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from delegate_app.core.errors import DelegateError

log = logging.getLogger(__name__)


class TaskCancelledError(DelegateError):
    """The task's owner asked it to stop (the vault is locking or the app is quitting)."""


class TaskSignals(QObject):
    progress = Signal(int, int)  # done, total
    succeeded = Signal(object)  # the work's return value
    failed = Signal(object)  # the exception
    finished = Signal()  # always last


class TaskControl:
    """What the work function sees of its task: progress reporting and cancellation."""

    def __init__(self, signals: TaskSignals, cancel_event: threading.Event) -> None:
        self._signals = signals
        self._cancel_event = cancel_event

    def progress(self, done: int, total: int) -> None:
        self._signals.progress.emit(done, total)

    @property
    def cancelled(self) -> bool:
        return self._cancel_event.is_set()

    def check_cancelled(self) -> None:
        if self._cancel_event.is_set():
            raise TaskCancelledError("cancelled")


class Task(QRunnable):
    """Runs ``work(control)`` once on a worker thread; every exception becomes ``failed``."""

    def __init__(self, work: Callable[[TaskControl], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # Python owns the task; the runner keeps it alive while it runs
        self.signals = TaskSignals()
        self._cancel_event = threading.Event()
        self._work = work

    def cancel(self) -> None:
        self._cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel_event.is_set()

    def run(self) -> None:
        control = TaskControl(self.signals, self._cancel_event)
        try:
            result = self._work(control)
        except Exception as exc:  # every failure is reported to the owner
            if not isinstance(exc, DelegateError):
                log.exception("Background task failed")
            self.signals.failed.emit(exc)
        else:
            self.signals.succeeded.emit(result)
        finally:
            self.signals.finished.emit()


class TaskRunner(QObject):
    """The app's worker threads: starts tasks, and cancels and waits for them on lock or quit."""

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 2) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._running: list[Task] = []
        # Finished tasks stay referenced until the pool is idle: ``finished`` is emitted from
        # inside ``run``, so the worker thread may still be returning through the task object.
        self._retired: list[Task] = []

    def start(self, task: Task) -> Task:
        self._release_retired()
        self._running.append(task)
        task.signals.finished.connect(self._on_task_finished)
        self.pool.start(task)
        return task

    @Slot()
    def _on_task_finished(self) -> None:
        sender = self.sender()
        done = [task for task in self._running if task.signals is sender]
        self._running = [task for task in self._running if task.signals is not sender]
        self._retired.extend(done)
        self._release_retired()

    def _release_retired(self) -> None:
        if self.pool.activeThreadCount() == 0:
            self._retired.clear()

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def cancel_all(self) -> None:
        for task in self._running:
            task.cancel()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until every started task has returned from ``run`` (True), or time out."""
        done = self.pool.waitForDone(timeout_ms)
        self._release_retired()
        if not done:
            log.warning("Background tasks still running after %d ms", timeout_ms)
        return bool(done)

    def stop(self, timeout_ms: int = 30_000) -> bool:
        """Cancel everything and wait for the threads to return."""
        self.cancel_all()
        return self.wait(timeout_ms)
