"""Load what the main window needs while the user types the passphrase.

The unlock screen needs only Qt, the key file and the policy, so nothing else is imported before
it paints. Once it has painted, the rest (SQLCipher, libsodium, Babel, the library, the mailroom,
the main window's pages) is imported one module per turn of the event loop, leaves first, so that
each step is short and typing stays responsive. Unlocking before it has finished is fine: an
import still pending then simply happens on first use.

The imports run on the GUI thread: PySide6 inspects every module imported after it (its
``__feature__`` hook), and doing that from a second thread crashed the interpreter
("none_dealloc") in about one start in three.
"""

from __future__ import annotations

import importlib
import logging

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

# In dependency order, so each step imports little that is not loaded yet.
MODULES = (
    "sqlcipher3",
    "nacl.pwhash",
    "nacl.public",
    "nacl.signing",
    "babel.core",
    "babel.dates",
    "babel.numbers",
    "delegate_app.core.vault.database",
    "delegate_app.core.formatting",
    "delegate_app.core.crypto.cards",
    "delegate_app.core.contacts.book",
    "delegate_app.core.profile",
    "delegate_app.core.documents.store",
    "delegate_app.core.documents.library",
    "delegate_app.core.messaging.payloads",
    "delegate_app.core.messaging.service",
    "delegate_app.core.sharing.handlers",
    "delegate_app.core.mailroom",
    "delegate_app.ui.pages",
    "delegate_app.ui.library_page",
    "delegate_app.ui.reader",
    "delegate_app.ui.messages_page",
    "delegate_app.ui.contacts_page",
    "delegate_app.ui.main_window",
)


class Preloader(QObject):
    """Starts at the first paint of ``window``; emits ``finished`` when everything is loaded."""

    finished = Signal()

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.done = False
        self._started = False
        self._pending = list(MODULES)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Paint and not self._started:
            self._started = True
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self, self._load_next)  # after this paint reached the screen
        return False

    def _load_next(self) -> None:
        if self._pending:
            _import(self._pending.pop(0))
            QTimer.singleShot(0, self, self._load_next)  # dropped if the window goes
            return
        self.done = True
        self.finished.emit()


def _import(name: str) -> None:
    try:
        importlib.import_module(name)
    except ImportError:  # only an optimisation: the real import reports the error on use
        log.warning("could not preload %s", name)
