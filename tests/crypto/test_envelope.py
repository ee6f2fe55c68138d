"""Envelope v1: round trips, tampering, wrong recipients, re-addressing, known answers."""

from __future__ import annotations

import hashlib
import itertools
import os
import struct
from collections.abc import Callable

import nacl.bindings as sodium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delegate_app.core.crypto.envelope import (
    ENVELOPE_ID_BYTES,
    MAGIC,
    NONCE_BYTES,
    SLOT_BYTES,
    VERSION,
    _unwrap_key,
    _wrap_key,
    open_envelope,
    peek_envelope_id,
    seal,
)
from delegate_app.core.crypto.errors import EnvelopeSignatureError, NotForMeError
from delegate_app.core.crypto.identity import LocalIdentity, PublicIdentity
from delegate_app.core.crypto.padding import BUCKETS, bucket_size, pad, unpad
from delegate_app.core.errors import CryptoError
from tests.faults.report import tried

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


class _Impostor(LocalIdentity):
    """Presents someone else's public identity but can only sign with its own key."""

    def __init__(self, own: LocalIdentity, claimed: PublicIdentity) -> None:
        super().__init__(own.signing_seed, own.encryption_secret, own.mailbox_seed)
        object.__setattr__(self, "_claimed", claimed)

    def public(self) -> PublicIdentity:
        claimed: PublicIdentity = self.__dict__["_claimed"]
        return claimed


def test_forged_sender_is_rejected() -> None:
    real, forger, bob = (LocalIdentity.generate() for _ in range(3))
    envelope = seal(
        _Impostor(forger, real.public()), [bob.public()], "message/v1", b"wire", timestamp=NOW
    )
    with pytest.raises(EnvelopeSignatureError):
        open_envelope(bob, envelope.data)


def _inner_as_recipient(me: LocalIdentity, data: bytes) -> bytes:
    """What a legitimate recipient can recover: the padded, signed inner plaintext."""
    count = int.from_bytes(data[20:22], "big")
    end = 22 + count * SLOT_BYTES
    key = next(
        k for k in (_unwrap_key(data[i : i + SLOT_BYTES], me) for i in range(22, end, 80)) if k
    )
    nonce = data[end : end + NONCE_BYTES]
    return bytes(
        sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
            data[end + NONCE_BYTES :], data[: end + NONCE_BYTES], nonce, key
        )
    )


def _rewrap(envelope_id: bytes, padded_inner: bytes, recipients: list[PublicIdentity]) -> bytes:
    """A new outer envelope around someone else's signed inner payload."""
    key, nonce = os.urandom(32), os.urandom(NONCE_BYTES)
    slots = b"".join(_wrap_key(key, r, os.urandom) for r in recipients)
    prefix = MAGIC + bytes([VERSION]) + envelope_id + struct.pack(">H", len(recipients))
    prefix += slots + nonce
    return prefix + sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        padded_inner, prefix, nonce, key
    )


def test_readdressed_payload_is_rejected() -> None:
    """Bob re-wraps Alice's signed payload for Carol: Carol refuses it, whatever the id."""
    alice, bob, carol = (LocalIdentity.generate() for _ in range(3))
    original = seal(alice, [bob.public()], "message/v1", b"for bob only", timestamp=NOW)
    inner = _inner_as_recipient(bob, original.data)
    readdressed = _rewrap(original.envelope_id, inner, [carol.public()])
    with pytest.raises(NotForMeError, match="signed for other recipients"):
        open_envelope(carol, readdressed)
    # Under a fresh envelope id the signature no longer matches.
    with pytest.raises(EnvelopeSignatureError):
        open_envelope(carol, _rewrap(os.urandom(16), inner, [carol.public(), bob.public()]))
    # Rewriting the signed recipient list (Bob's key replaced by Carol's) breaks the signature.
    swapped = inner.replace(bob.public().identity_key, carol.public().identity_key)
    with pytest.raises(EnvelopeSignatureError):
        open_envelope(carol, _rewrap(original.envelope_id, swapped, [carol.public()]))
    # The untouched original still opens for Bob only.
    with pytest.raises(NotForMeError):
        open_envelope(carol, original.data)
    assert open_envelope(bob, _rewrap(original.envelope_id, inner, [bob.public()])).body == (
        b"for bob only"
    )


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
    tried("envelope (random bytes)")
    with pytest.raises(CryptoError):
        open_envelope(_fixed_identity(3), data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_pad_round_trip(data: bytes) -> None:
    tried("envelope padding (pad/unpad)")
    padded = pad(data)
    assert len(padded) == bucket_size(len(data))
    assert unpad(padded) == data
