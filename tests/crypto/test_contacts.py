"""The contact book: import, verification, key changes that block sending, replay memory."""

from __future__ import annotations

import pytest

from delegate_app.core.contacts.book import ContactBook, ensure_identity, load_identity, own_card
from delegate_app.core.contacts.models import ContactError, ContactKeyChangedError, NoIdentityError
from delegate_app.core.crypto.cards import ContactCard, make_card, sign_card_for_organisation
from delegate_app.core.crypto.identity import LocalIdentity, OrganisationKey
from delegate_app.core.crypto.keywrap import FAST_KDF
from delegate_app.core.paths import ProfilePaths
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


def test_a_newer_card_replaces_all_but_the_name_and_an_older_one_nothing(
    vault: Vault, default_policy: Policy
) -> None:
    # docs/PROTOCOL.md §2: a contact renaming themselves in a new card keeps the name the user
    # filed them under (it could otherwise take the name of another contact).
    book = ContactBook(vault.db, default_policy)
    peer = LocalIdentity.generate()
    book.import_card(_card(peer, created=3))
    renamed = make_card(peer, name="Amina Haddad", organisation="Sylvania Mission Geneva",
                        relay_url="https://relay2.example", created=5)  # fmt: skip
    updated = book.import_card(renamed)
    assert (updated.name, updated.organisation) == ("Jonas Berg", "Sylvania Mission Geneva")
    assert updated.relay_url == "https://relay2.example" and updated.card.created == 5
    older = make_card(peer, name="Jonas Berg", organisation="Old",
                      relay_url="https://old.example", created=4)  # fmt: skip
    kept = book.import_card(older)
    assert (kept.organisation, kept.relay_url) == (
        "Sylvania Mission Geneva",
        "https://relay2.example",
    )
    assert [c.name for c in book.contacts()] == ["Jonas Berg"]


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


def test_accepting_checks_the_compared_key_and_conflicts(
    vault: Vault, default_policy: Policy
) -> None:
    book = ContactBook(vault.db, default_policy)
    book.import_card(_card(LocalIdentity.generate()))
    first_new, second_new = LocalIdentity.generate(), LocalIdentity.generate()
    compared = book.import_card(_card(first_new, created=2))
    # Another card arrives after the user compared the first new safety number.
    book.import_card(_card(second_new, created=3))
    with pytest.raises(ContactError, match="changed again"):
        book.accept_new_key(compared, first_new.public().identity_key)
    # The second new key meanwhile belongs to another contact: a clear error, nothing changes.
    book.import_card(_card(second_new, name="Someone Else", created=4))
    current = book.get("Jonas Berg")
    with pytest.raises(ContactError, match="another contact"):
        book.accept_new_key(current, second_new.public().identity_key)
    assert book.get("Jonas Berg").key_changed


def test_rejecting_a_new_key_keeps_the_old_one(vault: Vault, default_policy: Policy) -> None:
    book = ContactBook(vault.db, default_policy)
    old = book.verify(book.import_card(_card(LocalIdentity.generate())))
    changed = book.import_card(_card(LocalIdentity.generate(), created=2))
    with pytest.raises(ContactKeyChangedError):
        book.require_sendable(changed)
    kept = book.reject_new_key(changed)
    assert not kept.key_changed and kept.verified and kept.identity_key == old.identity_key
    assert book.require_sendable(kept) == old.card.identity
    with pytest.raises(ContactError, match="has not changed"):
        book.accept_new_key(kept)


def test_identity_created_once_and_only_inside_the_vault(
    vault: Vault, profile_paths: ProfilePaths
) -> None:
    identity = load_identity(vault.db)
    with vault.db.transaction() as db:
        again = ensure_identity(db, "Amina Haddad", "Mission of Freedonia")
    assert again == identity
    assert vault.db.get_setting("profile.organisation") == "Mission of Freedonia"
    vault.lock()
    secrets = [identity.signing_seed, identity.encryption_secret, identity.mailbox_seed]
    for path in profile_paths.root.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for secret in secrets:
                assert secret not in content and secret.hex().encode() not in content


def test_no_identity_is_a_typed_error(profile_paths: ProfilePaths) -> None:
    created = Vault.create(profile_paths, "correct horse battery staple", kdf=FAST_KDF)
    try:
        with pytest.raises(NoIdentityError):
            load_identity(created.db)
    finally:
        created.lock()
