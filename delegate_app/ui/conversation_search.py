"""Find in the open conversation (Ctrl+F): a field, previous and next, and how many matched."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from delegate_app.i18n import _
from delegate_app.ui.retranslate import is_language_change


class SearchFieldWidget(QLineEdit):
    previous_pressed = Signal()
    escape_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Escape:
            self.escape_pressed.emit()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
            event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        ):
            self.previous_pressed.emit()
            return
        super().keyPressEvent(event)


class ConversationSearchWidget(QWidget):
    query_changed = Signal(str)
    next_requested = Signal()
    previous_requested = Signal()
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = SearchFieldWidget()
        self.field.setObjectName("conversationSearch")
        self.field.setClearButtonEnabled(True)
        self.count_label = QLabel()
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.previous_button = QPushButton()
        self.next_button = QPushButton()
        self.close_button = QPushButton()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field, 1)
        layout.addWidget(self.count_label)
        for button in (self.previous_button, self.next_button, self.close_button):
            layout.addWidget(button)
        self.field.textChanged.connect(self.query_changed.emit)
        self.field.returnPressed.connect(self.next_requested.emit)
        self.field.previous_pressed.connect(self.previous_requested.emit)
        self.field.escape_pressed.connect(self.close)
        self.next_button.clicked.connect(self.next_requested.emit)
        self.previous_button.clicked.connect(self.previous_requested.emit)
        self.close_button.clicked.connect(self.close)
        self.setVisible(False)
        self.retranslate_ui()

    def open(self) -> None:
        self.setVisible(True)
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def close(self) -> bool:  # hides; the widget stays
        self.setVisible(False)
        self.field.clear()
        self.closed.emit()
        return True

    def show_count(self, current: int, total: int) -> None:
        """``current``: 1-based position of the hit shown (0: none yet)."""
        if not self.field.text():
            self.count_label.clear()
        elif not total:
            self.count_label.setText(_("No match"))
        else:
            # TRANSLATORS: the search hit shown among all hits in the conversation: "2 of 5"
            self.count_label.setText(_("{current} of {total}").format(current=current, total=total))
        for button in (self.previous_button, self.next_button):
            button.setEnabled(total > 0)

    def retranslate_ui(self) -> None:
        self.field.setPlaceholderText(_("Find in this conversation"))
        self.field.setAccessibleName(_("Find in this conversation"))
        self.previous_button.setText(_("&Previous"))
        self.previous_button.setToolTip(_("Previous match (Shift+Enter)"))
        self.next_button.setText(_("Ne&xt"))
        self.next_button.setToolTip(_("Next match (Enter)"))
        self.close_button.setText(_("Close"))
        self.close_button.setToolTip(_("Close the search (Esc)"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)
