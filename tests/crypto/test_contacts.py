"""The contact book: import, verification, key changes that block sending, replay memory."""

from __future__ import annotations

import pytest

from delegate_app.core.contacts.book import ContactBook, load_identity, own_card
from delegate_app.core.contacts.models import ContactError
from delegate_app.core.crypto.cards import ContactCard, make_card, sign_card_for_organisation
from delegate_app.core.crypto.identity import LocalIdentity, OrganisationKey
from delegate_app.core.policy import Policy, RawPolicy
from delegate_app.core.vault import Vault


def _card(identity: LocalIdentity, name: str = "Jonas Berg", created: int = 1) -> ContactCard:
    return make_card(identity, name=name, organisation="Embassy of Sylvania",
                     relay_url="https://relay.example", created=created)  # fmt: skip


def test_import_verify_and_safety_number(vault: Vault, default_policy: Policy) -> None:
    book = ContactBook(vault.db, default_policy)
    peer = LocalIdentity.generate()
    contact = book.import_card(_card(peer))
    assert not contact.verified and book.can_send_to(contact)
    assert book.verify(contact).verified
    mine = load_identity(vault.db).public().identity_key
    assert len(book.safety_number(contact).replace(" ", "")) == 60
    assert mine != contact.identity_key


def test_changed_key_blocks_sending_until_accepted(vault: Vault, default_policy: Policy) -> None:
    book = ContactBook(vault.db, default_policy)
    book.verify(book.import_card(_card(LocalIdentity.generate())))
    contact = book.import_card(_card(LocalIdentity.generate(), created=2))
    assert contact.key_changed and not book.can_send_to(contact)
    with pytest.raises(ContactError, match="security key changed"):
        book.require_sendable(contact)
    with pytest.raises(ContactError):
        book.verify(contact)
    accepted = book.accept_new_key(contact)
    assert not accepted.key_changed and not accepted.verified
    assert accepted.identity_key == contact.pending_card.identity.identity_key  # type: ignore[union-attr]


def test_updated_card_same_key_is_applied(vault: Vault, default_policy: Policy) -> None:
    book = ContactBook(vault.db, default_policy)
    peer = LocalIdentity.generate()
    book.import_card(_card(peer, created=1))
    newer = make_card(peer, name="Jonas Berg", organisation="Sylvania Mission Geneva",
                      relay_url="https://relay2.example", created=5)  # fmt: skip
    assert book.import_card(newer).organisation == "Sylvania Mission Geneva"
    assert len(book.contacts()) == 1


def test_own_card_refused(vault: Vault, default_policy: Policy) -> None:
    book = ContactBook(vault.db, default_policy)
    with pytest.raises(ContactError, match="own card"):
        book.import_card(own_card(vault.db, default_policy))


def test_org_verified_flag_from_policy(vault: Vault) -> None:
    org = OrganisationKey.generate()
    policy = Policy.from_raw(
        RawPolicy("t", locked={"organisation_key": org.public_hex}, defaults={})
    )
    book = ContactBook(vault.db, policy)
    card = sign_card_for_organisation(_card(LocalIdentity.generate()), org)
    assert book.import_card(card).org_verified


def test_replayed_envelope_ids_are_refused(vault: Vault, default_policy: Policy) -> None:
    book = ContactBook(vault.db, default_policy)
    assert book.record_envelope(b"\x01" * 16)
    assert not book.record_envelope(b"\x01" * 16)
