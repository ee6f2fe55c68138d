"""The message composer: several lines of text, Ctrl+Enter or the Send button sends.

What is typed and not sent is the conversation's draft: ``draft_changed`` reports it a
moment after typing pauses, so the page can keep it in the vault.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QPushButton, QWidget

from delegate_app.i18n import _
from delegate_app.ui.retranslate import is_language_change

SEND_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
DRAFT_PAUSE_MS = 700


class ComposerEditWidget(QPlainTextEdit):
    send_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() in SEND_KEYS and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.send_pressed.emit()
            return
        super().keyPressEvent(event)


class ComposerWidget(QWidget):
    send_requested = Signal(str)  # the text to send
    draft_changed = Signal(str)  # the unsent text, after a pause in typing

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = ComposerEditWidget()
        self.edit.setObjectName("composer")
        self.edit.setTabChangesFocus(True)  # Tab leaves the field: the Send button is next
        self.edit.setMaximumHeight(120)
        self.send_button = QPushButton()
        self.send_button.setObjectName("sendButton")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        self.edit.send_pressed.connect(self._send)
        self.send_button.clicked.connect(self._send)
        self.edit.textChanged.connect(self._update_button)
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_PAUSE_MS)
        self._draft_timer.timeout.connect(self.flush_draft)
        self._draft_dirty = False
        self.edit.textChanged.connect(self._typed)
        self.retranslate_ui()

    def _send(self) -> None:
        text = self.edit.toPlainText()
        if text.strip() and self.isEnabled():
            self.send_requested.emit(text)

    def _update_button(self) -> None:
        self.send_button.setEnabled(bool(self.edit.toPlainText().strip()))

    def clear(self) -> None:
        self.set_draft("")

    def set_draft(self, text: str) -> None:
        """Show ``text`` (another conversation's draft) without reporting it as typed."""
        self._draft_timer.stop()
        self._draft_dirty = False
        self.edit.blockSignals(True)
        self.edit.setPlainText(text)
        self.edit.blockSignals(False)
        self._update_button()

    def flush_draft(self) -> None:
        """Report the draft now (before switching conversation or locking)."""
        self._draft_timer.stop()
        if self._draft_dirty:
            self._draft_dirty = False
            self.draft_changed.emit(self.edit.toPlainText())

    def _typed(self) -> None:
        self._draft_dirty = True
        self._draft_timer.start()

    def retranslate_ui(self) -> None:
        self.edit.setPlaceholderText(_("Write a message — Ctrl+Enter sends"))
        self.edit.setAccessibleName(_("Message text"))
        self.send_button.setText(_("&Send"))
        self.send_button.setAccessibleName(_("Send message"))
        self.send_button.setToolTip(_("Send (Ctrl+Enter)"))
        self._update_button()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)
