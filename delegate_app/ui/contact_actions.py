"""What the contacts and messages pages both do with a contact: texts for its trust state, and
the safety-number and key-change decisions (through the core's ContactBook)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from delegate_app.core.contacts.book import ContactBook
from delegate_app.core.contacts.models import Contact
from delegate_app.core.mailroom import Mailroom
from delegate_app.i18n import _
from delegate_app.ui.key_change_banner import KeyChangeBannerWidget
from delegate_app.ui.verification_dialog import VerificationDialog


def trust_text(contact: Contact) -> str:
    """Key changed, verified by the organisation, verified, or unverified."""
    if contact.key_changed:
        return _("Key changed — sending blocked")
    if contact.org_verified:
        return _("Verified by your organisation")
    if contact.verified:
        return _("Verified")
    return _("Not verified")


def open_safety_number(
    parent: QWidget,
    book: ContactBook,
    contact: Contact,
    *,
    banner: KeyChangeBannerWidget | None = None,
    on_verified: Callable[[Contact], None] | None = None,
) -> VerificationDialog:
    """Show the safety number (of the new key when it changed); window-modal, not blocking."""
    pending = contact.key_changed and contact.pending_card is not None
    number = book.safety_number(contact, pending=pending)
    dialog = VerificationDialog(contact, number, pending=pending, parent=parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if pending and banner is not None and contact.pending_card is not None:
        shown_key = contact.pending_card.identity.identity_key
        dialog.finished.connect(lambda _result: banner.mark_compared(contact.id, shown_key))

    def verified(contact_id: int) -> None:
        updated = book.verify(book.get_by_id(contact_id))
        if on_verified is not None:
            on_verified(updated)

    dialog.verified.connect(verified)
    dialog.open()
    return dialog


def accept_new_key(room: Mailroom, contact_id: int, identity_key: bytes) -> Contact:
    """Accept the pending key the user compared (refused if another one arrived since); the
    contact's conversations and shared documents move to the new key."""
    return room.accept_new_key(room.contacts.get_by_id(contact_id), identity_key)


def keep_old_key(book: ContactBook, contact_id: int) -> Contact:
    return book.reject_new_key(book.get_by_id(contact_id))
