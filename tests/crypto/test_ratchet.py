"""The Olm wrapper: sessions, prekeys, pickles, and only typed errors for bad input."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delegate_app.core.crypto import ratchet
from delegate_app.core.crypto.errors import (
    BadSignatureError,
    RatchetDecryptError,
    RatchetError,
    RatchetPickleError,
    RatchetSessionError,
)
from delegate_app.core.crypto.identity import LocalIdentity
from delegate_app.core.crypto.ratchet import (
    OLM_NORMAL,
    OLM_PRE_KEY,
    RatchetAccount,
    RatchetSession,
    SessionBinding,
)

PICKLE_KEY = bytes(range(32))


def _pair(one_time: bool = True) -> tuple[RatchetSession, RatchetSession, RatchetAccount]:
    """Alice's outbound session to Bob, Bob's inbound one (after Alice's first message)."""
    alice, bob, bob_identity = RatchetAccount.create(), RatchetAccount.create(), _identity()
    if one_time:
        prekey = bob.new_one_time_keys(bob_identity, 1)[0].key
    else:
        prekey = bob.signed_fallback(bob_identity).key
    outbound = alice.outbound(bob.session_key, prekey)
    olm_type, ciphertext = outbound.encrypt(b"first")
    assert olm_type == OLM_PRE_KEY
    inbound, plaintext = bob.inbound(alice.session_key, ciphertext)
    assert plaintext == b"first"
    return outbound, inbound, bob


def _identity() -> LocalIdentity:
    return LocalIdentity.generate()


def test_round_trip_both_ways_and_switch_to_normal_messages() -> None:
    outbound, inbound, _bob = _pair()
    assert outbound.session_id == inbound.session_id
    olm_type, reply = inbound.encrypt(b"reply")
    assert olm_type == OLM_NORMAL
    assert outbound.decrypt(olm_type, reply) == b"reply"
    olm_type, again = outbound.encrypt(b"again")
    assert olm_type == OLM_NORMAL  # Alice has heard from Bob: no more pre-key messages
    assert inbound.decrypt(olm_type, again) == b"again"


def test_one_time_key_is_consumed_fallback_key_is_not() -> None:
    alice, bob, bob_identity = RatchetAccount.create(), RatchetAccount.create(), _identity()
    one_time = bob.new_one_time_keys(bob_identity, 1)[0].key
    _olm_type, ciphertext = alice.outbound(bob.session_key, one_time).encrypt(b"x")
    bob.inbound(alice.session_key, ciphertext)
    with pytest.raises(RatchetDecryptError):
        bob.inbound(alice.session_key, ciphertext)  # the one-time key is gone
    fallback = bob.signed_fallback(bob_identity).key
    for sender in (RatchetAccount.create(), RatchetAccount.create()):
        _olm_type, ciphertext = sender.outbound(bob.session_key, fallback).encrypt(b"y")
        assert bob.inbound(sender.session_key, ciphertext)[1] == b"y"


def test_inbound_refuses_a_message_from_another_session_key() -> None:
    alice, bob, bob_identity = RatchetAccount.create(), RatchetAccount.create(), _identity()
    prekey = bob.new_one_time_keys(bob_identity, 1)[0].key
    _olm_type, ciphertext = alice.outbound(bob.session_key, prekey).encrypt(b"x")
    with pytest.raises(RatchetDecryptError):
        bob.inbound(RatchetAccount.create().session_key, ciphertext)
    assert bob.inbound(alice.session_key, ciphertext)[1] == b"x"  # nothing was consumed


def test_failed_decryption_leaves_the_session_unchanged() -> None:
    outbound, inbound, _bob = _pair()
    olm_type, ciphertext = inbound.encrypt(b"reply")
    damaged = ciphertext[:-1] + bytes([ciphertext[-1] ^ 1])
    with pytest.raises(RatchetDecryptError):
        outbound.decrypt(olm_type, damaged)
    other, _inbound, _bob = _pair()
    with pytest.raises(RatchetDecryptError):
        other.decrypt(olm_type, ciphertext)
    assert outbound.decrypt(olm_type, ciphertext) == b"reply"
    with pytest.raises(RatchetDecryptError):
        outbound.decrypt(olm_type, ciphertext)  # its message key was deleted once used


def test_skipped_message_keys_are_bounded() -> None:
    """vodozemac keeps 40 skipped keys per chain and refuses a gap above 2000 (ADR 0029)."""
    outbound, inbound, _bob = _pair()
    olm_type, reply = inbound.encrypt(b"r")
    outbound.decrypt(olm_type, reply)
    sent = [outbound.encrypt(b"%d" % i) for i in range(42)]
    assert inbound.decrypt(*sent[41]) == b"41"
    assert inbound.decrypt(*sent[1]) == b"1"  # 40 keys back: kept
    with pytest.raises(RatchetDecryptError):
        inbound.decrypt(*sent[0])  # 41 back: dropped
    far = [outbound.encrypt(b"x") for _ in range(2002)]
    with pytest.raises(RatchetDecryptError):
        inbound.decrypt(*far[-1])
    assert inbound.decrypt(*far[0]) == b"x"


def test_matches_recognises_its_own_pre_key_messages_only() -> None:
    outbound, inbound, _bob = _pair()
    _olm_type, second = outbound.encrypt(b"second")
    assert inbound.matches(second)
    other, _other_inbound, _bob = _pair()
    assert not inbound.matches(other.encrypt(b"z")[1])
    assert not inbound.matches(b"junk")


def test_pickles_round_trip_and_refuse_the_wrong_key() -> None:
    outbound, inbound, bob = _pair(one_time=False)
    restored = RatchetSession.from_pickle(inbound.pickle(PICKLE_KEY), PICKLE_KEY)
    olm_type, ciphertext = outbound.encrypt(b"after restore")
    assert restored.decrypt(olm_type, ciphertext) == b"after restore"
    account = RatchetAccount.from_pickle(bob.pickle(PICKLE_KEY), PICKLE_KEY)
    assert account.session_key == bob.session_key
    assert account.fallback_key == bob.fallback_key is not None
    with pytest.raises(RatchetPickleError):
        RatchetSession.from_pickle(inbound.pickle(PICKLE_KEY), bytes(32))
    with pytest.raises(RatchetPickleError):
        RatchetAccount.from_pickle(bob.pickle(PICKLE_KEY), bytes(32))
    with pytest.raises(RatchetPickleError):
        RatchetAccount.from_pickle(bob.pickle(PICKLE_KEY), bytes(31))


def test_fallback_key_survives_publishing_and_rotation_keeps_the_previous() -> None:
    alice, bob, bob_identity = RatchetAccount.create(), RatchetAccount.create(), _identity()
    signed = bob.signed_fallback(bob_identity)
    signed.verify(bob_identity.public().identity_key, bob.session_key)
    bob.mark_published()
    assert bob.signed_fallback(bob_identity).key == signed.key
    bob.rotate_fallback()
    assert bob.fallback_key != signed.key
    _olm_type, ciphertext = alice.outbound(bob.session_key, signed.key).encrypt(b"old card")
    assert bob.inbound(alice.session_key, ciphertext)[1] == b"old card"


def test_one_time_keys_are_fresh_and_signed_for_the_session_key() -> None:
    account, identity = RatchetAccount.create(), _identity()
    first = account.new_one_time_keys(identity, 3)
    second = account.new_one_time_keys(identity, 2)  # not yet published: still only the new
    assert len(first) == 3 and len(second) == 2
    assert not {k.key for k in first} & {k.key for k in second}
    for key in first + second:
        key.verify(identity.public().identity_key, account.session_key)
        with pytest.raises(BadSignatureError):
            key.verify(identity.public().identity_key, RatchetAccount.create().session_key)
    with pytest.raises(RatchetError):
        account.new_one_time_keys(identity, 0)
    with pytest.raises(RatchetError):
        account.new_one_time_keys(identity, 101)


def test_binding_verifies_only_under_its_identity() -> None:
    account, identity = RatchetAccount.create(), _identity()
    binding = account.binding(identity)
    binding.verify(identity.public().identity_key)
    with pytest.raises(BadSignatureError):
        binding.verify(_identity().public().identity_key)
    forged = SessionBinding(RatchetAccount.create().session_key, binding.signature)
    with pytest.raises(BadSignatureError):
        forged.verify(identity.public().identity_key)


@pytest.mark.parametrize("key", [bytes(32), b"\x01" + bytes(31), bytes(31), b""])
def test_outbound_refuses_unusable_keys(key: bytes) -> None:
    account = RatchetAccount.create()
    with pytest.raises(RatchetSessionError):
        account.outbound(key, key)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-3, max_value=2**70), st.binary(max_size=400))
def test_decrypt_and_inbound_raise_only_typed_errors(olm_type: int, data: bytes) -> None:
    _outbound, inbound, bob = _pair()
    with pytest.raises(RatchetDecryptError):
        inbound.decrypt(olm_type, data)
    with pytest.raises(RatchetDecryptError):
        bob.inbound(RatchetAccount.create().session_key, data)
    assert not inbound.matches(data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.binary(min_size=32, max_size=32))
def test_from_pickle_raises_only_typed_errors(data: str, key: bytes) -> None:
    with pytest.raises(RatchetPickleError):
        RatchetAccount.from_pickle(data, key)
    with pytest.raises(RatchetPickleError):
        RatchetSession.from_pickle(data, key)


def test_from_pickle_refuses_a_damaged_account_pickle() -> None:
    good = RatchetAccount.create().pickle(PICKLE_KEY)
    damaged_pickles = (
        good.replace('"v":1', '"v":2'),
        good.replace('"fallback":null', '"fallback":"00"'),
        good[:-5],
        good.replace('"olm":"', '"olm":"A'),
    )
    for damaged in damaged_pickles:
        with pytest.raises(RatchetPickleError):
            RatchetAccount.from_pickle(damaged, PICKLE_KEY)


def test_only_the_ratchet_module_imports_vodozemac() -> None:
    repo = Path(ratchet.__file__).parents[3]
    importers = set()
    for path in [*(repo / "delegate_app").rglob("*.py"), *(repo / "sync").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] == "vodozemac" for n in names):
                importers.add(path.relative_to(repo).as_posix())
    assert importers == {"delegate_app/core/crypto/ratchet.py"}
