"""Contacts as the app sees them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from delegate_app.core.crypto.cards import ContactCard
from delegate_app.core.errors import DelegateError


class ContactError(DelegateError):
    """A contact operation was refused (unknown name, blocked by a key change…)."""


class ContactKeyChangedError(ContactError):
    """A contact presented a new identity key; nothing is sent until the user accepts it."""


class NoIdentityError(ContactError):
    """The profile has no identity yet (a vault created before identities existed)."""


@dataclass(frozen=True)
class Contact:
    id: int
    name: str
    organisation: str
    card: ContactCard
    verified: bool  # the user compared safety numbers
    org_verified: bool  # the organisation key in policy signed the card
    key_changed: bool  # a card with a new identity key waits for the user's decision
    pending_card: ContactCard | None
    added_at: datetime
    #: The envelope format in use with them: 2 once a ratchet session exists (forward secrecy).
    protocol: int = 1

    @property
    def identity_key(self) -> bytes:
        return self.card.identity.identity_key

    @property
    def mailbox_id(self) -> str:
        return self.card.mailbox_id

    @property
    def relay_url(self) -> str:
        return self.card.relay_url
