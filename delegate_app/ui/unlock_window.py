"""The unlock screen: passphrase (or the OS keyring), clear errors, a countdown when throttled."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from delegate_app.core.errors import (
    DelegateError,
    UnlockThrottledError,
    WrongPassphraseError,
)
from delegate_app.i18n import _, ngettext
from delegate_app.ui.retranslate import is_language_change
from delegate_app.ui.session import Session


class UnlockWindow(QWidget):
    unlocked = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.title_label = QLabel()
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title_label.setStyleSheet("font-size: 20px; font-weight: 600;")
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.unlock_button = QPushButton()
        self.unlock_button.setDefault(True)
        self.keyring_button = QPushButton()
        self.keyring_button.setVisible(session.keyring_available)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setStyleSheet("color: #b00020;")
        box = QVBoxLayout()
        box.addWidget(self.title_label)
        box.addWidget(self.passphrase_edit)
        box.addWidget(self.unlock_button)
        box.addWidget(self.keyring_button)
        box.addWidget(self.message_label)
        container = QWidget()
        container.setLayout(box)
        container.setMaximumWidth(420)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(container, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.countdown = QTimer(self)
        self.countdown.setInterval(250)
        self.countdown.timeout.connect(self._tick)
        self.unlock_button.clicked.connect(self.try_unlock)
        self.passphrase_edit.returnPressed.connect(self.try_unlock)
        self.keyring_button.clicked.connect(self.try_keyring)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Delegate — locked"))
        self.title_label.setText(_("Delegate is locked"))
        self.passphrase_edit.setPlaceholderText(_("Passphrase"))
        self.passphrase_edit.setAccessibleName(_("Passphrase"))
        self.unlock_button.setText(_("&Unlock"))
        self.keyring_button.setText(_("Unlock with the system &keyring"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        self.passphrase_edit.setFocus()
        super().showEvent(event)  # type: ignore[arg-type]

    def try_keyring(self) -> None:
        if self.session.unlock_with_keyring():
            self.message_label.clear()
            self.unlocked.emit()
        else:
            self.message_label.setText(
                _("The keyring did not hold the key. Please type your passphrase.")
            )

    def try_unlock(self) -> None:
        try:
            self.session.unlock(self.passphrase_edit.text())
        except WrongPassphraseError:
            self.message_label.setText(_("Wrong passphrase."))
            self.passphrase_edit.selectAll()
            self._start_countdown_if_throttled()
            return
        except UnlockThrottledError:
            self._start_countdown_if_throttled()
            return
        except DelegateError as exc:
            self.message_label.setText(str(exc))
            return
        self.passphrase_edit.clear()
        self.message_label.clear()
        self.unlocked.emit()

    def _start_countdown_if_throttled(self) -> None:
        if self.session.vault is not None and self.session.vault.throttle.remaining() > 0:
            self.unlock_button.setEnabled(False)
            self.passphrase_edit.setEnabled(False)
            self.countdown.start()
            self._tick()

    def _tick(self) -> None:
        remaining = self.session.vault.throttle.remaining() if self.session.vault else 0.0
        if remaining <= 0:
            self.countdown.stop()
            self.unlock_button.setEnabled(True)
            self.passphrase_edit.setEnabled(True)
            self.passphrase_edit.setFocus()
            self.message_label.setText(_("Wrong passphrase. You may try again."))
            return
        seconds = int(remaining + 0.999)
        self.message_label.setText(
            ngettext(
                "Too many wrong passphrases. Try again in {seconds} second.",
                "Too many wrong passphrases. Try again in {seconds} seconds.",
                seconds,
            ).format(seconds=seconds)
        )
