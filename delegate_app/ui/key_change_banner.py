"""The loud banner shown when a contact presents a new security key.

Sending to the contact stays blocked until the user decides. "Accept new key" becomes
possible only after the user opened "Compare new safety number" for exactly the key that is
pending now: the banner remembers which key was shown, and the acceptance names that key, so
a card that arrived in the meantime is never accepted unseen.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from delegate_app.core.contacts.models import Contact
from delegate_app.i18n import _
from delegate_app.ui.bidi import isolate
from delegate_app.ui.plain_text import show_as_plain_text
from delegate_app.ui.retranslate import is_language_change


class KeyChangeBannerWidget(QFrame):
    compare_requested = Signal(int)  # contact id
    accept_requested = Signal(int, bytes)  # contact id, the pending key the user compared
    keep_old_requested = Signal(int)  # contact id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyChangeBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setStyleSheet(
            "#keyChangeBanner { background: #b3261e; border-radius: 4px; }"
            " #keyChangeBanner QLabel { color: white; font-weight: bold; }"
        )
        self.contact: Contact | None = None
        self._seen_key: bytes | None = None
        self.message = QLabel()
        self.message.setWordWrap(True)
        show_as_plain_text(self.message)  # names the contact
        self.compare_button = QPushButton()
        self.accept_button = QPushButton()
        self.keep_button = QPushButton()
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.compare_button, self.accept_button, self.keep_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.compare_button.clicked.connect(self._compare)
        self.accept_button.clicked.connect(self._accept)
        self.keep_button.clicked.connect(self._keep)
        self.show_contact(None)
        self.retranslate_ui()

    def show_contact(self, contact: Contact | None) -> None:
        """Show the banner for ``contact`` if its key changed; hide it otherwise."""
        pending = contact.pending_card if contact is not None else None
        if contact is None or pending is None:
            self.contact = None
            self._seen_key = None
            self.setVisible(False)
            return
        if self._seen_key != pending.identity.identity_key:
            self._seen_key = None
        self.contact = contact
        self.retranslate_ui()  # the text first, so the layout sizes the banner for it
        self.setVisible(True)

    def mark_compared(self, contact_id: int, identity_key: bytes) -> None:
        """The user was shown the new safety number of ``identity_key``."""
        if self.contact is not None and self.contact.id == contact_id:
            pending = self.contact.pending_card
            if pending is not None and pending.identity.identity_key == identity_key:
                self._seen_key = identity_key
        self.retranslate_ui()

    @property
    def compared(self) -> bool:
        return self._seen_key is not None

    def _compare(self) -> None:
        if self.contact is not None:
            self.compare_requested.emit(self.contact.id)

    def _accept(self) -> None:
        if self.contact is not None and self._seen_key is not None:
            self.accept_requested.emit(self.contact.id, self._seen_key)

    def _keep(self) -> None:
        if self.contact is not None:
            self.keep_old_requested.emit(self.contact.id)

    def retranslate_ui(self) -> None:
        # The name is isolated so a right-to-left name cannot reorder the sentence around it.
        name = isolate(self.contact.name) if self.contact is not None else ""
        self.message.setText(
            _(
                "{name}'s security key changed. Messages to {name} are blocked until you "
                "compare the new safety number with them and accept the new key, or keep "
                "the old one."
            ).format(name=name)
        )
        self.setAccessibleName(_("Security key changed"))
        self.setAccessibleDescription(self.message.text())
        self.compare_button.setText(_("&Compare new safety number"))
        self.accept_button.setText(_("&Accept new key"))
        self.keep_button.setText(_("&Keep old key"))
        self.accept_button.setEnabled(self.compared)
        self.accept_button.setToolTip(
            "" if self.compared else _("Compare the new safety number first.")
        )
        for button in (self.compare_button, self.accept_button, self.keep_button):
            button.setAccessibleName(button.text().replace("&", ""))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)
