"""The tray icon's menu: Show / Hide the window, Lock, Quit.

Show brings back the window the app is on (the main window when unlocked, the unlock window
when locked); Hide hides it, the app keeps running in the tray. Lock and Quit are the File
menu's own actions, so they do exactly what the menu and their shortcuts do.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from delegate_app.i18n import _


class TrayMenu(QMenu):
    show_requested = Signal()
    hide_requested = Signal()

    def __init__(
        self,
        lock_action: QAction,
        quit_action: QAction,
        *,
        window_shown: Callable[[], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("trayMenu")
        self._window_shown = window_shown
        self.show_action = self.addAction("")
        self.show_action.triggered.connect(self.show_requested.emit)
        self.hide_action = self.addAction("")
        self.hide_action.triggered.connect(self.hide_requested.emit)
        self.addSeparator()
        self.addAction(lock_action)
        self.addAction(quit_action)
        self.aboutToShow.connect(self.update_actions)
        self.retranslate_ui()
        self.update_actions()

    def retranslate_ui(self) -> None:
        self.show_action.setText(_("&Show Delegate"))
        self.hide_action.setText(_("&Hide Delegate"))

    def update_actions(self) -> None:
        """Show or Hide, whichever applies now. (Lock is left enabled: it is the File menu's
        action too, and locking a locked app does nothing.)"""
        shown = self._window_shown()
        self.show_action.setVisible(not shown)
        self.hide_action.setVisible(shown)
