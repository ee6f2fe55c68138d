"""First run: who you are, and the passphrase that protects the vault.

Creating the vault derives a key with Argon2id, so it runs as a worker task.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
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
from delegate_app.ui.retranslate import is_language_change
from delegate_app.ui.session import Session
from delegate_app.ui.strength_bar import StrengthBar
from delegate_app.ui.workers import Task, TaskRunner


class FirstRunDialog(QDialog):
    def __init__(self, session: Session, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.tasks = tasks
        self.title_label = QLabel()
        self.title_label.setObjectName("welcomeTitle")
        self.intro_label = QLabel()
        self.intro_label.setWordWrap(True)
        self.name_edit = QLineEdit()
        self.organisation_edit = QLineEdit()
        self.relay_edit = QLineEdit()
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.strength_bar = StrengthBar()
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumHeight(4)
        self.busy_bar.setVisible(False)
        self.error_label = QLabel()
        self.error_label.setObjectName("errorMessage")
        self.error_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.fields: tuple[QWidget, ...] = (
            self.name_edit, self.organisation_edit, self.relay_edit,
            self.passphrase_edit, self.confirm_edit, self.strength_bar,
        )  # fmt: skip
        self.form = QFormLayout()
        self.form.setSpacing(8)
        for field in self.fields:
            self.form.addRow(QLabel(), field)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(12)
        layout.addWidget(self.title_label)
        layout.addWidget(self.intro_label)
        layout.addLayout(self.form)
        layout.addWidget(self.busy_bar)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        self.buttons.accepted.connect(self.create_profile)
        self.buttons.rejected.connect(self.reject)
        self.passphrase_edit.textChanged.connect(self.strength_bar.show_strength)
        if session.policy.is_locked("relay_url"):
            self.relay_edit.setText(session.policy.value("relay_url") or "")
            self.relay_edit.setEnabled(False)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Welcome to Delegate"))
        self.title_label.setText(_("Welcome to Delegate"))
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
        for text, field in zip(labels, self.fields, strict=True):
            label = self.form.labelForField(field)
            if isinstance(label, QLabel):
                label.setText(text)
                label.setBuddy(field)
            field.setAccessibleName(text.replace("&", "").rstrip(":"))
        self.relay_edit.setToolTip(
            _("Set by your organisation") if self.session.policy.is_locked("relay_url") else ""
        )
        self.relay_edit.setPlaceholderText(_("optional, e.g. https://relay.example.org"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("&Create profile"))
        self.busy_bar.setAccessibleName(_("Creating the vault"))
        self.strength_bar.retranslate()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    def create_profile(self) -> None:
        if self.busy_bar.isVisible():
            return
        if self.passphrase_edit.text() != self.confirm_edit.text():
            self.error_label.setText(_("The passphrases do not match."))
            self.confirm_edit.setFocus()
            return
        info = ProfileInfo(
            self.name_edit.text(), self.organisation_edit.text(), self.relay_edit.text() or None
        )
        passphrase = self.passphrase_edit.text()
        task = Task(lambda _control: self.session.create(info, passphrase))
        task.signals.succeeded.connect(self._created)
        task.signals.failed.connect(self._failed)
        self._set_busy(True)
        self.tasks.start(task)

    def _set_busy(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)
        self.error_label.clear()
        for field in self.fields:
            field.setEnabled(not busy and not (
                field is self.relay_edit and self.session.policy.is_locked("relay_url")
            ))  # fmt: skip
        self.buttons.setEnabled(not busy)
        self.setCursor(Qt.CursorShape.BusyCursor if busy else Qt.CursorShape.ArrowCursor)

    def _created(self, _result: object) -> None:
        self._set_busy(False)
        self.passphrase_edit.clear()
        self.confirm_edit.clear()
        self.accept()

    def _failed(self, error: object) -> None:
        self._set_busy(False)
        if isinstance(error, DelegateError):
            self.error_label.setText(str(error))
        else:
            self.error_label.setText(
                _("The vault could not be created: {reason}").format(reason=error)
            )
