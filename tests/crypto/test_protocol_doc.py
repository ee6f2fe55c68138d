"""A second implementation written from docs/PROTOCOL.md alone interoperates with ours.

Everything below uses only libsodium (PyNaCl), hashlib, struct and base64, never the code under
``delegate_app.core.crypto``: if the document left out a detail, these round trips would fail.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import struct

import nacl.bindings as sodium
import nacl.exceptions
import nacl.signing
import pytest

from delegate_app.core.crypto.cards import card_from_text, make_card
from delegate_app.core.crypto.deposit import deposit_verifier
from delegate_app.core.crypto.envelope import open_envelope, seal
from delegate_app.core.crypto.identity import LocalIdentity, PublicIdentity
from delegate_app.core.errors import CryptoError

BUCKETS = [1024 * 4**i for i in range(5)] + [1024 * 1024]


def _fields(*parts: bytes) -> bytes:
    return b"".join(struct.pack(">I", len(p)) + p for p in parts)


def _read_fields(data: bytes, count: int) -> tuple[list[bytes], int]:
    out, pos = [], 0
    for _field in range(count):
        (size,) = struct.unpack(">I", data[pos : pos + 4])
        out.append(data[pos + 4 : pos + 4 + size])
        pos += 4 + size
    return out, pos


def _pad(data: bytes) -> bytes:
    need = len(data) + 1
    size = next((b for b in BUCKETS if need <= b), -(-need // 2**20) * 2**20)
    return data + b"\x80" + bytes(size - need)


def _slot_nonce(eph_pk: bytes, recipient_pk: bytes) -> bytes:
    return hashlib.blake2b(eph_pk + recipient_pk, digest_size=24, person=b"dlg-slot-nonce").digest()


class Other:
    """Another client's keys, kept as raw bytes."""

    def __init__(self) -> None:
        self.signing = nacl.signing.SigningKey(os.urandom(32))
        self.enc_pk, self.enc_sk = sodium.crypto_box_keypair()
        self.identity_pk = bytes(self.signing.verify_key)
        label = b"delegate-encryption-key-v1"
        self.public = (
            self.identity_pk + self.enc_pk + self.signing.sign(label + self.enc_pk).signature
        )

    def seal(self, recipients: list[bytes], content_type: str, body: bytes, ts: int) -> bytes:
        """``recipients`` are 128-byte public identities."""
        envelope_id, content_key, nonce = os.urandom(16), os.urandom(32), os.urandom(24)
        inner = _fields(
            self.public,
            b"".join(r[:32] for r in recipients),
            struct.pack(">Q", ts),
            content_type.encode(),
            body,
        )
        signature = self.signing.sign(b"delegate-envelope-v1" + envelope_id + inner).signature
        slots = b""
        for recipient in recipients:
            eph_pk, eph_sk = sodium.crypto_box_keypair()
            nonce_i = _slot_nonce(eph_pk, recipient[32:64])
            slots += eph_pk + sodium.crypto_box(content_key, nonce_i, recipient[32:64], eph_sk)
        prefix = b"DLG\x01" + envelope_id + struct.pack(">H", len(recipients)) + slots + nonce
        return prefix + sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
            _pad(inner + signature), prefix, nonce, content_key
        )

    def open(self, data: bytes) -> tuple[bytes, list[bytes], int, str, bytes]:
        assert data[:4] == b"DLG\x01"
        envelope_id = data[4:20]
        (count,) = struct.unpack(">H", data[20:22])
        end = 22 + 80 * count
        nonce, prefix, ct = data[end : end + 24], data[: end + 24], data[end + 24 :]
        content_key = None
        for i in range(count):
            eph_pk, boxed = data[22 + 80 * i : 54 + 80 * i], data[54 + 80 * i : 102 + 80 * i]
            with contextlib.suppress(nacl.exceptions.CryptoError):  # not our slot
                nonce_i = _slot_nonce(eph_pk, self.enc_pk)
                content_key = sodium.crypto_box_open(boxed, nonce_i, eph_pk, self.enc_sk)
            if content_key is not None:
                break
        assert content_key is not None
        padded = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(ct, prefix, nonce, content_key)
        plain = padded.rstrip(b"\x00")
        assert plain.endswith(b"\x80")
        plain = plain[:-1]
        inner, signature = plain[:-64], plain[-64:]
        (sender, ids, ts, ctype, body), used = _read_fields(inner, 5)
        assert used == len(inner)
        verify = nacl.signing.VerifyKey(sender[:32])
        verify.verify(b"delegate-encryption-key-v1" + sender[32:64], sender[64:])
        verify.verify(b"delegate-envelope-v1" + envelope_id + inner, signature)
        recipients = [ids[i : i + 32] for i in range(0, len(ids), 32)]
        assert self.identity_pk in recipients
        return sender[:32], recipients, struct.unpack(">Q", ts)[0], ctype.decode(), body


def test_envelopes_interoperate_both_ways() -> None:
    ours, carol, other = LocalIdentity.generate(), LocalIdentity.generate(), Other()
    # Written by the other implementation, read by ours.
    data = other.seal([ours.public().to_bytes(), carol.public().to_bytes()], "note/v1", b"hi", 7)
    opened = open_envelope(carol, data)
    assert (opened.body, opened.timestamp, opened.content_type) == (b"hi", 7, "note/v1")
    assert opened.sender.identity_key == other.identity_pk
    # Written by ours, read by the other.
    other_public = PublicIdentity.from_bytes(other.public)
    sealed = seal(ours, [carol.public(), other_public], "message/v1", b"x" * 3000, timestamp=9)
    sender, recipients, ts, ctype, body = other.open(sealed.data)
    assert sender == ours.public().identity_key and ts == 9 and ctype == "message/v1"
    assert body == b"x" * 3000 and len(recipients) == 2
    assert len(sealed.data) == 22 + 2 * 80 + 24 + 4096 + 16  # padded to the 4 KiB bucket


def _other_card_text(other: Other, name: str, relay: str, mailbox_id: str, created: int) -> str:
    signed = b"DLGC\x01" + _fields(
        name.encode(),
        b"Mission",
        other.public,
        relay.encode(),
        mailbox_id.encode(),
        struct.pack(">Q", created),
    )
    card = signed + other.signing.sign(b"delegate-card-v1" + signed).signature + b"\x00"
    return "DELEGATE-CARD:1:" + base64.urlsafe_b64encode(card).decode().rstrip("=")


def test_cards_interoperate_both_ways() -> None:
    other = Other()
    text = _other_card_text(other, "Ilse Vogt", "https://relay.example", "ab" * 32, 42)
    card = card_from_text(text)
    assert card.name == "Ilse Vogt" and card.identity.identity_key == other.identity_pk
    assert card.to_text() == text

    ours = LocalIdentity.generate()
    mine = make_card(ours, name="Amina", organisation="M", relay_url="", created=5).to_text()
    raw = base64.urlsafe_b64decode(mine.split(":", 2)[2] + "==")
    assert raw[:5] == b"DLGC\x01"
    (name, org, public, relay, mailbox, created), used = _read_fields(raw[5:], 6)
    signed = raw[: 5 + used]
    nacl.signing.VerifyKey(public[:32]).verify(b"delegate-card-v1" + signed, raw[5 + used : -1])
    assert raw[-1] == 0 and (name, org, relay) == (b"Amina", b"M", b"")
    assert mailbox.decode() == ours.mailbox.mailbox_id and struct.unpack(">Q", created)[0] == 5


def test_version_2_cards_with_a_deposit_token_interoperate_both_ways() -> None:
    other, token = Other(), os.urandom(32)
    signed = b"DLGC\x02" + _fields(
        b"Ilse Vogt", b"Mission", other.public, b"https://relay.example", b"ab" * 32,
        struct.pack(">Q", 42), token,
    )  # fmt: skip
    card = signed + other.signing.sign(b"delegate-card-v2" + signed).signature + b"\x00"
    text = "DELEGATE-CARD:2:" + base64.urlsafe_b64encode(card).decode().rstrip("=")
    parsed = card_from_text(text)
    assert parsed.deposit_token == token and parsed.to_text() == text
    # The v1 label does not verify a v2 card: one signature, one version.
    relabelled = signed + other.signing.sign(b"delegate-card-v1" + signed).signature + b"\x00"
    with pytest.raises(CryptoError):
        card_from_text(
            "DELEGATE-CARD:2:" + base64.urlsafe_b64encode(relabelled).decode().rstrip("=")
        )

    ours, mine_token = LocalIdentity.generate(), os.urandom(32)
    mine = make_card(
        ours, name="Amina", organisation="M", relay_url="", created=5, deposit_token=mine_token
    ).to_text()
    assert mine.startswith("DELEGATE-CARD:2:")
    raw = base64.urlsafe_b64decode(mine.split(":", 2)[2] + "==")
    assert raw[:5] == b"DLGC\x02"
    fields, used = _read_fields(raw[5:], 7)
    nacl.signing.VerifyKey(fields[2][:32]).verify(
        b"delegate-card-v2" + raw[: 5 + used], raw[5 + used : -1]
    )
    assert fields[6] == mine_token
    verifier = hashlib.sha256(b"dlg-deposit-v1" + mine_token).hexdigest()
    assert deposit_verifier(mine_token) == verifier
