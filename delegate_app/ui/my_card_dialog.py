"""Show this profile's contact card: as text to copy, as a file to save, and as a QR code."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from delegate_app.i18n import _
from delegate_app.ui import file_dialogs
from delegate_app.ui.plain_text import show_as_plain_text
from delegate_app.ui.qr_widget import QrCodeWidget
from delegate_app.ui.retranslate import is_language_change


class MyCardDialog(QDialog):
    def __init__(self, card_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("myCardDialog")
        self.card_text = card_text
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.text_view = QPlainTextEdit(card_text)
        self.text_view.setReadOnly(True)
        self.text_view.setMaximumHeight(110)
        self.qr = QrCodeWidget()
        self.qr.set_text(card_text)
        self.feedback = QLabel()
        show_as_plain_text(self.feedback)  # names the file written
        self.copy_button = QPushButton()
        self.save_button = QPushButton()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy_text)
        self.save_button.clicked.connect(self.save_file)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.qr, 1)
        layout.addWidget(self.text_view)
        layout.addWidget(self.feedback)
        layout.addWidget(self.buttons)
        self.retranslate_ui()

    def copy_text(self) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(self.card_text)
        self.feedback.setText(_("Your card was copied."))

    def save_file(self) -> Path | None:
        name = file_dialogs.save_file(
            self, _("Save your contact card"), "contact-card.txt", _("Contact cards (*.txt)")
        )
        if not name:
            return None
        path = Path(name)
        try:
            path.write_text(self.card_text + "\n", encoding="ascii")
        except OSError as exc:
            self.feedback.setText(
                _("Cannot write {path}: {reason}.").format(path=path, reason=exc.strerror)
            )
            return None
        self.feedback.setText(_("Card written to {path}.").format(path=path))
        return path

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("My contact card"))
        self.intro.setText(
            _("Give this card to the missions you work with: they scan the code, or import "
              "the text or the file. It holds your public keys only.")
        )  # fmt: skip
        self.qr.setAccessibleName(_("Your contact card as a QR code"))
        self.text_view.setAccessibleName(_("Your contact card as text"))
        self.copy_button.setText(_("&Copy text"))
        self.save_button.setText(_("&Save to file…"))
        for button in (self.copy_button, self.save_button):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)
