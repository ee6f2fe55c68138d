"""Owns the windows, the worker threads and the idle lock.

The flow is first run → main window, or unlock → main window → (lock) → unlock. Locking saves
what the pages need, stops the workers, closes dialogs and closes the vault before the unlock
screen shows again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from delegate_app.core.errors import DelegateError, VaultNotFoundError
from delegate_app.core.paths import ProfilePaths
from delegate_app.core.policy import Policy
from delegate_app.i18n import _
from delegate_app.ui.idle_lock import IdleLock
from delegate_app.ui.language import LanguageManager
from delegate_app.ui.lock_shortcut import LockShortcutFilter
from delegate_app.ui.preload import Preloader
from delegate_app.ui.session import Session
from delegate_app.ui.unlock_window import UnlockWindow
from delegate_app.ui.workers import TaskRunner

if TYPE_CHECKING:
    from PySide6.QtNetwork import QNetworkInformation

    from delegate_app.ui.first_run_dialog import FirstRunDialog
    from delegate_app.ui.main_window import MainWindow
    from delegate_app.ui.sync_worker import SyncThread
    from sync.client.engine import SyncReport
    from sync.client.state import SyncState

WORKER_STOP_TIMEOUT_MS = 30_000
#: The unlock window and the main window share one size and place: locking and unlocking
#: swap what is shown, the window does not jump (the start-up benchmark's bare window too).
WINDOW_SIZE = (1280, 800)


class AppController(QObject):
    def __init__(
        self,
        paths: ProfilePaths,
        policy: Policy,
        *,
        lang: str | None = None,
        idle_interval_ms: int | None = None,
        sync_idle_poll: float | None = None,
        sync_live: bool = True,
    ) -> None:
        super().__init__()
        self.session = Session(paths, policy)
        self.tasks = TaskRunner(self)
        self.languages = LanguageManager(self)
        self.languages.apply_startup_language(lang, self.session.preferences(), policy)
        self.main_window: MainWindow | None = None
        self.unlock_window: UnlockWindow | None = None
        self.first_run: FirstRunDialog | None = None
        self.preloader: Preloader | None = None  # the main window's modules, while unlocking
        self._fixed_idle_interval = idle_interval_ms
        self.idle_lock = IdleLock(self._idle_interval(), self)
        self.idle_lock.idle_timeout.connect(self.lock)
        self.lock_shortcut = LockShortcutFilter(self)
        self.lock_shortcut.lock_pressed.connect(self.lock)
        self.sync: SyncThread | None = None
        self._retired_sync: SyncThread | None = None  # alive until its last signals arrive
        self._sync_idle_poll = sync_idle_poll
        self._sync_live = sync_live  # long-polls between passes (docs/SYNC.md, "Live delivery")
        self.network: QNetworkInformation | None = None  # watched from the first sync on
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle_lock)
            app.installEventFilter(self.lock_shortcut)

    def _idle_interval(self) -> int:
        if self._fixed_idle_interval is not None:
            return self._fixed_idle_interval
        minutes = (
            self.session.user_setting("auto_lock_minutes")
            if self.session.is_unlocked
            else self.session.policy.value("auto_lock_minutes")
        )
        return int(minutes) * 60_000

    # -- flow --------------------------------------------------------------------------------

    def start(self) -> None:
        if not self.session.has_vault:
            from delegate_app.ui.first_run_dialog import FirstRunDialog  # needed once only

            self.first_run = FirstRunDialog(self.session, self.tasks)
            self.first_run.accepted.connect(self.show_main)
            self.first_run.rejected.connect(QApplication.quit)
            self.first_run.show()
            return
        self.show_unlock()
        if self.session.keyring_available and self.unlock_window is not None:
            self.unlock_window.try_keyring()  # only at start: after a lock, the user decides

    def show_unlock(self, in_place_of: QWidget | None = None) -> None:
        if self.unlock_window is None:
            self.unlock_window = UnlockWindow(self.session, self.tasks)
            self.unlock_window.unlocked.connect(self.show_main)
            self.unlock_window.resize(*WINDOW_SIZE)
            if self.main_window is None:
                self.preloader = Preloader(self.unlock_window)
        if in_place_of is not None:
            # No smaller than the main window can be, so unlocking gives back the same size.
            self.unlock_window.setMinimumSize(in_place_of.minimumSizeHint())
            _take_place(self.unlock_window, in_place_of)
        self.unlock_window.show()
        self.unlock_window.raise_()
        self.unlock_window.activateWindow()

    def ensure_main_window(self) -> MainWindow:
        if self.main_window is None:
            from delegate_app.ui.main_window import MainWindow  # preloaded during unlock
            from delegate_app.ui.pages import PageContext

            self.main_window = MainWindow(PageContext(self.session, self.tasks), self.languages)
            self.main_window.lock_requested.connect(self.lock)
            self.main_window.window_show_requested.connect(self.show_current_window)
            self.main_window.window_hide_requested.connect(self.hide_windows)
            self.main_window.preferences_changed.connect(self.apply_preferences)
            self.main_window.sync_requested.connect(self.wake_sync)
            self.main_window.resize(*WINDOW_SIZE)
        return self.main_window

    def show_main(self) -> None:
        window = self.ensure_main_window()
        window.vault_unlocked()
        if self.unlock_window is not None and self.unlock_window.isVisible():
            _take_place(window, self.unlock_window)
        window.show()
        window.raise_()
        window.activateWindow()
        if self.unlock_window is not None:
            self.unlock_window.hide()
        if self.first_run is not None:
            self.first_run.deleteLater()
            self.first_run = None
        self.apply_preferences()
        self.idle_lock.start()
        self.lock_shortcut.enabled = True
        QTimer.singleShot(0, self.start_sync)  # once the window is up: it loads the network stack

    def current_window(self) -> QWidget | None:
        """The window the app is on: the main window when unlocked, else the unlock window."""
        if self.session.is_unlocked and self.main_window is not None:
            return self.main_window
        return self.unlock_window

    def show_current_window(self) -> None:
        window = self.current_window()
        if window is not None:
            window.show()
            window.raise_()
            window.activateWindow()

    def hide_windows(self) -> None:
        """Hide the app's windows; it keeps running (and syncing) with its tray icon."""
        for window in (self.main_window, self.unlock_window):
            if window is not None:
                window.hide()

    def apply_preferences(self) -> None:
        self.idle_lock.set_interval(self._idle_interval())

    def lock(self) -> None:
        if not self.session.is_unlocked:
            return
        self.idle_lock.stop()
        self.lock_shortcut.enabled = False
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible():
                widget.reject()
        self.tasks.stop(WORKER_STOP_TIMEOUT_MS)  # an import in progress stops after its file
        self.stop_sync()  # joined: its connection is closed before the vault is
        if self.main_window is not None:
            self.main_window.vault_locking()
            self.main_window.hide()
        self.session.lock()
        self.show_unlock(in_place_of=self.main_window)

    def shutdown(self) -> None:
        """Lock and destroy every window while the QApplication still exists.

        Qt objects that outlive the QApplication crash at interpreter exit (QtPdf in
        particular), so the app tears its windows down explicitly, in order.
        """
        self.idle_lock.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.idle_lock)
            app.removeEventFilter(self.lock_shortcut)
        self.tasks.stop(WORKER_STOP_TIMEOUT_MS)
        self.stop_sync()
        QApplication.sendPostedEvents()  # deliver the workers' last signals while all is alive
        if self.main_window is not None and self.session.is_unlocked:
            self.main_window.vault_locking()
        if self.session.is_unlocked:
            self.session.lock()
        for window in (self.main_window, self.unlock_window, self.first_run):
            if window is not None:
                window.close()
                window.deleteLater()
        self.main_window = self.unlock_window = self.first_run = None
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QApplication.processEvents()

    # -- sync ----------------------------------------------------------------------------------

    def _watch_network(self) -> QNetworkInformation | None:
        """The OS's reachability signal, where Qt has a backend for it (None elsewhere)."""
        from PySide6.QtNetwork import QNetworkInformation  # with the sync worker, not at start

        feature = QNetworkInformation.Feature.Reachability
        if not QNetworkInformation.loadBackendByFeatures(feature):
            return None
        info = QNetworkInformation.instance()
        if info is not None:
            info.reachabilityChanged.connect(self._reachability_changed)
            if info.reachability() is not QNetworkInformation.Reachability.Unknown:
                self._reachability_changed(info.reachability())
        return info

    def _reachability_changed(self, reachability: QNetworkInformation.Reachability) -> None:
        from PySide6.QtNetwork import QNetworkInformation

        online = reachability in (
            QNetworkInformation.Reachability.Online,
            QNetworkInformation.Reachability.Site,
            QNetworkInformation.Reachability.Local,
        )
        if self.main_window is not None:
            self.main_window.set_network_up(online)
        if self.sync is not None:
            self.sync.worker.network_changed(online)

    def start_sync(self) -> None:
        """Start the sync worker on its thread (after unlock); a no-op if it runs."""
        if self.sync is not None or not self.session.is_unlocked:
            return
        if self.network is None:
            self.network = self._watch_network()
        kwargs = {} if self._sync_idle_poll is None else {"idle_poll": self._sync_idle_poll}
        from delegate_app.ui.sync_worker import SyncThread  # the network stack loads here

        sync = SyncThread(
            self.session.open_worker_connection,
            self.session.policy,
            live=self._sync_live,
            **kwargs,
        )
        sync.worker.state_changed.connect(self._sync_state)
        sync.worker.report_ready.connect(self._sync_report)
        sync.worker.unavailable.connect(self._sync_unavailable)
        self.sync = sync
        sync.start()

    def stop_sync(self) -> None:
        """Stop the sync worker and wait for its thread (before the vault locks, on quit)."""
        sync, self.sync = self.sync, None
        if sync is not None:
            sync.stop(WORKER_STOP_TIMEOUT_MS)
            # Signals it queued before stopping arrive with a sender that is no longer
            # current and are ignored; the objects go once those events are delivered.
            sync.worker.deleteLater()
            sync.thread.deleteLater()
            self._retired_sync = sync

    def wake_sync(self) -> None:
        if self.sync is not None:
            self.sync.worker.wake()

    def _current_sync_sender(self) -> bool:
        return (
            self.sync is not None
            and self.sender() is self.sync.worker
            and self.main_window is not None
            and self.session.is_unlocked
        )

    def _sync_state(self, state: SyncState) -> None:
        if self._current_sync_sender() and self.main_window is not None:
            self.main_window.set_sync_state(state)

    def _sync_report(self, report: SyncReport) -> None:
        if self._current_sync_sender() and self.main_window is not None:
            self.main_window.sync_reported(report)

    def _sync_unavailable(self, reason: str) -> None:
        if self._current_sync_sender() and self.main_window is not None:
            self.main_window.set_sync_unavailable(reason)

    # -- non-interactive modes (screenshot, start-up benchmark) -------------------------------

    def unlock_for_automation(self, passphrase: str | None) -> MainWindow:
        """Unlock without the unlock screen and return the main window, not yet shown."""
        if not self.session.has_vault:
            raise VaultNotFoundError(_("No vault in {path}.").format(path=self.session.paths.root))
        if not self.session.unlock_with_keyring():
            if passphrase is None:
                raise DelegateError(_("Set DELEGATE_PASSPHRASE to unlock the vault."))
            self.session.unlock(passphrase)
        window = self.ensure_main_window()
        window.vault_unlocked()
        return window


def _take_place(window: QWidget, of: QWidget) -> None:
    """``window`` where ``of`` is, as large, and maximised or full screen if ``of`` is."""
    window.setGeometry(of.geometry())
    state = of.windowState() & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen)
    window.setWindowState(state)
