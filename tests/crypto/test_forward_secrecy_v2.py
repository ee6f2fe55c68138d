"""Forward secrecy and post-compromise security of envelope v2, at the crypto layer.

A seizure gives the recipient's long-term identity and every pickle (account and sessions) as
they are at that moment. The sealed-sender layer still opens (it is sealed to the long-term
key), but no account or session of the seizure decrypts an Olm message already processed, so no
recorded envelope's content key is recovered.
"""

from __future__ import annotations

import pytest

from delegate_app.core.crypto.envelope_v2 import open_slot_v2
from delegate_app.core.crypto.errors import NotForMeError, RatchetDecryptError
from tests.crypto.v2_parties import Party


def _cannot_decrypt(seized: Party, data: bytes) -> None:
    """Every way the seized state could decrypt ``data``'s Olm message fails."""
    slot = open_slot_v2(seized.identity, data)  # the sealed-sender layer: long-term key only
    with pytest.raises(RatchetDecryptError):
        seized.account.inbound(slot.session_key, slot.ciphertext)
    for sessions in seized.sessions.values():
        for session in sessions:
            with pytest.raises(RatchetDecryptError):
                session.decrypt(slot.olm_type, slot.ciphertext)


def test_a_seized_recipient_opens_none_of_the_recorded_envelopes() -> None:
    alice, bob = Party(), Party()
    to_bob, to_alice = [], []
    for i in range(5):
        to_bob.append(alice.send([bob], b"to bob %d" % i))
        assert bob.receive(to_bob[-1]).body == b"to bob %d" % i
        to_alice.append(bob.send([alice], b"to alice %d" % i))
        assert alice.receive(to_alice[-1]).body == b"to alice %d" % i
    seized = bob.seized()
    assert seized.sessions  # the seizure has Bob's live session with Alice
    for data in to_bob:
        _cannot_decrypt(seized, data)
    for data in to_alice:  # what Bob sent is sealed to Alice: not even the slot opens
        with pytest.raises(NotForMeError):
            open_slot_v2(seized.identity, data)
    # The live session still works: the seizure took state, it did not break the conversation.
    assert bob.receive(alice.send([bob], b"after")).body == b"after"


def test_an_unanswered_burst_is_forward_secret_too() -> None:
    """Messages received but not yet answered (one receiving chain) are still unreadable."""
    alice, bob = Party(), Party()
    burst = [alice.send([bob], b"%d" % i) for i in range(5)]
    for data in burst:
        bob.receive(data)
    seized = bob.seized()
    for data in burst:
        _cannot_decrypt(seized, data)


def test_a_copy_of_the_state_loses_the_conversation_after_round_trips() -> None:
    """Post-compromise security: a copy taken after message 2 follows every later envelope in
    order (an attacker who records all traffic) and still cannot open the last round trip."""
    alice, bob = Party(), Party()
    bob.receive(alice.send([bob], b"1"))
    bob.receive(alice.send([bob], b"2"))
    copy = bob.seized()
    early = alice.send([bob], b"3")  # same chain as message 2: the copy is a real compromise
    assert bob.receive(early).body == copy.receive(early).body == b"3"
    later: list[bytes] = []
    for i in range(3):
        later.append(bob.send([alice], b"reply %d" % i))
        alice.receive(later[-1])
        later.append(alice.send([bob], b"later %d" % i))
        assert bob.receive(later[-1]).body == b"later %d" % i
    opened = []
    for data in later:
        try:
            opened.append(copy.receive(data).body)
        except (RatchetDecryptError, NotForMeError):
            continue
    assert b"later 2" not in opened and b"later 1" not in opened
    _cannot_decrypt(copy, later[-1])


def test_a_fallback_key_opens_recorded_pre_key_messages_until_rotated_twice() -> None:
    """The limit of the fallback key (cards carry it): until the owner rotates it, and rotates
    again (vodozemac keeps the previous fallback key), a seized account re-derives the first
    message of a session started from it. One-time keys have no such window."""
    alice, bob = Party(), Party()
    fallback = bob.account.signed_fallback(bob.identity)
    session = alice.account.outbound(bob.account.session_key, fallback.key)
    alice.sessions[bob.account.session_key] = [session]
    first = alice.send([bob], b"from the card")
    assert bob.receive(first).body == b"from the card"
    slot = open_slot_v2(bob.identity, first)
    assert bob.seized().account.inbound(slot.session_key, slot.ciphertext)[1]  # still opens
    bob.account.rotate_fallback()
    assert bob.seized().account.inbound(slot.session_key, slot.ciphertext)[1]  # previous kept
    bob.account.rotate_fallback()
    with pytest.raises(RatchetDecryptError):
        bob.seized().account.inbound(slot.session_key, slot.ciphertext)
