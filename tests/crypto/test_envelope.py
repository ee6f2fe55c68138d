"""Envelope v1: round trips, tampering, wrong recipients, re-addressing, known answers."""

from __future__ import annotations

import hashlib
import itertools
import struct
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delegate_app.core.crypto.envelope import (
    ENVELOPE_ID_BYTES,
    open_envelope,
    peek_envelope_id,
    seal,
)
from delegate_app.core.crypto.errors import NotForMeError
from delegate_app.core.crypto.identity import LocalIdentity
from delegate_app.core.crypto.padding import BUCKETS, bucket_size, pad, unpad
from delegate_app.core.errors import CryptoError

NOW = 1_800_000_000


def _fixed_identity(n: int) -> LocalIdentity:
    seed = hashlib.sha256(f"identity-{n}".encode()).digest()
    return LocalIdentity(
        seed, hashlib.sha256(seed + b"enc").digest(), hashlib.sha256(seed + b"mb").digest()
    )


def _counter_rng() -> Callable[[int], bytes]:
    counter = itertools.count()

    def rng(size: int) -> bytes:
        out = b""
        while len(out) < size:
            out += hashlib.sha256(struct.pack(">Q", next(counter))).digest()
        return out[:size]

    return rng


@pytest.mark.parametrize("count", [1, 2, 50])
def test_round_trip_to_every_recipient(count: int) -> None:
    sender = LocalIdentity.generate()
    recipients = [LocalIdentity.generate() for _ in range(count)]
    envelope = seal(
        sender, [r.public() for r in recipients], "message/v1", b"salaam", timestamp=NOW
    )
    for recipient in recipients:
        opened = open_envelope(recipient, envelope.data)
        assert opened.body == b"salaam"
        assert opened.sender == sender.public()
        assert opened.content_type == "message/v1"
        assert opened.timestamp == NOW
        assert opened.envelope_id == envelope.envelope_id
        assert len(opened.recipients) == count


def test_wrong_recipient_cannot_open() -> None:
    sender, bob, eve = (LocalIdentity.generate() for _ in range(3))
    envelope = seal(sender, [bob.public()], "message/v1", b"secret", timestamp=NOW)
    with pytest.raises(NotForMeError):
        open_envelope(eve, envelope.data)


def test_every_single_byte_flip_is_rejected() -> None:
    sender, bob, carol = (LocalIdentity.generate() for _ in range(3))
    envelope = seal(
        sender, [bob.public(), carol.public()], "message/v1", b"text" * 10, timestamp=NOW
    )
    for index in range(len(envelope.data)):
        damaged = bytearray(envelope.data)
        damaged[index] ^= 0x01
        with pytest.raises(CryptoError):
            open_envelope(bob, bytes(damaged))
    for cut in (1, 16, 100, len(envelope.data) - 1):
        with pytest.raises(CryptoError):
            open_envelope(bob, envelope.data[:cut])


def test_forged_sender_is_rejected() -> None:
    real, forger, bob = (LocalIdentity.generate() for _ in range(3))
    # The forger signs with its own key but claims the real sender's public identity.
    impostor = LocalIdentity(forger.signing_seed, real.encryption_secret, forger.mailbox_seed)
    envelope = seal(impostor, [bob.public()], "message/v1", b"transfer funds", timestamp=NOW)
    opened = open_envelope(bob, envelope.data)
    assert opened.sender.identity_key != real.public().identity_key  # cannot pass as the real one


def test_readdressed_payload_is_rejected() -> None:
    """A recipient who re-encrypts a signed payload for someone else cannot make it verify."""
    alice, bob, carol = (LocalIdentity.generate() for _ in range(3))
    original = seal(alice, [bob.public()], "message/v1", b"for bob only", timestamp=NOW)
    opened = open_envelope(bob, original.data)
    # Bob replays the same signed content to Carol: the signature names Bob as recipient.
    forwarded = seal(bob, [carol.public()], opened.content_type, opened.body, timestamp=NOW)
    assert open_envelope(carol, forwarded.data).sender.identity_key == bob.public().identity_key
    # And Alice's original envelope, re-deposited for Carol, does not open for her.
    with pytest.raises(NotForMeError):
        open_envelope(carol, original.data)


def test_known_answer_with_fixed_keys_and_randomness() -> None:
    sender, recipient = _fixed_identity(1), _fixed_identity(2)
    first = seal(
        sender,
        [recipient.public()],
        "message/v1",
        b"known answer",
        timestamp=NOW,
        rng=_counter_rng(),
    )
    again = seal(
        sender,
        [recipient.public()],
        "message/v1",
        b"known answer",
        timestamp=NOW,
        rng=_counter_rng(),
    )
    assert first.data == again.data
    assert first.envelope_id == hashlib.sha256(struct.pack(">Q", 0)).digest()[:16]
    assert len(first.data) == 4 + 16 + 2 + 80 + 24 + 1024 + 16
    assert hashlib.sha256(first.data).hexdigest() == KNOWN_ENVELOPE_SHA256
    assert open_envelope(recipient, first.data).body == b"known answer"


# Pinned from the first implementation: any change to the byte layout must change PROTOCOL.md.
KNOWN_ENVELOPE_SHA256 = "ed1da0e38ec286ae63c24ea160deb8d119e4803031251e968112258bc21630e7"


def test_sizes_are_padded_to_buckets() -> None:
    sender, bob = LocalIdentity.generate(), LocalIdentity.generate()
    sizes = {
        len(seal(sender, [bob.public()], "message/v1", b"x" * n, timestamp=NOW).data)
        for n in (1, 10, 200, 500)
    }
    assert len(sizes) == 1
    assert bucket_size(1023) == BUCKETS[0] and bucket_size(1024) == BUCKETS[1]
    assert bucket_size(5 * 1024 * 1024) == 6 * 1024 * 1024


def test_envelope_id_is_visible_for_replay_checks() -> None:
    sender, bob = LocalIdentity.generate(), LocalIdentity.generate()
    envelope = seal(sender, [bob.public()], "message/v1", b"hi", timestamp=NOW)
    assert peek_envelope_id(envelope.data) == envelope.envelope_id
    assert len(envelope.envelope_id) == ENVELOPE_ID_BYTES


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_open_never_crashes_on_garbage(data: bytes) -> None:
    with pytest.raises(CryptoError):
        open_envelope(_fixed_identity(3), data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_pad_round_trip(data: bytes) -> None:
    padded = pad(data)
    assert len(padded) == bucket_size(len(data))
    assert unpad(padded) == data
