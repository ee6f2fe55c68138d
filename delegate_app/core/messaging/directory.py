"""Who we correspond with, as messaging needs it: keys, relay, mailbox, and may-we-send.

:class:`Directory` is the narrow view messaging and sharing take of the contact
book, so they depend on four questions rather than on its storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from delegate_app.core.contacts.book import ContactBook
from delegate_app.core.contacts.models import ContactError
from delegate_app.core.contacts.store import ContactStore
from delegate_app.core.crypto.cards import ContactCard, parse_card
from delegate_app.core.crypto.identity import PublicIdentity
from delegate_app.core.messaging.errors import RecipientBlockedError
from delegate_app.core.vault import Database
from delegate_app.i18n import _


@dataclass(frozen=True)
class Correspondent:
    name: str
    organisation: str
    identity: PublicIdentity
    relay_url: str | None
    mailbox_id: str | None
    deposit_token: bytes | None = None  # from their card (version 2); None: deposit without
    #: From their card (version 3): their session key and the fallback key a session can
    #: start from while we have no claimed one-time key (None: a card of version 1 or 2).
    session_key: bytes | None = None
    fallback_key: bytes | None = None

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
    """The :class:`Directory` over the vault's contacts.

    Rows are read fresh on every question (a key change applies at once), but each stored
    card's signatures are verified only the first time its bytes are seen: sending or
    receiving thousands of messages does not re-verify the same card thousands of times.
    """

    def __init__(self, book: ContactBook, db: Database) -> None:
        self.book = book
        self._store = ContactStore(db)
        self._parsed: dict[bytes, ContactCard] = {}

    def _card(self, raw: Any) -> ContactCard:
        data = bytes(raw)
        card = self._parsed.get(data)
        if card is None:
            card = parse_card(data)
            if len(self._parsed) > 10_000:
                self._parsed.clear()
            self._parsed[data] = card
        return card

    def _from_row(self, row: Any) -> tuple[Correspondent, bool]:
        card = self._card(row["card"])
        correspondent = Correspondent(
            name=str(row["name"]),
            organisation=str(row["organisation"]),
            identity=card.identity,
            relay_url=card.relay_url or None,
            mailbox_id=card.mailbox_id or None,
            deposit_token=card.deposit_token,
            session_key=None if card.ratchet is None else card.ratchet.session_key,
            fallback_key=None if card.ratchet is None else card.ratchet.fallback.key,
        )
        return correspondent, row["pending_card"] is not None

    def by_name(self, name: str) -> Correspondent:
        row = self._store.by_name(name)
        if row is None:
            raise ContactError(_("No contact named {name}.").format(name=name))
        return self._from_row(row)[0]

    def by_key(self, identity_key: str) -> Correspondent | None:
        try:
            raw = bytes.fromhex(identity_key)
        except ValueError:
            return None
        row = self._store.by_identity_key(raw)
        return None if row is None else self._from_row(row)[0]

    def check_can_send(self, correspondent: Correspondent) -> None:
        row = self._store.by_identity_key(correspondent.identity.identity_key)
        if row is None:
            raise RecipientBlockedError(
                _("{name} is no longer in your contacts.").format(name=correspondent.name)
            )
        if self._from_row(row)[1]:
            raise RecipientBlockedError(
                _(
                    "{name}'s security key changed. Compare the new safety number and accept "
                    "the new key before sending."
                ).format(name=correspondent.name)
            )

    def display_name(self, identity_key: str) -> str:
        """The contact's name for their current key or one they had before a key change."""
        found = self.by_key(identity_key)
        if found is not None:
            return found.name
        try:
            earlier = self._store.by_previous_key(bytes.fromhex(identity_key))
        except ValueError:
            earlier = None
        return str(earlier["name"]) if earlier is not None else identity_key[:12] + "…"
