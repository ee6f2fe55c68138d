"""Who we correspond with, as messaging needs it: keys, relay, mailbox, and may-we-send.

:class:`Directory` is the narrow view messaging and sharing take of the contact
book, so they depend on four questions rather than on its storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from delegate_app.core.contacts.book import ContactBook
from delegate_app.core.contacts.models import Contact
from delegate_app.core.crypto.identity import PublicIdentity
from delegate_app.core.messaging.errors import RecipientBlockedError
from delegate_app.i18n import _


@dataclass(frozen=True)
class Correspondent:
    name: str
    organisation: str
    identity: PublicIdentity
    relay_url: str | None
    mailbox_id: str | None

    @property
    def key(self) -> str:
        """The identity key as 64 hex chars: how messages and members refer to a person."""
        return self.identity.identity_key.hex()


class Directory(Protocol):
    def by_name(self, name: str) -> Correspondent:
        """The contact called ``name``; raises a DelegateError when there is none."""

    def by_key(self, identity_key: str) -> Correspondent | None:
        """The contact whose CURRENT accepted identity key is ``identity_key`` (hex)."""

    def check_can_send(self, correspondent: Correspondent) -> None:
        """Raise RecipientBlockedError when sending to them must be refused (key changed)."""

    def display_name(self, identity_key: str) -> str:
        """A name to show for a key (a contact's name, or a shortened key)."""


class ContactDirectory:
    """The :class:`Directory` over the vault's contact book."""

    def __init__(self, book: ContactBook) -> None:
        self.book = book

    @staticmethod
    def _correspondent(contact: Contact) -> Correspondent:
        return Correspondent(
            name=contact.name,
            organisation=contact.organisation,
            identity=contact.card.identity,
            relay_url=contact.relay_url or None,
            mailbox_id=contact.mailbox_id or None,
        )

    def by_name(self, name: str) -> Correspondent:
        return self._correspondent(self.book.get(name))

    def by_key(self, identity_key: str) -> Correspondent | None:
        try:
            raw = bytes.fromhex(identity_key)
        except ValueError:
            return None
        contact = self.book.find_by_identity_key(raw)
        return None if contact is None else self._correspondent(contact)

    def check_can_send(self, correspondent: Correspondent) -> None:
        contact = self.book.find_by_identity_key(correspondent.identity.identity_key)
        if contact is None:
            raise RecipientBlockedError(
                _("{name} is no longer in your contacts.").format(name=correspondent.name)
            )
        if not self.book.can_send_to(contact):
            raise RecipientBlockedError(
                _(
                    "{name}'s security key changed. Compare the new safety number and accept "
                    "the new key before sending."
                ).format(name=contact.name)
            )

    def display_name(self, identity_key: str) -> str:
        found = self.by_key(identity_key)
        return found.name if found is not None else identity_key[:12] + "…"
