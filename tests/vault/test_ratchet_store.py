"""The ratchet state in the vault: account at profile creation, sessions, claimed prekeys."""

from __future__ import annotations

from delegate_app.core.contacts.book import load_identity
from delegate_app.core.crypto.identity import LocalIdentity
from delegate_app.core.crypto.ratchet import RatchetAccount
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.messaging.ratchet_store import (
    MAX_SESSIONS_PER_CONTACT,
    ClaimedKey,
    RatchetStore,
)
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Vault


def _session_pair() -> tuple[RatchetAccount, bytes]:
    """A peer account and a fresh outbound session's peer key (their session key)."""
    peer = RatchetAccount.create()
    peer.signed_fallback(LocalIdentity.generate())
    return peer, peer.session_key


def test_profile_creation_makes_the_account_with_a_fallback_key(vault: Vault) -> None:
    store = RatchetStore(vault.db)
    assert store.has_account()
    account = store.account()
    assert len(account.session_key) == 32
    assert account.fallback_key is not None
    assert len(store.pickle_key()) == 32


def test_an_existing_profile_gets_its_account_on_first_unlock(
    vault: Vault, default_policy: Policy
) -> None:
    vault.db.execute("DELETE FROM ratchet_account")  # as a profile from before the upgrade
    assert not RatchetStore(vault.db).has_account()
    Mailroom.open(vault.db, default_policy)
    store = RatchetStore(vault.db)
    assert store.has_account()
    key = store.account().session_key
    Mailroom.open(vault.db, default_policy)  # and only once
    assert RatchetStore(vault.db).account().session_key == key


def test_sessions_are_kept_newest_first_and_bounded_per_contact(vault: Vault) -> None:
    store = RatchetStore(vault.db)
    account = store.account()
    peer, peer_key = _session_pair()
    fallback = peer.fallback_key
    assert fallback is not None
    sessions = [account.outbound(peer_key, fallback) for _ in range(MAX_SESSIONS_PER_CONTACT + 2)]
    for session in sessions:
        store.save_session("ab" * 32, peer_key, session)
    stored = store.sessions("ab" * 32)
    assert [s.session.session_id for s in stored] == [
        s.session_id for s in reversed(sessions[-MAX_SESSIONS_PER_CONTACT:])
    ]
    store.save_session("ab" * 32, peer_key, sessions[-3])  # used again: newest
    assert store.sessions("ab" * 32)[0].session.session_id == sessions[-3].session_id
    assert [s.contact_key for s in store.sessions_by_key(peer_key)] == ["ab" * 32] * 4
    assert store.contacts_of_session_key(peer_key) == ["ab" * 32]
    assert store.discard_sessions("ab" * 32) == MAX_SESSIONS_PER_CONTACT
    assert store.sessions("ab" * 32) == []


def test_claimed_keys_restart_flags_and_protocol(vault: Vault) -> None:
    store = RatchetStore(vault.db)
    key = "cd" * 32
    assert store.protocol(key) == 1
    store.store_claimed(ClaimedKey(key, b"s" * 32, b"p" * 32, True, 1_700_000_000))
    claimed = store.claimed(key)
    assert claimed is not None and claimed.one_time and claimed.prekey == b"p" * 32
    store.drop_claimed(key)
    assert store.claimed(key) is None
    store.set_peer(key, 2, b"s" * 32)
    assert store.protocol(key) == 2 and store.peer_session_key(key) == b"s" * 32
    assert not store.restart_wanted(key)
    store.request_restart(key)
    assert store.restart_wanted(key)
    store.set_peer(key, 2, None)  # a later envelope changes nothing of the request
    assert store.restart_wanted(key) and store.peer_session_key(key) == b"s" * 32
    store.restart_done(key)
    assert not store.restart_wanted(key)


def test_pickles_are_encrypted_under_the_vault_key(vault: Vault) -> None:
    identity = load_identity(vault.db)
    store = RatchetStore(vault.db)
    row = vault.db.query_one("SELECT pickle FROM ratchet_account")
    assert row is not None
    # The account pickle itself is vodozemac's encrypted pickle: no raw key bytes inside.
    assert identity.public().identity_key.hex() not in str(row["pickle"])
    assert store.account().session_key.hex() not in str(row["pickle"])
