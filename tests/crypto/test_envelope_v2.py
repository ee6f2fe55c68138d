"""Envelope v2: round trips over real Olm sessions, each reader check as an attack, junk."""

from __future__ import annotations

import hashlib
import json
import struct

import nacl.bindings as sodium
import nacl.signing
import pytest
import vodozemac
from hypothesis import given, settings
from hypothesis import strategies as st

from delegate_app.core.crypto.encoding import pack_fields
from delegate_app.core.crypto.envelope import open_envelope, peek_envelope_id, seal
from delegate_app.core.crypto.envelope_v2 import (
    OLM_MAX_BYTES,
    SLOT_V2_BYTES,
    SlotV2,
    V2Recipient,
    envelope_version,
    finish_open_v2,
    olm_plaintext,
    open_slot_v2,
    seal_v2,
    seal_v2_with,
)
from delegate_app.core.crypto.errors import (
    EnvelopeBindingError,
    EnvelopeDecryptionError,
    EnvelopeError,
    EnvelopeIdMismatchError,
    EnvelopeMalformedError,
    EnvelopeSessionKeyError,
    EnvelopeSignatureError,
    EnvelopeVersionError,
    NotForMeError,
    RatchetError,
    SealError,
)
from delegate_app.core.crypto.identity import LocalIdentity, PublicIdentity
from delegate_app.core.crypto.padding import pad
from delegate_app.core.crypto.ratchet import BINDING_LABEL, SessionBinding
from tests.crypto.v2_parties import NOW, Party


def _assemble(
    envelope_id: bytes,
    slots: list[tuple[PublicIdentity, bytes, int, bytes]],
    inner: bytes,
    content_key: bytes,
) -> bytes:
    """A v2 envelope built from docs/PROTOCOL.md §4.2 alone: ``slots`` are (recipient, session
    key, olm type, olm ciphertext); ``inner`` is the signed inner plaintext before padding."""
    body = b""
    for recipient, session_key, olm_type, ciphertext in slots:
        s = session_key + bytes([olm_type]) + struct.pack(">H", len(ciphertext)) + ciphertext
        s += bytes(264 - len(s))
        eph_pk, eph_sk = sodium.crypto_box_keypair()
        nonce = hashlib.blake2b(
            eph_pk + recipient.encryption_key, digest_size=24, person=b"dlg-slot2-nonce"
        ).digest()
        body += eph_pk + sodium.crypto_box(s, nonce, recipient.encryption_key, eph_sk)
    nonce = bytes(range(24))
    prefix = b"DLG\x02" + envelope_id + struct.pack(">H", len(slots)) + body + nonce
    return prefix + sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        pad(inner), prefix, nonce, content_key
    )


def _inner(
    sender: LocalIdentity,
    binding: SessionBinding,
    recipients: list[bytes],
    envelope_id: bytes,
    *,
    signer: LocalIdentity | None = None,
) -> bytes:
    fields = pack_fields(
        sender.public().to_bytes(), binding.session_key, binding.signature, b"".join(recipients),
        struct.pack(">Q", NOW), b"message/v1", b"forged?",
    )  # fmt: skip
    signature = (signer or sender).sign(b"delegate-envelope-v2" + envelope_id + fields)
    return fields + signature


def test_one_to_one_round_trips_both_ways() -> None:
    alice, bob = Party(), Party()
    for i in range(3):
        opened = bob.receive(alice.send([bob], b"to bob %d" % i))
        assert opened.body == b"to bob %d" % i
        assert opened.sender == alice.identity.public()
        assert opened.recipients == (bob.identity.public().identity_key,)
        assert opened.timestamp == NOW and opened.content_type == "message/v1"
        assert alice.receive(bob.send([alice], b"to alice %d" % i)).body == b"to alice %d" % i
    assert len(bob.sessions[alice.account.session_key]) == 1  # Alice's inbound ↔ Bob's outbound


def test_one_envelope_to_three_recipients() -> None:
    sender, peers = Party(), [Party(), Party(), Party()]
    data = sender.send(peers, b"to all three")
    assert envelope_version(data) == 2
    assert len(data) >= 4 + 16 + 2 + 3 * SLOT_V2_BYTES + 24
    for peer in peers:
        opened = peer.receive(data)
        assert opened.body == b"to all three"
        assert set(opened.recipients) == {p.identity.public().identity_key for p in peers}
    again = sender.send(peers, b"second")  # the sessions advanced; still one envelope each
    assert [p.receive(again).body for p in peers] == [b"second"] * 3


def test_versions_and_ids_are_read_from_both_formats() -> None:
    alice, bob = Party(), Party()
    v2 = alice.send([bob], b"x")
    v1 = seal(alice.identity, [bob.identity.public()], "message/v1", b"x", timestamp=NOW)
    assert (envelope_version(v1.data), envelope_version(v2)) == (1, 2)
    assert peek_envelope_id(v2) == v2[4:20]
    with pytest.raises(EnvelopeVersionError):
        open_envelope(bob.identity, v2)
    with pytest.raises(EnvelopeVersionError):
        open_slot_v2(bob.identity, v1.data)
    with pytest.raises(EnvelopeVersionError):
        envelope_version(b"DLG\x03" + bytes(16))
    with pytest.raises(EnvelopeMalformedError):
        envelope_version(b"XYZ\x02" + bytes(16))


def test_attack_swapped_slot_session_key() -> None:
    """A group member re-wraps the content key of the sender's envelope through its own session
    with another recipient: the slot then names the member's session key, not the signed one."""
    alice, mallory, bob = Party(), Party(), Party()
    envelope_id = bytes(16)
    content_key = bytes(range(32))
    binding = alice.account.binding(alice.identity)
    listed = [p.identity.public().identity_key for p in (mallory, bob)]
    inner = _inner(alice.identity, binding, listed, envelope_id)
    olm_type, ciphertext = mallory.session_with(bob).encrypt(
        olm_plaintext(envelope_id, content_key)
    )
    data = _assemble(envelope_id, [(bob.identity.public(), mallory.account.session_key, olm_type,
                                    ciphertext)], inner, content_key)  # fmt: skip
    with pytest.raises(EnvelopeSessionKeyError):
        bob.receive(data)


def test_attack_session_key_not_bound_to_the_sender() -> None:
    alice, bob, eve = Party(), Party(), Party()
    session_key = alice.account.session_key
    forged = SessionBinding(session_key, eve.identity.sign(BINDING_LABEL + session_key))
    recipients = [V2Recipient(bob.identity.public(), alice.session_with(bob))]
    data = seal_v2(alice.identity, forged, recipients, "message/v1", b"x", timestamp=NOW).data
    with pytest.raises(EnvelopeBindingError):
        bob.receive(data)


def test_attack_olm_message_of_another_envelope() -> None:
    """The Olm message names another envelope id than the outer header (a spliced slot)."""
    alice, bob = Party(), Party()
    session = alice.session_with(bob)

    def spliced(secret: bytes) -> tuple[int, bytes]:
        return session.encrypt(secret[:10] + b"\xee" * 16 + secret[26:])

    binding = alice.account.binding(alice.identity)
    data = seal_v2_with(alice.identity, binding, [(bob.identity.public(), spliced)],
                        "message/v1", b"x", timestamp=NOW).data  # fmt: skip
    with pytest.raises(EnvelopeIdMismatchError):
        bob.receive(data)


def test_attack_recipient_not_in_the_signed_list() -> None:
    alice, bob, carol = Party(), Party(), Party()
    envelope_id, content_key = bytes(16), bytes(range(32))
    binding = alice.account.binding(alice.identity)
    inner = _inner(alice.identity, binding, [carol.identity.public().identity_key], envelope_id)
    olm_type, ciphertext = alice.session_with(bob).encrypt(olm_plaintext(envelope_id, content_key))
    data = _assemble(envelope_id, [(bob.identity.public(), binding.session_key, olm_type,
                                    ciphertext)], inner, content_key)  # fmt: skip
    with pytest.raises(NotForMeError):
        bob.receive(data)
    with pytest.raises(NotForMeError):
        open_slot_v2(Party().identity, alice.send([bob], b"not for a stranger"))


def test_attack_bad_signature() -> None:
    alice, bob, eve = Party(), Party(), Party()
    envelope_id, content_key = bytes(16), bytes(range(32))
    binding = alice.account.binding(alice.identity)
    inner = _inner(alice.identity, binding, [bob.identity.public().identity_key], envelope_id,
                   signer=eve.identity)  # fmt: skip
    olm_type, ciphertext = alice.session_with(bob).encrypt(olm_plaintext(envelope_id, content_key))
    data = _assemble(envelope_id, [(bob.identity.public(), binding.session_key, olm_type,
                                    ciphertext)], inner, content_key)  # fmt: skip
    with pytest.raises(EnvelopeSignatureError):
        bob.receive(data)


def test_attack_truncated_envelope() -> None:
    alice, bob = Party(), Party()
    data = alice.send([bob], b"whole")
    for size in range(len(data)):
        with pytest.raises(EnvelopeError):
            slot = open_slot_v2(bob.identity, data[:size])
            finish_open_v2(bob.identity, data[:size], slot, b"")


@pytest.mark.parametrize("count", [0, 257, 65535])
def test_attack_oversize_recipient_count_refused_before_any_slot(count: int) -> None:
    alice, bob = Party(), Party()
    data = alice.send([bob], b"x")
    forged = data[:20] + struct.pack(">H", count) + data[22:] + bytes(300 * SLOT_V2_BYTES)
    with pytest.raises(EnvelopeMalformedError, match="recipient count"):
        open_slot_v2(bob.identity, forged)


def test_every_single_byte_flip_is_rejected() -> None:
    alice, bob = Party(), Party()
    data = alice.send([bob], b"flip me")
    pristine = bob.seized()
    for position in range(len(data)):
        tampered = bytearray(data)
        tampered[position] ^= 0x01
        receiver = pristine.seized()  # a fresh copy: a successful Olm decryption advances it
        with pytest.raises(EnvelopeError):
            slot = open_slot_v2(receiver.identity, bytes(tampered))
            finish_open_v2(receiver.identity, bytes(tampered), slot, receiver.decrypt(slot))
    assert bob.receive(data).body == b"flip me"


def test_slot_padding_and_lengths_are_strict() -> None:
    alice, bob = Party(), Party()
    envelope_id, content_key = bytes(16), bytes(range(32))
    session_key = alice.account.session_key
    for olm_type, ciphertext in ((2, b"x"), (0, b""), (1, b"x" * (OLM_MAX_BYTES + 1))):
        s = session_key + bytes([olm_type]) + struct.pack(">H", len(ciphertext)) + ciphertext
        s = s[:264] + bytes(max(0, 264 - len(s)))
        data = _raw_slot_envelope(bob.identity.public(), s, envelope_id, content_key)
        with pytest.raises(EnvelopeMalformedError):
            open_slot_v2(bob.identity, data)
    s = session_key + b"\x01" + struct.pack(">H", 1) + b"x" + b"\x01" + bytes(264 - 37)
    with pytest.raises(EnvelopeMalformedError):
        open_slot_v2(bob.identity, _raw_slot_envelope(bob.identity.public(), s, envelope_id,
                                                      content_key))  # fmt: skip


def _raw_slot_envelope(
    recipient: PublicIdentity, s: bytes, envelope_id: bytes, content_key: bytes
) -> bytes:
    eph_pk, eph_sk = sodium.crypto_box_keypair()
    nonce = hashlib.blake2b(
        eph_pk + recipient.encryption_key, digest_size=24, person=b"dlg-slot2-nonce"
    ).digest()
    slot = eph_pk + sodium.crypto_box(s, nonce, recipient.encryption_key, eph_sk)
    prefix = b"DLG\x02" + envelope_id + b"\x00\x01" + slot + bytes(24)
    return prefix + sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        pad(b"junk"), prefix, bytes(24), content_key
    )


def test_tampered_ciphertext_and_wrong_content_key() -> None:
    alice, bob = Party(), Party()
    data = alice.send([bob], b"x")
    slot = open_slot_v2(bob.identity, data)
    secret = bob.decrypt(slot)
    wrong_key = secret[:26] + bytes(32)
    with pytest.raises(EnvelopeDecryptionError):
        finish_open_v2(bob.identity, data, slot, wrong_key)
    with pytest.raises(EnvelopeMalformedError):
        finish_open_v2(bob.identity, data, slot, secret[:-1])
    assert finish_open_v2(bob.identity, data, slot, secret).body == b"x"


def test_seal_refuses_invalid_requests_before_advancing_sessions() -> None:
    alice, bob = Party(), Party()
    session = alice.session_with(bob)
    binding = alice.account.binding(alice.identity)
    recipient = V2Recipient(bob.identity.public(), session)
    for args in (([], "t", b""), ([recipient], "", b""), ([recipient], "t" * 129, b"")):
        with pytest.raises(SealError):
            seal_v2(alice.identity, binding, *args)
    with pytest.raises(SealError):
        seal_v2(alice.identity, binding, [recipient] * 2, "t", b"", timestamp=-1)
    data = alice.send([bob], b"first after refusals")
    assert bob.receive(data).body == b"first after refusals"
    assert seal_v2(alice.identity, binding, [recipient, recipient], "t", b"y").data


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_open_slot_v2_raises_only_envelope_errors_on_junk(data: bytes) -> None:
    me = _RECEIVER.identity
    with pytest.raises(EnvelopeError):
        open_slot_v2(me, b"DLG\x02" + data)
    with pytest.raises(EnvelopeError):
        open_slot_v2(me, data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64), st.integers(0, 255), st.binary(max_size=300), st.binary(max_size=80))
def test_finish_open_v2_raises_only_envelope_errors_on_junk(
    session_key: bytes, olm_type: int, ciphertext: bytes, secret: bytes
) -> None:
    slot = SlotV2(_JUNK_TARGET[4:20], session_key, olm_type, ciphertext)
    with pytest.raises(EnvelopeError):
        finish_open_v2(_RECEIVER.identity, _JUNK_TARGET, slot, secret)
    with pytest.raises(EnvelopeError):
        finish_open_v2(_RECEIVER.identity, _JUNK_TARGET, slot, b"dlg-v2-key" + _JUNK_TARGET[4:20]
                       + secret[:32].ljust(32, b"\x00"))  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2000), st.integers(1, 255))
def test_mutated_envelopes_raise_only_typed_errors(position: int, xor: int) -> None:
    tampered = bytearray(_JUNK_TARGET)
    tampered[position % len(tampered)] ^= xor
    receiver = _RECEIVER_STATE.seized()
    try:
        slot = open_slot_v2(receiver.identity, bytes(tampered))
        finish_open_v2(receiver.identity, bytes(tampered), slot, receiver.decrypt(slot))
    except (EnvelopeError, RatchetError):
        return
    raise AssertionError("a tampered envelope opened")


def _junk_setup() -> tuple[Party, bytes, Party]:
    sender, receiver = Party(), Party()
    data = sender.send([receiver], b"target of the fuzzers")
    return receiver, data, receiver.seized()


_RECEIVER, _JUNK_TARGET, _RECEIVER_STATE = _junk_setup()


def test_an_independent_reader_opens_a_v2_envelope_from_the_document() -> None:
    """PROTOCOL.md §4.2 read with libsodium, hashlib, struct and raw vodozemac only."""
    alice, bob = Party(), Party()
    data = alice.send([bob], b"read me from the spec")
    me = bob.identity
    n = struct.unpack(">H", data[20:22])[0]
    assert data[:4] == b"DLG\x02" and n == 1
    slot, prefix_end = data[22:334], 22 + 312 * n + 24
    nonce = hashlib.blake2b(slot[:32] + me.public().encryption_key, digest_size=24,
                            person=b"dlg-slot2-nonce").digest()  # fmt: skip
    s = sodium.crypto_box_open(slot[32:], nonce, slot[:32], me.encryption_secret)
    session_key, olm_type, length = s[:32], s[32], struct.unpack(">H", s[33:35])[0]
    assert len(s) == 264 and olm_type == 0 and not any(s[35 + length :])
    # Bob's Olm account, as vodozemac itself sees it (the wrapper's pickle holds its pickle).
    raw_account = vodozemac.Account.from_pickle(
        json.loads(bob.account.pickle(bytes(32)))["olm"], bytes(32)
    )
    message = vodozemac.AnyOlmMessage.from_parts(olm_type, s[35 : 35 + length]).to_pre_key()
    assert message is not None
    _session, secret = raw_account.create_inbound_session(
        vodozemac.Curve25519PublicKey.from_bytes(session_key), message
    )
    assert secret[:10] == b"dlg-v2-key" and secret[10:26] == data[4:20]
    padded = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
        data[prefix_end:], data[:prefix_end], data[prefix_end - 24 : prefix_end], secret[26:]
    )
    inner = padded.rstrip(b"\x00")[:-1]
    fields, pos = [], 0
    for _field in range(7):
        (size,) = struct.unpack(">I", inner[pos : pos + 4])
        fields.append(inner[pos + 4 : pos + 4 + size])
        pos += 4 + size
    assert fields[0] == alice.identity.public().to_bytes() and fields[1] == session_key
    assert fields[3] == me.public().identity_key and fields[6] == b"read me from the spec"
    verify = nacl.signing.VerifyKey(fields[0][:32])
    verify.verify(b"delegate-session-key-v1" + session_key, fields[2])
    verify.verify(b"delegate-envelope-v2" + data[4:20] + inner[:pos], inner[pos:])
