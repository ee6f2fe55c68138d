"""The contact book: importing cards, safety numbers, verification, and key changes.

A card whose name or identity matches a known contact but carries a *different*
identity key is never applied silently: it waits as ``pending_card``, the contact
shows ``key_changed`` and sending is blocked until the user accepts the new key
(after comparing the new safety number).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from delegate_app.core.contacts.models import (
    Contact,
    ContactError,
    ContactKeyChangedError,
    NoIdentityError,
)
from delegate_app.core.contacts.store import ContactStore
from delegate_app.core.crypto.cards import CardRatchet, ContactCard, make_card, safety_number
from delegate_app.core.crypto.deposit import new_deposit_token
from delegate_app.core.crypto.identity import LocalIdentity, PublicIdentity
from delegate_app.core.messaging.ratchet_store import RatchetStore
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Database
from delegate_app.core.vault.database import IntegrityError
from delegate_app.i18n import _


def load_identity(db: Database) -> LocalIdentity:
    """This profile's private keys, from the vault. Raises NoIdentityError if there are none."""
    secret = ContactStore(db).load_identity_secret()
    if secret is None:
        raise NoIdentityError(_("This profile has no identity yet."))
    return LocalIdentity.from_json(secret)


def ensure_identity(
    db: Database, name: str | None = None, organisation: str | None = None
) -> LocalIdentity:
    """The profile's identity, generated (and stored in the vault) on first use.

    ``name`` and ``organisation``, when given, are recorded as what this profile's
    contact card will carry (``profile.name`` / ``profile.organisation`` settings).
    Call inside the caller's transaction to make creation atomic with the profile.
    """
    if name is not None:
        db.set_setting("profile.name", name.strip())
    if organisation is not None:
        db.set_setting("profile.organisation", organisation.strip())
    store = ContactStore(db)
    secret = store.load_identity_secret()
    if secret is not None:
        return LocalIdentity.from_json(secret)
    identity = LocalIdentity.generate()
    store.save_identity(identity)
    return identity


DEPOSIT_TOKEN_SETTING = "relay.deposit_token"  # noqa: S105 (a settings key, not a secret)


def deposit_token(db: Database) -> bytes:
    """The deposit token our card carries, created (and kept in the vault) on first use."""
    stored = db.get_setting(DEPOSIT_TOKEN_SETTING)
    if stored:
        return bytes.fromhex(stored)
    token = new_deposit_token()
    db.set_setting(DEPOSIT_TOKEN_SETTING, token.hex())
    return token


def rotate_deposit_token(db: Database) -> bytes:
    """A new deposit token, for the next card we hand out.

    Contacts holding a card with the previous token still reach us for the relay's grace
    period once the engine has registered the new one (docs/RELAY.md, "Deposit tokens").
    """
    token = new_deposit_token()
    db.set_setting(DEPOSIT_TOKEN_SETTING, token.hex())
    return token


def own_card(db: Database, policy: Policy, *, created: int | None = None) -> ContactCard:
    """This profile's card, signed now with its identity key: version 3 (our deposit token, our
    session key and fallback key), or version 2 while the profile has no ratchet account."""
    identity = load_identity(db)
    store = RatchetStore(db)
    ratchet = CardRatchet.of(store.account(), identity) if store.has_account() else None
    relay = policy.resolve_user_choice("relay_url", db.get_setting("profile.relay_url")) or ""
    return make_card(
        identity,
        name=db.get_setting("profile.name", "") or "",
        organisation=db.get_setting("profile.organisation", "") or "",
        relay_url=relay,
        created=created if created is not None else int(datetime.now(UTC).timestamp()),
        deposit_token=deposit_token(db),
        ratchet=ratchet,
    )


class ContactBook:
    def __init__(self, db: Database, policy: Policy) -> None:
        self._store = ContactStore(db)
        self._db = db
        self._policy = policy

    def _contact(self, row: Any) -> Contact:
        card = ContactStore.card_of(row)
        pending = ContactStore.pending_of(row)
        return Contact(
            id=int(row["id"]),
            name=str(row["name"]),
            organisation=str(row["organisation"]),
            card=card,
            verified=bool(row["verified"]),
            org_verified=card.verified_by_organisation(self._policy.value("organisation_key")),
            key_changed=pending is not None,
            pending_card=pending,
            added_at=datetime.fromtimestamp(row["added_at"], UTC),
            protocol=int(row["protocol"]),
        )

    def contacts(self) -> list[Contact]:
        return [self._contact(row) for row in self._store.rows()]

    def get(self, name: str) -> Contact:
        row = self._store.by_name(name)
        if row is None:
            raise ContactError(_("No contact named {name}.").format(name=name))
        return self._contact(row)

    def get_by_id(self, contact_id: int) -> Contact:
        row = self._store.by_id(contact_id)
        if row is None:
            raise ContactError(_("No contact with id {id}.").format(id=contact_id))
        return self._contact(row)

    def find_by_identity_key(self, identity_key: bytes) -> Contact | None:
        row = self._store.by_identity_key(identity_key)
        return None if row is None else self._contact(row)

    def import_card(self, card: ContactCard) -> Contact:
        """Add or update a contact from a verified card. A new key for a known contact is held."""
        card.verify()
        own = load_identity(self._db).public().identity_key
        if card.identity.identity_key == own:
            raise ContactError(_("This is your own card."))
        with self._db.transaction():
            same_key = self._store.by_identity_key(card.identity.identity_key)
            if same_key is not None:
                if card.created >= ContactStore.card_of(same_key).created:
                    self._store.update_card(int(same_key["id"]), card)
                return self._contact(self._store.by_id(int(same_key["id"])))
            same_name = self._store.by_name(card.name)
            if same_name is not None:
                self._store.set_pending(int(same_name["id"]), card)
                return self._contact(self._store.by_id(int(same_name["id"])))
            contact_id = self._store.insert(card)
            return self._contact(self._store.by_id(contact_id))

    def safety_number(self, contact: Contact, *, pending: bool = False) -> str:
        own = load_identity(self._db).public().identity_key
        card = contact.pending_card if pending and contact.pending_card else contact.card
        return safety_number(own, card.identity.identity_key)

    def verify(self, contact: Contact) -> Contact:
        if contact.key_changed:
            raise ContactError(
                _("{name}'s key changed; accept the new key before verifying it.").format(
                    name=contact.name
                )
            )
        self._store.set_verified(contact.id, True)
        return self.get_by_id(contact.id)

    def accept_new_key(self, contact: Contact, identity_key: bytes | None = None) -> Contact:
        """Replace ``contact``'s key by the pending one; the contact becomes unverified.

        Pass ``identity_key`` (the pending key the user compared the safety number of) to make
        sure a card that arrived in the meantime is not accepted unseen.
        """
        with self._db.transaction():
            current = self.get_by_id(contact.id)
            pending = current.pending_card
            if pending is None:
                raise ContactError(_("{name}'s key has not changed.").format(name=contact.name))
            if identity_key is not None and pending.identity.identity_key != identity_key:
                raise ContactError(
                    _("{name}'s pending key changed again; compare the safety number anew.").format(
                        name=contact.name
                    )
                )
            try:
                self._store.replace_key(contact.id, pending)
            except IntegrityError:
                raise ContactError(
                    _("The new key of {name} already belongs to another contact.").format(
                        name=contact.name
                    )
                ) from None
            return self.get_by_id(contact.id)

    def reject_new_key(self, contact: Contact) -> Contact:
        """Forget a pending card; the contact keeps its current key (sending stays possible)."""
        self._store.set_pending(contact.id, None)
        return self.get_by_id(contact.id)

    def can_send_to(self, contact: Contact) -> bool:
        """False while a key change waits for the user's decision."""
        return not contact.key_changed

    def require_sendable(self, contact: Contact) -> PublicIdentity:
        """The identity to encrypt to; raises ContactKeyChangedError while a key change waits."""
        if contact.key_changed:
            raise ContactKeyChangedError(
                _(
                    "{name}'s security key changed. Compare the new safety number and accept "
                    "the new key before sending."
                ).format(name=contact.name)
            )
        return contact.card.identity

    def record_envelope(self, envelope_id: bytes) -> bool:
        """Check-and-record ``envelope_id`` in the caller's transaction; False for a replay."""
        return self._store.record_envelope(envelope_id)
