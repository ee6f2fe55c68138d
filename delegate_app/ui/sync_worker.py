"""The sync worker: the core's :class:`SyncEngine` on a thread of its own, reporting as signals.

The worker opens its own vault connection on its thread (SQLite connections stay on the thread
that opened them), builds a :class:`Mailroom` and a :class:`SyncEngine` and runs the engine's
loop until :meth:`SyncWorker.stop`. Between passes the engine long-polls the relay (live
delivery, docs/SYNC.md) from a thread of its own; a stop ends the worker's wait at once. The
engine's plain callbacks (state changes, one report per pass) are re-emitted as signals, which
Qt delivers on the GUI thread. ``wake``, ``network_changed`` and ``stop`` may be called from any
thread: they only poke the engine's thread-safe waker.

:class:`SyncThread` is what the app controller owns: it starts the worker on a ``QThread`` after
unlock and stops and joins it before the vault locks and on quit.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from delegate_app.core.errors import DelegateError
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Database
from delegate_app.i18n import _
from sync.client.engine import IDLE_POLL_SECONDS, SyncEngine, SyncReport
from sync.client.errors import RelayError
from sync.client.state import SyncState

log = logging.getLogger(__name__)


class SyncWorker(QObject):
    state_changed = Signal(object)  # SyncState, on every change
    report_ready = Signal(object)  # SyncReport, after every successful pass
    unavailable = Signal(str)  # this profile cannot sync (e.g. no relay address): why
    finished = Signal()  # the loop returned; the connection is closed

    def __init__(
        self,
        open_connection: Callable[[], Database],
        policy: Policy,
        *,
        idle_poll: float = IDLE_POLL_SECONDS,
        live: bool = True,
    ) -> None:
        super().__init__()
        self._open_connection = open_connection
        self._policy = policy
        self._idle_poll = idle_poll
        self._live = live
        self._engine: SyncEngine | None = None
        self._guard = threading.Lock()
        self._stopped = False
        self._online_hint = False  # a wake-up asked for before the engine existed

    @Slot()
    def run(self) -> None:
        """The worker thread's body: blocks until :meth:`stop`."""
        try:
            self._run()
        except Exception:  # a bug or a broken vault: say so rather than show a stale state
            log.exception("The sync worker stopped")
            self.unavailable.emit(_("sync stopped unexpectedly; lock and unlock to restart it."))
        finally:
            self.finished.emit()

    def _run(self) -> None:
        db = self._open_connection()
        try:
            try:
                room = Mailroom.open(db, self._policy)
                engine = SyncEngine(
                    room, on_state=self._emit_state, idle_poll=self._idle_poll, live=self._live
                )
            except (RelayError, DelegateError) as exc:
                self.unavailable.emit(str(exc))
                return
            with self._guard:
                if self._stopped:
                    engine.close()
                    return
                self._engine = engine
                if self._online_hint:
                    engine.wake()
            try:
                engine.run(on_report=self._emit_report)
            finally:
                with self._guard:
                    self._engine = None
                engine.close()
        finally:
            db.close()

    def _emit_state(self, state: SyncState) -> None:
        self.state_changed.emit(state)

    def _emit_report(self, report: SyncReport) -> None:
        self.report_ready.emit(report)

    # -- from any thread ---------------------------------------------------------------------

    def wake(self) -> None:
        """Run a pass now (something was queued, or the user asked with Sync now)."""
        with self._guard:
            if self._engine is None:
                self._online_hint = True
            else:
                self._engine.wake()

    def network_changed(self, online: bool) -> None:
        with self._guard:
            if self._engine is not None:
                self._engine.network_changed(online)
            elif online:
                self._online_hint = True

    def stop(self) -> None:
        with self._guard:
            self._stopped = True
            if self._engine is not None:
                self._engine.stop()


class SyncThread:
    """Owns one :class:`SyncWorker` and its ``QThread``; started after unlock, joined on lock."""

    def __init__(
        self,
        open_connection: Callable[[], Database],
        policy: Policy,
        *,
        idle_poll: float = IDLE_POLL_SECONDS,
        live: bool = True,
    ) -> None:
        self.worker = SyncWorker(open_connection, policy, idle_poll=idle_poll, live=live)
        self.thread = QThread()
        self.thread.setObjectName("delegate-sync")
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        # Emitted on the worker thread as run() returns: the thread's event loop then ends
        # at once (Qt 6 honours a quit() that comes before exec()).
        self.worker.finished.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)

    def start(self) -> None:
        self.thread.start()

    @property
    def running(self) -> bool:
        return bool(self.thread.isRunning())

    def stop(self, timeout_ms: int) -> bool:
        """Stop the engine and wait for the thread to end (True), or time out."""
        self.worker.stop()
        self.thread.quit()
        done = bool(self.thread.wait(timeout_ms))
        if not done:
            log.warning("The sync worker still runs after %d ms", timeout_ms)
        return done
