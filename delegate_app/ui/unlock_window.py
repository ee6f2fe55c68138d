"""The unlock screen: passphrase (or the OS keyring), clear errors, a countdown when throttled.

Unlocking derives the key with Argon2id (deliberately slow), so it runs as a worker task and the
window stays responsive, showing that it is working.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from delegate_app.core.errors import DelegateError, UnlockThrottledError, WrongPassphraseError
from delegate_app.i18n import _, ngettext
from delegate_app.ui.retranslate import is_language_change
from delegate_app.ui.session import Session
from delegate_app.ui.style import app_icon
from delegate_app.ui.workers import Task, TaskRunner

COUNTDOWN_TICK_MS = 250


class UnlockWindow(QWidget):
    unlocked = Signal()
    unlock_failed = Signal(str)  # the message shown

    def __init__(self, session: Session, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.tasks = tasks
        self.busy = False
        self.icon_label = QLabel()
        self.icon_label.setPixmap(app_icon().pixmap(72, 72))
        self.icon_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title_label = QLabel()
        self.title_label.setObjectName("unlockTitle")
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint_label = QLabel()
        self.hint_label.setObjectName("unlockHint")
        self.hint_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint_label.setWordWrap(True)
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setMinimumHeight(32)
        self.unlock_button = QPushButton()
        self.unlock_button.setDefault(True)
        self.keyring_button = QPushButton()
        self.keyring_button.setVisible(session.keyring_available)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumHeight(4)
        self.busy_bar.setVisible(False)
        self.message_label = QLabel()
        self.message_label.setObjectName("errorMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        card = QFrame()
        card.setObjectName("unlockCard")
        card.setFixedWidth(400)
        box = QVBoxLayout(card)
        box.setContentsMargins(32, 28, 32, 24)
        box.setSpacing(10)
        box.addWidget(self.icon_label)
        box.addWidget(self.title_label)
        box.addWidget(self.hint_label)
        box.addSpacing(6)
        box.addWidget(self.passphrase_edit)
        box.addWidget(self.unlock_button)
        box.addWidget(self.keyring_button)
        box.addWidget(self.busy_bar)
        box.addWidget(self.message_label)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.countdown = QTimer(self)
        self.countdown.setInterval(COUNTDOWN_TICK_MS)
        self.countdown.timeout.connect(self._tick)
        self.unlock_button.clicked.connect(self.try_unlock)
        self.passphrase_edit.returnPressed.connect(self.try_unlock)
        self.keyring_button.clicked.connect(self.try_keyring)
        self.quit_action = QAction(self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.triggered.connect(QApplication.quit)
        self.addAction(self.quit_action)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Delegate — locked"))
        self.title_label.setText(_("Delegate is locked"))
        self.hint_label.setText(_("Enter your passphrase to open your vault."))
        self.passphrase_edit.setPlaceholderText(_("Passphrase"))
        self.passphrase_edit.setAccessibleName(_("Passphrase"))
        self.unlock_button.setText(_("&Unlock"))
        self.keyring_button.setText(_("Unlock with the system &keyring"))
        self.busy_bar.setAccessibleName(_("Unlocking"))
        self.quit_action.setText(_("&Quit"))
        if self.countdown.isActive():
            self._tick()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        self.keyring_button.setVisible(self.session.keyring_available)
        self.passphrase_edit.setFocus()
        if not self.countdown.isActive() and self._remaining() > 0:
            # The wait of an earlier session (or of delegatectl) is still running.
            self.countdown.start()
            self._set_busy(False)
            self._tick()
        super().showEvent(event)

    # -- unlocking ---------------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busy_bar.setVisible(busy)
        for widget in (self.passphrase_edit, self.unlock_button, self.keyring_button):
            widget.setEnabled(not busy and not self.countdown.isActive())
        if busy:
            self.message_label.clear()

    def try_unlock(self) -> None:
        if self.busy or self.countdown.isActive():
            return
        passphrase = self.passphrase_edit.text()
        if not passphrase:
            self._fail(_("Please enter your passphrase."))
            return
        self._run(Task(lambda _control: self.session.unlock(passphrase)))

    def try_keyring(self) -> None:
        if self.busy:
            return
        self._run(Task(lambda _control: self.session.unlock_with_keyring()))

    def _run(self, task: Task) -> None:
        self._set_busy(True)
        task.signals.succeeded.connect(self._succeeded)
        task.signals.failed.connect(self._failed)
        self.tasks.start(task)

    def _succeeded(self, result: object) -> None:
        self._set_busy(False)
        if result is False:  # the keyring did not hold a usable key
            self._fail(_("The system keyring did not hold the key. Please type your passphrase."))
            return
        self.passphrase_edit.clear()
        self.message_label.clear()
        self.unlocked.emit()

    def _failed(self, error: object) -> None:
        self._set_busy(False)
        if isinstance(error, WrongPassphraseError):
            self.passphrase_edit.selectAll()
            if not self._start_countdown_if_throttled():
                self._fail(_("Wrong passphrase."))
        elif isinstance(error, UnlockThrottledError):
            self._start_countdown_if_throttled()
        elif isinstance(error, DelegateError):
            self._fail(str(error))
        else:
            self._fail(_("The vault could not be opened: {reason}").format(reason=error))

    def _fail(self, message: str) -> None:
        self.message_label.setText(message)
        self.unlock_failed.emit(message)
        self.passphrase_edit.setFocus()

    # -- throttling --------------------------------------------------------------------------

    def _remaining(self) -> float:
        return self.session.vault.throttle.remaining() if self.session.vault is not None else 0.0

    def _start_countdown_if_throttled(self) -> bool:
        if self._remaining() <= 0:
            return False
        self.countdown.start()
        self._set_busy(False)
        self._tick()
        self.unlock_failed.emit(self.message_label.text())
        return True

    def _tick(self) -> None:
        remaining = self._remaining()
        if remaining <= 0:
            self.countdown.stop()
            self._set_busy(False)
            self.passphrase_edit.setFocus()
            self.message_label.setText(_("Wrong passphrase. You may try again now."))
            return
        seconds = int(remaining + 0.999)
        self.message_label.setText(
            ngettext(
                "Too many wrong passphrases. Try again in {seconds} second.",
                "Too many wrong passphrases. Try again in {seconds} seconds.",
                seconds,
            ).format(seconds=seconds)
        )
