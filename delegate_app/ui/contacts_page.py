"""The contacts page: who this mission corresponds with, how far each key is trusted, cards."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from delegate_app.core.contacts.book import own_card
from delegate_app.core.contacts.card_files import CardFileError, read_card_file
from delegate_app.core.contacts.models import Contact
from delegate_app.core.crypto.cards import parse_any_card
from delegate_app.core.errors import DelegateError
from delegate_app.i18n import N_, _, ngettext
from delegate_app.ui import file_dialogs
from delegate_app.ui.bidi import isolate
from delegate_app.ui.contact_actions import (
    accept_new_key,
    keep_old_key,
    open_safety_number,
    trust_text,
)
from delegate_app.ui.key_change_banner import KeyChangeBannerWidget
from delegate_app.ui.my_card_dialog import MyCardDialog
from delegate_app.ui.pages import PageContext, PageWidget, Section
from delegate_app.ui.plain_text import show_as_plain_text
from delegate_app.ui.verification_dialog import VerificationDialog

CONTACT_ROLE = Qt.ItemDataRole.UserRole + 1
CONTACT_SECTIONS = (Section("contacts", N_("Contacts"), "address-book"),)


def contact_row_text(name: str, organisation: str, state: str) -> str:
    """A row of the contact list: name and organisation, then the trust state below."""
    # TRANSLATORS: a row of the contact list: name, organisation, trust state
    return _("{name} — {organisation}\n{state}").format(
        # Isolated: without, a right-to-left row whose first strong character is a Latin
        # name lost its second line (the trust state) and elided the first.
        name=isolate(name),
        organisation=isolate(organisation),
        state=isolate(state),
    )


def forward_secrecy_text(contact: Contact) -> str:
    """Whether messages with this contact ratchet (envelope format 2) or not yet (format 1)."""
    if contact.protocol >= 2:
        return _("Forward secrecy: on")
    return _("Forward secrecy: off")


class ContactsPageWidget(PageWidget):
    contact_imported = Signal(str)  # the contact's name
    contacts_changed = Signal()

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.contacts: list[Contact] = []
        self.list = QListWidget()
        self.list.setObjectName("contactList")
        self.import_button = QPushButton()
        self.paste_button = QPushButton()
        self.my_card_button = QPushButton()
        self.name_label = QLabel()
        self.name_label.setObjectName("contactName")
        self.detail_label = QLabel()
        self.detail_label.setWordWrap(True)
        self.trust_label = QLabel()
        self.trust_label.setObjectName("contactTrust")
        self.secrecy_label = QLabel()
        self.secrecy_label.setObjectName("contactForwardSecrecy")
        self.verify_button = QPushButton()
        self.banner = KeyChangeBannerWidget()
        self.error_label = QLabel()
        self.error_label.setObjectName("errorMessage")
        self.error_label.setWordWrap(True)
        show_as_plain_text(
            self.name_label, self.detail_label, self.trust_label, self.secrecy_label,
            self.error_label,
        )  # fmt: skip
        self.dialog: VerificationDialog | MyCardDialog | None = None
        self._layout()
        self.list.currentItemChanged.connect(lambda *_args: self._show_current())
        self.import_button.clicked.connect(self.import_from_file)
        self.paste_button.clicked.connect(self.import_pasted)
        self.my_card_button.clicked.connect(self.show_my_card)
        self.verify_button.clicked.connect(self.show_safety_number)
        self.banner.compare_requested.connect(lambda _id: self.show_safety_number())
        self.banner.accept_requested.connect(self._accept_key)
        self.banner.keep_old_requested.connect(self._keep_key)
        self.retranslate_ui()

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        for button in (self.import_button, self.paste_button, self.my_card_button):
            buttons.addWidget(button)
        column = QWidget()
        column_layout = QVBoxLayout(column)
        column_layout.addLayout(buttons)
        column_layout.addWidget(self.list, 1)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.addWidget(self.banner)
        detail_layout.addWidget(self.name_label)
        detail_layout.addWidget(self.detail_label)
        detail_layout.addWidget(self.trust_label)
        detail_layout.addWidget(self.secrecy_label)
        row = QHBoxLayout()
        row.addWidget(self.verify_button)
        row.addStretch(1)
        detail_layout.addLayout(row)
        detail_layout.addWidget(self.error_label)
        detail_layout.addStretch(1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(column)
        splitter.addWidget(detail)
        splitter.setSizes([360, 720])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    # -- page hooks ---------------------------------------------------------------------------

    def sections(self) -> Sequence[Section]:
        return CONTACT_SECTIONS

    def show_section(self, key: str) -> None:
        self.refresh()

    def vault_locking(self) -> None:
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.reject()
        self.dialog = None
        self.contacts = []
        self.list.clear()
        self._show_current()
        self.error_label.clear()

    def focus_chain(self) -> list[QWidget]:
        return [self.list, self.verify_button]

    def status_text(self) -> str:
        if not self.session.is_unlocked or not self.contacts:
            return ""
        return ngettext("{count} contact", "{count} contacts", len(self.contacts)).format(
            count=len(self.contacts)
        )

    def retranslate_ui(self) -> None:
        self.list.setAccessibleName(_("Contacts"))
        self.import_button.setText(_("&Import card…"))
        self.paste_button.setText(_("&Paste card…"))
        self.my_card_button.setText(_("Show &my card"))
        self.verify_button.setText(_("&Safety number…"))
        for button in (self.import_button, self.paste_button, self.my_card_button,
                       self.verify_button):  # fmt: skip
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
        self._fill_list()
        self._show_current()

    # -- listing ------------------------------------------------------------------------------

    def refresh(self) -> None:
        if not self.session.is_unlocked:
            return
        self.contacts = self.session.mailroom.contacts.contacts()
        self._fill_list()
        self._show_current()
        self.status_message.emit(self.status_text())

    def _fill_list(self) -> None:
        current = self.current_contact()
        self.list.blockSignals(True)
        self.list.clear()
        for contact in self.contacts:
            state = trust_text(contact)
            text = contact_row_text(contact.name, contact.organisation, state)
            item = QListWidgetItem(text)
            item.setData(CONTACT_ROLE, contact.id)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, text.replace("\n", ", "))
            self.list.addItem(item)
            if current is not None and current.id == contact.id:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)

    def current_contact(self) -> Contact | None:
        item = self.list.currentItem()
        if item is None:
            return None
        contact_id = item.data(CONTACT_ROLE)
        return next((c for c in self.contacts if c.id == contact_id), None)

    def select_contact(self, name: str) -> None:
        for row, contact in enumerate(self.contacts):
            if contact.name == name:
                self.list.setCurrentRow(row)

    def _show_current(self) -> None:
        contact = self.current_contact()
        self.verify_button.setEnabled(contact is not None)
        self.banner.show_contact(contact)
        if contact is None:
            for label in (
                self.name_label, self.detail_label, self.trust_label, self.secrecy_label
            ):  # fmt: skip
                label.clear()
            return
        self.name_label.setText(contact.name)
        self.detail_label.setText(contact.organisation)
        self.trust_label.setText(trust_text(contact))
        self.trust_label.setAccessibleName(_("Trust"))
        self.secrecy_label.setText(forward_secrecy_text(contact))

    # -- cards --------------------------------------------------------------------------------

    def import_from_file(self) -> None:
        name = file_dialogs.open_file(
            self, _("Import a contact card"), _("Contact cards (*.txt *.card);;All files (*)")
        )
        if not name:
            return
        try:
            data = read_card_file(Path(name))
        except CardFileError as exc:
            self.error_label.setText(str(exc))
            return
        self.import_card_bytes(data)

    def import_pasted(self) -> None:
        text, ok = QInputDialog.getMultiLineText(
            self, _("Paste a contact card"), _("Contact card text:")
        )
        if ok and text.strip():
            self.import_card_bytes(text.strip().encode("utf-8", "replace"))

    def import_card_bytes(self, data: bytes) -> Contact | None:
        try:
            card = parse_any_card(data)
            contact = self.session.mailroom.contacts.import_card(card)
        except DelegateError as exc:
            self.error_label.setText(str(exc))
            return None
        self.error_label.clear()
        self.refresh()
        self.select_contact(contact.name)
        if contact.key_changed:
            message = _("{name} now presents a different security key.").format(name=contact.name)
        else:
            message = _("Added contact {name} ({organisation}).").format(
                name=contact.name, organisation=contact.organisation
            )
        self.status_message.emit(message)
        self.contact_imported.emit(contact.name)
        self.contacts_changed.emit()
        self.sync_requested.emit()  # held envelopes from this sender can be processed now
        return contact

    def show_my_card(self) -> MyCardDialog:
        text = own_card(self.session.db, self.session.policy).to_text()
        dialog = MyCardDialog(text, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.dialog = dialog
        return dialog

    # -- trust --------------------------------------------------------------------------------

    def show_safety_number(self) -> VerificationDialog | None:
        contact = self.current_contact()
        if contact is None:
            return None
        self.dialog = open_safety_number(
            self, self.session.mailroom.contacts, contact, banner=self.banner,
            on_verified=lambda _c: self._changed(),
        )  # fmt: skip
        return self.dialog

    def _changed(self) -> None:
        self.refresh()
        self.contacts_changed.emit()

    def _accept_key(self, contact_id: int, identity_key: bytes) -> None:
        try:
            accept_new_key(self.session.mailroom, contact_id, identity_key)
        except DelegateError as exc:
            self.error_label.setText(str(exc))
        self._changed()

    def _keep_key(self, contact_id: int) -> None:
        keep_old_key(self.session.mailroom.contacts, contact_id)
        self._changed()
