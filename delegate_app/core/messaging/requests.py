"""Message requests: what people who are not contacts sent, for the user to accept or delete.

An envelope carries its sender's public identity (identity and encryption key) and nothing
else a contact needs: no name, no relay, no mailbox. So a request is shown by its sender's
safety number, and accepting it takes the sender's card (checked to be of the key that sent
the request): the card makes them a contact, unverified as any imported card, and the held
messages are then delivered in the order they were sent. Deleting removes the request's
content; "delete and block" also drops everything that key sends later (ADR 0016).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from delegate_app.core.contacts.book import ContactBook
from delegate_app.core.contacts.models import Contact, ContactError
from delegate_app.core.crypto.cards import ContactCard, safety_number
from delegate_app.core.crypto.identity import LocalIdentity
from delegate_app.core.messaging.directory import Directory
from delegate_app.core.messaging.errors import MessagingError
from delegate_app.core.messaging.receiver import Outcome, Receiver, ReceiveResult
from delegate_app.core.messaging.request_store import RequestLimits, RequestRow, RequestStore
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Database
from delegate_app.i18n import _


class RequestError(MessagingError):
    """A message request operation was refused (no such request, a card of another key…)."""


@dataclass(frozen=True)
class MessageRequest:
    """One sender who is not a contact, and what they sent (as shown to the user)."""

    id: int
    sender_key: str  # identity key, 64 hex
    safety_number: str  # to compare with the sender before accepting
    count: int
    size: int  # bytes kept
    first_at: datetime
    last_at: datetime
    preview: str | None  # the first message's text: the sender's words, to show as plain text


@dataclass(frozen=True)
class AcceptResult:
    contact: Contact
    delivered: int
    refused: int


class Requests:
    def __init__(
        self,
        db: Database,
        identity: LocalIdentity,
        contacts: ContactBook,
        directory: Directory,
        receiver: Receiver,
        policy: Policy,
    ) -> None:
        self.db = db
        self.store = RequestStore(db)
        self._own_key = identity.public().identity_key
        self._contacts = contacts
        self._directory = directory
        self._receiver = receiver
        self.limits = RequestLimits.from_policy(policy)

    def _request(self, row: RequestRow) -> MessageRequest:
        return MessageRequest(
            id=row.id,
            sender_key=row.sender_key,
            safety_number=safety_number(self._own_key, row.sender.identity_key),
            count=row.count,
            size=row.size,
            first_at=datetime.fromtimestamp(row.first_at, UTC),
            last_at=datetime.fromtimestamp(row.last_at, UTC),
            preview=row.preview,
        )

    def all(self) -> list[MessageRequest]:
        """Every request, the most recently active first."""
        return [self._request(row) for row in self.store.requests()]

    def get(self, request_id: int) -> MessageRequest:
        row = self.store.request(request_id)
        if row is None:
            raise RequestError(_("No message request with id {id}.").format(id=request_id))
        return self._request(row)

    def discarded(self) -> int:
        """How many envelopes from strangers were dropped over the bounds (until cleared)."""
        return self.store.discarded()

    def clear_discarded(self) -> None:
        self.store.clear_discarded()

    def accept(self, request_id: int, card: ContactCard) -> AcceptResult:
        """Make the request's sender a contact from ``card`` and deliver what they sent."""
        request = self.get(request_id)
        card.verify()
        if card.identity.identity_key.hex() != request.sender_key:
            raise RequestError(
                _("This card is not of the key that sent the request; nothing was changed.")
            )
        try:
            namesake = self._contacts.get(card.name)
        except ContactError:
            namesake = None
        if namesake is not None and namesake.identity_key != card.identity.identity_key:
            raise RequestError(
                _(
                    "You already have a contact named {name} with another key; nothing was changed."
                ).format(name=namesake.name)
            )
        with self.db.transaction():
            contact = self._contacts.import_card(card)
            delivered, refused = self._deliver(request_id)
        return AcceptResult(contact, delivered, refused)

    def _deliver(self, request_id: int) -> tuple[int, int]:
        row = self.store.request(request_id)
        sender = None if row is None else self._directory.by_key(row.sender_key)
        if sender is None:
            return 0, 0
        delivered = refused = 0
        with self.db.transaction():
            for item in self.store.items(request_id):
                result = self._receiver.deliver_request_item(item, sender)
                if result.outcome is Outcome.ACCEPTED:
                    delivered += 1
                elif result.outcome is Outcome.REJECTED:
                    refused += 1
            self.store.delete(request_id)
        return delivered, refused

    def deliver_from_contacts(self) -> list[ReceiveResult]:
        """Deliver requests whose sender became a contact another way (a card imported)."""
        results: list[ReceiveResult] = []
        for request_id in self.store.from_contacts():
            row = self.store.request(request_id)
            sender = None if row is None else self._directory.by_key(row.sender_key)
            if sender is None:
                continue
            with self.db.transaction():
                for item in self.store.items(request_id):
                    results.append(self._receiver.deliver_request_item(item, sender))
                self.store.delete(request_id)
        return results

    def delete(self, request_id: int, *, block: bool = False) -> None:
        """Remove the request and its content; with ``block``, drop that key's envelopes later."""
        request = self.get(request_id)
        with self.db.transaction():
            self.store.delete(request_id)
            if block:
                self.store.block(bytes.fromhex(request.sender_key))

    def sweep(self, now: float | None = None) -> int:
        """Delete request content older than the policy's ``requests_expiry_days``."""
        return self.store.sweep(self.limits.expiry_days, time.time() if now is None else now)


def preview_text(request: MessageRequest) -> str:
    """The first message's text, or what the request holds when it starts with no message."""
    if request.preview is not None:
        return request.preview
    return _("(a shared document or comment)")
