"""Owns the windows and the idle lock: first run → unlock → main window → (lock) → unlock."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSize
from PySide6.QtWidgets import QApplication, QDialog

from delegate_app.core.errors import DelegateError
from delegate_app.core.paths import ProfilePaths
from delegate_app.core.policy import Policy
from delegate_app.i18n import _
from delegate_app.ui.first_run_dialog import FirstRunDialog
from delegate_app.ui.idle_lock import IdleLock
from delegate_app.ui.language import LanguageManager
from delegate_app.ui.main_window import MainWindow
from delegate_app.ui.session import Session
from delegate_app.ui.unlock_window import UnlockWindow

SCREENSHOT_SIZE = QSize(1280, 800)


class AppController(QObject):
    def __init__(
        self,
        paths: ProfilePaths,
        policy: Policy,
        *,
        lang: str | None = None,
        idle_interval_ms: int | None = None,
    ) -> None:
        super().__init__()
        self.session = Session(paths, policy)
        self.languages = LanguageManager(self)
        code = LanguageManager.startup_language(lang, self.session.preferences(), policy)
        if code != "en":
            self.languages.switch(code)
        self.main_window: MainWindow | None = None
        self.unlock_window: UnlockWindow | None = None
        self.first_run: FirstRunDialog | None = None
        self._fixed_idle_interval = idle_interval_ms
        self.idle_lock = IdleLock(self._idle_interval(), self)
        self.idle_lock.idle_timeout.connect(self.lock)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle_lock)

    def _idle_interval(self) -> int:
        if self._fixed_idle_interval is not None:
            return self._fixed_idle_interval
        minutes = (
            self.session.user_setting("auto_lock_minutes")
            if self.session.is_unlocked
            else self.session.policy.value("auto_lock_minutes")
        )
        return int(minutes) * 60_000

    # -- flow ------------------------------------------------------------------------------

    def start(self) -> None:
        if not self.session.has_vault:
            self.first_run = FirstRunDialog(self.session)
            self.first_run.accepted.connect(self.show_main)
            self.first_run.rejected.connect(QApplication.quit)
            self.first_run.show()
            return
        if self.session.unlock_with_keyring() if self.session.keyring_available else False:
            self.show_main()
            return
        self.show_unlock()

    def show_unlock(self) -> None:
        if self.unlock_window is None:
            self.unlock_window = UnlockWindow(self.session)
            self.unlock_window.unlocked.connect(self.show_main)
            self.unlock_window.resize(640, 420)
        self.unlock_window.show()
        self.unlock_window.activateWindow()

    def ensure_main_window(self) -> MainWindow:
        if self.main_window is None:
            self.main_window = MainWindow(self.session, self.languages)
            self.main_window.lock_requested.connect(self.lock)
        else:
            self.main_window.retranslate_ui()
            self.main_window.refresh()
        return self.main_window

    def show_main(self) -> None:
        window = self.ensure_main_window()
        window.show()
        window.activateWindow()
        if self.unlock_window is not None:
            self.unlock_window.hide()
        self.idle_lock.set_interval(self._idle_interval())
        self.idle_lock.start()

    def lock(self) -> None:
        self.idle_lock.stop()
        if self.main_window is not None:
            self.main_window.clear_for_lock()
            self.main_window.hide()
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible():
                widget.reject()
        self.session.lock()
        self.show_unlock()

    def shutdown(self) -> None:
        """Lock and destroy every window while the QApplication still exists.

        Qt objects that outlive the QApplication crash at interpreter exit (QtPdf in
        particular), so the app tears its windows down explicitly, in order.
        """
        self.idle_lock.stop()
        if self.session.is_unlocked:
            if self.main_window is not None:
                self.main_window.save_reading_position()
            self.session.lock()
        for window in (self.main_window, self.unlock_window, self.first_run):
            if window is not None:
                if isinstance(window, MainWindow):
                    window.reader.pdf_view.clear()
                window.close()
                window.deleteLater()
        self.main_window = self.unlock_window = self.first_run = None
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QApplication.processEvents()

    # -- non-interactive modes -----------------------------------------------------------------

    def _unlock_for_automation(self, passphrase: str | None) -> MainWindow:
        if not self.session.has_vault:
            raise DelegateError(_("No vault in {path}.").format(path=self.session.paths.root))
        if not self.session.unlock_with_keyring():
            if passphrase is None:
                raise DelegateError(_("Set DELEGATE_PASSPHRASE to unlock the vault."))
            self.session.unlock(passphrase)
        window = self.ensure_main_window()
        window.resize(SCREENSHOT_SIZE)
        return window

    def screenshot(self, target: Path, passphrase: str | None) -> int:
        try:
            window = self._unlock_for_automation(passphrase)
        except DelegateError as exc:
            print(f"delegate: {exc}", file=sys.stderr)
            return 1
        window.show()
        window.refresh()
        window.select_first_document()
        for _round in range(5):
            QApplication.processEvents()
        image = window.grab()
        self.shutdown()
        if not image.save(str(target), "PNG"):
            print(f"delegate: cannot write {target}", file=sys.stderr)
            return 1
        return 0

    def startup_probe(self, passphrase: str | None) -> int:
        started = time.perf_counter()
        try:
            window = self._unlock_for_automation(passphrase)
        except DelegateError as exc:
            print(f"delegate: {exc}", file=sys.stderr)
            return 1
        probe = _FirstPaint(window)
        window.show()
        app = QApplication.instance()
        while not probe.painted:
            app.processEvents()  # type: ignore[union-attr]
        print(f"painted {time.perf_counter() - started:.4f} rss_kb {_rss_kb()}", flush=True)
        self.shutdown()
        return 0


def _rss_kb() -> int:
    """Resident memory from /proc (Linux); 0 where it is not available."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class _FirstPaint(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.painted = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Paint:
            self.painted = True
        return False
