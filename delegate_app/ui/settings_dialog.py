"""Preferences. A setting the organisation locked is greyed out and says so.

Policy-governed choices are stored in the vault (``pref.<key>``, see ``Session``); the
language goes to ``preferences.json`` because the unlock screen needs it before unlock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from delegate_app.i18n import _
from delegate_app.ui.language import LanguageManager
from delegate_app.ui.retranslate import is_language_change
from delegate_app.ui.session import Session
from delegate_app.ui.workers import TaskRunner

if TYPE_CHECKING:
    from delegate_app.ui.change_passphrase_dialog import ChangePassphraseDialog


class SettingsDialog(QDialog):
    def __init__(
        self,
        session: Session,
        languages: LanguageManager,
        parent: QWidget | None = None,
        *,
        tasks: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.tasks = tasks if tasks is not None else TaskRunner(self)
        self.languages = languages
        self.language_combo = QComboBox()
        for code, name in languages.available_languages(session.policy):
            self.language_combo.addItem(name, code)
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(languages.current)))
        self.auto_lock_spin = QSpinBox()
        self.auto_lock_spin.setRange(1, 1440)
        self.auto_lock_spin.setValue(int(session.user_setting("auto_lock_minutes")))
        self.keyring_check = QCheckBox()
        self.keyring_check.setChecked(session.keyring_enabled)
        self.receipts_check = QCheckBox()
        self.receipts_check.setChecked(bool(session.user_setting("read_receipts")))
        self.previews_check = QCheckBox()
        self.previews_check.setChecked(bool(session.user_setting("notification_previews")))
        self.passphrase_button = QPushButton()
        self.passphrase_button.setAutoDefault(False)
        self.passphrase_button.clicked.connect(self.change_passphrase)
        self.passphrase_note = QLabel()
        self.passphrase_note.setWordWrap(True)
        self.locked_note = QLabel()
        self.locked_note.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setObjectName("errorMessage")
        self.error_label.setWordWrap(True)
        self.form = QFormLayout()
        self.rows: tuple[tuple[str, QWidget], ...] = (
            ("default_language", self.language_combo),
            ("auto_lock_minutes", self.auto_lock_spin),
            ("keyring_allowed", self.keyring_check),
            ("read_receipts", self.receipts_check),
            ("notification_previews", self.previews_check),
        )
        for _key, widget in self.rows:
            self.form.addRow(QLabel(), widget)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.passphrase_button)
        layout.addWidget(self.passphrase_note)
        layout.addWidget(self.locked_note)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        for key, widget in self.rows:
            locked = self._locked(key)
            widget.setEnabled(not locked)
            widget.setProperty("locked_by_policy", locked)
        self.retranslate_ui()

    def _locked(self, key: str) -> bool:
        policy = self.session.policy
        if key == "default_language":
            return policy.is_locked("default_language") or (
                policy.is_locked("allowed_languages")
                and len(policy.value("allowed_languages")) == 1
            )
        if key == "keyring_allowed":
            return not self.session.keyring_permitted
        return bool(policy.is_locked(key))

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Preferences"))
        labels = (
            _("&Language:"), _("&Lock after idle minutes:"), _("Unlock with the system &keyring"),
            _("Send &read receipts"), _("Show message text in &notifications"),
        )  # fmt: skip
        for (_key, widget), text in zip(self.rows, labels, strict=True):
            label = self.form.labelForField(widget)
            if isinstance(label, QLabel):
                label.setText(text)
                label.setBuddy(widget)
            widget.setAccessibleName(text.replace("&", "").rstrip(":"))
            widget.setToolTip(
                _("Set by your organisation") if widget.property("locked_by_policy") else ""
            )
        self.passphrase_button.setText(_("Change &passphrase…"))
        any_locked = any(widget.property("locked_by_policy") for _key, widget in self.rows)
        self.locked_note.setText(
            _("Greyed-out settings are set by your organisation.") if any_locked else ""
        )
        self.locked_note.setVisible(any_locked)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    def change_passphrase(self) -> ChangePassphraseDialog:
        from delegate_app.ui.change_passphrase_dialog import ChangePassphraseDialog

        dialog = ChangePassphraseDialog(self.session, self.tasks, self)
        dialog.accepted.connect(lambda: self.passphrase_note.setText(_("Passphrase changed.")))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def apply(self) -> None:
        session = self.session
        session.set_user_setting("auto_lock_minutes", self.auto_lock_spin.value())
        session.set_user_setting("read_receipts", self.receipts_check.isChecked())
        session.set_user_setting("notification_previews", self.previews_check.isChecked())
        wanted = self.keyring_check.isChecked()
        change_keyring = self.keyring_check.isEnabled() and wanted != session.keyring_enabled
        if change_keyring and not session.set_keyring_enabled(wanted):
            self.keyring_check.setChecked(False)
            self.error_label.setText(
                _("The system keyring is not available; the passphrase is still needed.")
            )
            return
        code = self.language_combo.currentData()
        if isinstance(code, str) and code != self.languages.current:
            self.languages.switch(code)
            session.save_preferences(session.preferences().with_language(code))
        self.accept()
