"""Ctrl+L locks from anywhere in the app, also from a dialog that blocks the main window.

The main window's Lock action has the same shortcut; Qt's shortcut map handles it there
first, so this application event filter only sees the key where no action could take it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence

LOCK_KEYS = QKeySequence("Ctrl+L")


class LockShortcutFilter(QObject):
    lock_pressed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.enabled = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if (
            self.enabled
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and QKeySequence(event.keyCombination()) == LOCK_KEYS
        ):
            self.lock_pressed.emit()
            return True
        return False
