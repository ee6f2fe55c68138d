"""Preferences → Change passphrase: the current one, the new one twice, its strength.

Rewrapping the vault key derives two Argon2id keys, so it runs as a worker task; the fields are
cleared whatever the outcome, so no passphrase stays in a widget after the dialog closes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
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
from delegate_app.i18n import _
from delegate_app.ui.session import Session
from delegate_app.ui.strength_bar import StrengthBar
from delegate_app.ui.workers import Task, TaskRunner


class ChangePassphraseDialog(QDialog):
    def __init__(self, session: Session, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.tasks = tasks
        self.setWindowTitle(_("Change passphrase"))
        self.current_edit = self._secret_field()
        self.new_edit = self._secret_field()
        self.confirm_edit = self._secret_field()
        self.strength_bar = StrengthBar()
        self.new_edit.textChanged.connect(self.strength_bar.show_strength)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumHeight(4)
        self.busy_bar.setVisible(False)
        self.busy_bar.setAccessibleName(_("Changing the passphrase"))
        self.error_label = QLabel()
        self.error_label.setObjectName("errorMessage")
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        form = QFormLayout()
        rows = (
            (_("&Current passphrase:"), self.current_edit),
            (_("&New passphrase:"), self.new_edit),
            (_("&Repeat new passphrase:"), self.confirm_edit),
            (_("Strength:"), self.strength_bar),
        )
        for text, field in rows:
            label = QLabel(text)
            label.setBuddy(field)
            field.setAccessibleName(text.replace("&", "").rstrip(":"))
            form.addRow(label, field)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("C&hange passphrase"))
        self.buttons.accepted.connect(self.change)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.busy_bar)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def _secret_field(self) -> QLineEdit:
        field = QLineEdit()
        field.setEchoMode(QLineEdit.EchoMode.Password)
        return field

    def change(self) -> None:
        if self.busy_bar.isVisible():
            return
        if self.new_edit.text() != self.confirm_edit.text():
            self.error_label.setText(_("The passphrases do not match."))
            self.confirm_edit.setFocus()
            return
        current, new = self.current_edit.text(), self.new_edit.text()
        task = Task(lambda _control: self.session.change_passphrase(current, new))
        task.signals.succeeded.connect(self._changed)
        task.signals.failed.connect(self._failed)
        self._set_busy(True)
        self.tasks.start(task)

    def _set_busy(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)
        self.error_label.clear()
        for field in (self.current_edit, self.new_edit, self.confirm_edit):
            field.setEnabled(not busy)
        self.buttons.setEnabled(not busy)

    def _changed(self, _result: object) -> None:
        self._set_busy(False)
        self._clear()
        self.accept()

    def _failed(self, error: object) -> None:
        self._set_busy(False)
        self.current_edit.clear()
        self.current_edit.setFocus()
        if isinstance(error, DelegateError):
            self.error_label.setText(str(error))
        else:
            self.error_label.setText(
                _("The passphrase could not be changed: {reason}").format(reason=error)
            )

    def _clear(self) -> None:
        for field in (self.current_edit, self.new_edit, self.confirm_edit):
            field.clear()

    def reject(self) -> None:
        self._clear()
        super().reject()
