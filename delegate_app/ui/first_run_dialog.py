"""First run: who you are, and the passphrase that protects the vault."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from delegate_app.core.errors import DelegateError
from delegate_app.core.profile import ProfileInfo
from delegate_app.i18n import _
from delegate_app.ui.passphrase_strength import estimate_bits, strength_label
from delegate_app.ui.retranslate import is_language_change
from delegate_app.ui.session import Session


class FirstRunDialog(QDialog):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.name_edit = QLineEdit()
        self.organisation_edit = QLineEdit()
        self.relay_edit = QLineEdit()
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.strength_bar = QProgressBar()
        self.strength_bar.setRange(0, 120)
        self.strength_bar.setTextVisible(True)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.intro_label = QLabel()
        self.intro_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.form = QFormLayout()
        self.form.addRow("", self.name_edit)
        self.form.addRow("", self.organisation_edit)
        self.form.addRow("", self.relay_edit)
        self.form.addRow("", self.passphrase_edit)
        self.form.addRow("", self.confirm_edit)
        self.form.addRow("", self.strength_bar)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro_label)
        layout.addLayout(self.form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.create_profile)
        self.buttons.rejected.connect(self.reject)
        self.passphrase_edit.textChanged.connect(self._update_strength)
        if session.policy.is_locked("relay_url"):
            self.relay_edit.setText(session.policy.value("relay_url") or "")
            self.relay_edit.setEnabled(False)
        self.retranslate_ui()
        self._update_strength("")

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Welcome to Delegate"))
        self.intro_label.setText(
            _(
                "Delegate keeps your briefings and messages in an encrypted vault on this "
                "computer. Choose a passphrase you can remember: without it the vault cannot "
                "be opened, and nobody can recover it for you."
            )
        )
        labels = (
            _("&Your name:"), _("&Mission or organisation:"), _("&Relay address:"),
            _("&Passphrase:"), _("&Repeat passphrase:"), _("Strength:"),
        )  # fmt: skip
        fields = (self.name_edit, self.organisation_edit, self.relay_edit,
                  self.passphrase_edit, self.confirm_edit, self.strength_bar)  # fmt: skip
        for text, field in zip(labels, fields, strict=True):
            label = self.form.labelForField(field)
            if isinstance(label, QLabel):
                label.setText(text)
                label.setBuddy(field)
            field.setAccessibleName(text.replace("&", "").rstrip(":"))
        if self.session.policy.is_locked("relay_url"):
            self.relay_edit.setToolTip(_("Set by your organisation"))
        self.relay_edit.setPlaceholderText(_("optional, e.g. https://relay.example.org"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Create profile"))
        self._update_strength(self.passphrase_edit.text())

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    def _update_strength(self, text: str) -> None:
        bits = estimate_bits(text)
        self.strength_bar.setValue(min(120, int(bits)))
        self.strength_bar.setFormat(_(strength_label(bits)))

    def create_profile(self) -> None:
        if self.passphrase_edit.text() != self.confirm_edit.text():
            self.error_label.setText(_("The passphrases do not match."))
            return
        info = ProfileInfo(
            self.name_edit.text(), self.organisation_edit.text(), self.relay_edit.text() or None
        )
        try:
            self.session.create(info, self.passphrase_edit.text())
        except DelegateError as exc:
            self.error_label.setText(str(exc))
            return
        self.passphrase_edit.clear()
        self.confirm_edit.clear()
        self.accept()
