"""Envelope format v1: sealed sender, signed, padded, encrypted once for many recipients.

See docs/PROTOCOL.md for the byte layout. In short::

    outer = "DLG" 0x01 | envelope_id(16) | n(u16) | n × slot(80) | nonce(24) | aead_ciphertext
    slot  = ephemeral_pk(32) | crypto_box(content_key)(48), nonce BLAKE2b-24(eph_pk | recipient_pk)
    aead  = XChaCha20-Poly1305(content_key, nonce, pad(inner), ad = every outer byte before it)
    inner = fields(sender public identity, recipients' identity keys, timestamp, content type,
                   body) | Ed25519 signature by the sender over "delegate-envelope-v1" | id | inner

The relay sees the mailbox it was deposited to, the envelope id, the recipient count and the
padded size; never the sender, the content type or the content.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import nacl.bindings
import nacl.exceptions
import nacl.public
import nacl.utils

from delegate_app.core.crypto.encoding import Reader, pack_fields
from delegate_app.core.crypto.errors import (
    BadSignatureError,
    EnvelopeDecryptionError,
    EnvelopeError,
    EnvelopeMalformedError,
    EnvelopeSignatureError,
    EnvelopeVersionError,
    MalformedError,
    NotForMeError,
    SealError,
    UnsupportedVersionError,
)
from delegate_app.core.crypto.identity import (
    KEY_BYTES,
    LocalIdentity,
    PublicIdentity,
    short_hash,
    verify_signature,
)
from delegate_app.core.crypto.padding import pad, unpad
from delegate_app.i18n import _

MAGIC = b"DLG"
VERSION = 1
SUPPORTED_VERSIONS = (1, 2)  # version 2: envelope_v2.py
ENVELOPE_ID_BYTES = 16
SLOT_BYTES = 32 + 32 + 16
NONCE_BYTES = 24
SIGNATURE_LABEL = b"delegate-envelope-v1"
SLOT_NONCE_PERSON = b"dlg-slot-nonce"
# Writers and readers share this bound. A reader refuses a larger count before any trial
# decryption: each slot tried costs an X25519 scalar multiplication, so a stranger's envelope of
# junk slots must not buy more than a group's worth of them. 256 covers a delegation, a mission's
# staff or a committee; a larger audience is several envelopes (or, later, a group session).
MAX_RECIPIENTS = 256
MAX_CONTENT_TYPE = 128
MAX_BODY = 64 * 1024 * 1024  # larger content travels as a chunked stream (stream.py)
Random = Callable[[int], bytes]


@dataclass(frozen=True)
class SealedEnvelope:
    envelope_id: bytes
    data: bytes

    @property
    def id_hex(self) -> str:
        return self.envelope_id.hex()


@dataclass(frozen=True)
class OpenedEnvelope:
    envelope_id: bytes
    sender: PublicIdentity
    recipients: tuple[bytes, ...]  # identity keys
    timestamp: int
    content_type: str
    body: bytes


def _random(size: int) -> bytes:
    return bytes(nacl.utils.random(size))


def _slot_nonce(ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    return short_hash(ephemeral_public + recipient_public, SLOT_NONCE_PERSON, NONCE_BYTES)


def _wrap_key(content_key: bytes, recipient: PublicIdentity, rng: Random) -> bytes:
    ephemeral = nacl.public.PrivateKey(rng(32))
    ephemeral_public = bytes(ephemeral.public_key)
    try:
        box = nacl.public.Box(ephemeral, nacl.public.PublicKey(recipient.encryption_key))
    except nacl.exceptions.CryptoError:
        # libsodium refuses small-order points: such a key can never receive anything.
        raise SealError(_("A recipient's encryption key is unusable.")) from None
    nonce = _slot_nonce(ephemeral_public, recipient.encryption_key)
    return ephemeral_public + bytes(box.encrypt(content_key, nonce).ciphertext)


def _unwrap_key(slot: bytes, me: LocalIdentity) -> bytes | None:
    """The content key if ``slot`` is addressed to ``me``; None for any other slot."""
    ephemeral_public, sealed = slot[:32], slot[32:]
    try:
        # Box() itself fails on an ephemeral key of small order: that slot is not ours either.
        box = nacl.public.Box(me.private_key, nacl.public.PublicKey(ephemeral_public))
        nonce = _slot_nonce(ephemeral_public, me.public().encryption_key)
        return bytes(box.decrypt(sealed, nonce))
    except nacl.exceptions.CryptoError:
        return None


def _first_key_for_me(slots: Sequence[bytes], me: LocalIdentity) -> bytes | None:
    """Try the slots in order and stop at the first that opens: ours."""
    for slot in slots:
        key = _unwrap_key(slot, me)
        if key is not None:
            return key
    return None


def _signed_bytes(envelope_id: bytes, inner_fields: bytes) -> bytes:
    return SIGNATURE_LABEL + envelope_id + inner_fields


def seal(
    sender: LocalIdentity,
    recipients: Sequence[PublicIdentity],
    content_type: str,
    body: bytes,
    *,
    envelope_id: bytes | None = None,
    timestamp: int | None = None,
    rng: Random = _random,
) -> SealedEnvelope:
    """Sign and encrypt ``body`` once for every recipient.

    ``timestamp`` defaults to now (Unix seconds); ``envelope_id`` to 16 random bytes.
    ``rng`` supplies every random byte (id, content key, ephemeral keys, nonce) and is
    injectable for known-answer tests. Raises :class:`SealError` for an invalid request.
    """
    # A recipient listed twice gets one slot (the first listing wins).
    unique: dict[bytes, PublicIdentity] = {}
    for candidate in recipients:
        unique.setdefault(candidate.identity_key, candidate)
    recipients = list(unique.values())
    if not recipients:
        raise SealError(_("An envelope needs at least one recipient."))
    if len(recipients) > MAX_RECIPIENTS:
        raise SealError(
            _("An envelope can have at most {count} recipients.").format(count=MAX_RECIPIENTS)
        )
    type_bytes = content_type.encode("utf-8")
    if not 0 < len(type_bytes) <= MAX_CONTENT_TYPE:
        raise SealError(_("The content type must be 1 to 128 bytes."))
    if len(body) > MAX_BODY:
        raise SealError(_("The content is too large for one envelope; send it as a stream."))
    if timestamp is None:
        timestamp = int(time.time())
    if not 0 <= timestamp < 2**64:
        raise SealError(_("The timestamp is out of range."))
    envelope_id = envelope_id if envelope_id is not None else rng(ENVELOPE_ID_BYTES)
    if len(envelope_id) != ENVELOPE_ID_BYTES:
        raise SealError(_("An envelope id has 16 bytes."))
    inner_fields = pack_fields(
        sender.public().to_bytes(),
        b"".join(r.identity_key for r in recipients),
        struct.pack(">Q", timestamp),
        type_bytes,
        body,
    )
    signature = sender.sign(_signed_bytes(envelope_id, inner_fields))
    content_key = rng(32)
    header = MAGIC + bytes([VERSION]) + envelope_id
    slots = b"".join(_wrap_key(content_key, r, rng) for r in recipients)
    nonce = rng(NONCE_BYTES)
    prefix = header + struct.pack(">H", len(recipients)) + slots + nonce
    ciphertext = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        pad(inner_fields + signature), prefix, nonce, content_key
    )
    return SealedEnvelope(envelope_id=envelope_id, data=prefix + ciphertext)


def envelope_version(data: bytes) -> int:
    """The format version of an envelope: 1 (this module) or 2 (``envelope_v2``).

    Raises :class:`EnvelopeMalformedError` or :class:`EnvelopeVersionError`.
    """
    reader = Reader(data)
    try:
        magic = reader.take(3)
        version = reader.u8() if magic == MAGIC else -1
        reader.take(ENVELOPE_ID_BYTES)
    except MalformedError:
        raise EnvelopeMalformedError(_("The envelope is truncated.")) from None
    if magic != MAGIC:
        raise EnvelopeMalformedError(_("This is not a Delegate envelope."))
    if version not in SUPPORTED_VERSIONS:
        raise EnvelopeVersionError(
            _("Envelope version {version} is not supported.").format(version=version)
        )
    return version


def peek_envelope_id(data: bytes) -> bytes:
    """The envelope id from the outer header of a version 1 or 2 envelope, without decrypting
    (for replay checks). Both versions put it at bytes 4 to 19.

    Raises :class:`EnvelopeMalformedError` or :class:`EnvelopeVersionError`.
    """
    envelope_version(data)
    return bytes(data[4 : 4 + ENVELOPE_ID_BYTES])


def open_envelope(recipient: LocalIdentity, data: bytes) -> OpenedEnvelope:
    """Decrypt and verify. Every failure raises an :class:`EnvelopeError`; never returns junk.

    Subclasses: :class:`EnvelopeMalformedError`, :class:`EnvelopeVersionError`,
    :class:`NotForMeError`, :class:`EnvelopeDecryptionError`, :class:`EnvelopeSignatureError`.
    """
    try:
        return _open(recipient, data)
    except EnvelopeError:
        raise
    except MalformedError as exc:
        raise EnvelopeMalformedError(str(exc)) from None
    except BadSignatureError as exc:
        raise EnvelopeSignatureError(str(exc)) from None
    except UnsupportedVersionError as exc:
        raise EnvelopeVersionError(str(exc)) from None


def _open(recipient: LocalIdentity, data: bytes) -> OpenedEnvelope:
    envelope_id = peek_envelope_id(data)
    if data[3] != VERSION:
        raise EnvelopeVersionError(_("This envelope is of version 2: open it as such."))
    slots_start = 4 + ENVELOPE_ID_BYTES + 2
    if len(data) < slots_start:
        raise EnvelopeMalformedError(_("The envelope is truncated."))
    count = int.from_bytes(data[slots_start - 2 : slots_start], "big")
    if not 0 < count <= MAX_RECIPIENTS:  # checked before any slot is tried
        raise EnvelopeMalformedError(_("The envelope has an invalid recipient count."))
    slots_end = slots_start + count * SLOT_BYTES
    prefix = data[: slots_end + NONCE_BYTES]
    if len(prefix) != slots_end + NONCE_BYTES:
        raise EnvelopeMalformedError(_("The envelope is truncated."))
    slots = [prefix[i : i + SLOT_BYTES] for i in range(slots_start, slots_end, SLOT_BYTES)]
    nonce = prefix[slots_end:]
    ciphertext = data[len(prefix) :]
    content_key = _first_key_for_me(slots, recipient)
    if content_key is None:
        raise NotForMeError(_("This envelope is not addressed to you."))
    try:
        padded = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            ciphertext, prefix, nonce, content_key
        )
    except nacl.exceptions.CryptoError:
        raise EnvelopeDecryptionError(_("The envelope was altered in transit.")) from None
    plain = unpad(bytes(padded))
    if len(plain) < 64:
        raise EnvelopeMalformedError(_("The envelope is too short."))
    inner_fields, signature = plain[:-64], plain[-64:]
    fields = Reader(inner_fields)
    sender = PublicIdentity.from_bytes(fields.field(256))
    recipient_keys = fields.field(KEY_BYTES * MAX_RECIPIENTS)
    timestamp_bytes = fields.field(8)
    content_type = fields.field(MAX_CONTENT_TYPE)
    body = fields.field(MAX_BODY)
    fields.done()
    verify_signature(sender.identity_key, _signed_bytes(envelope_id, inner_fields), signature)
    if len(recipient_keys) % KEY_BYTES or len(timestamp_bytes) != 8:
        raise EnvelopeMalformedError(_("The envelope's recipient list is malformed."))
    recipients = tuple(
        recipient_keys[i : i + KEY_BYTES] for i in range(0, len(recipient_keys), KEY_BYTES)
    )
    if recipient.public().identity_key not in recipients:
        raise NotForMeError(_("This envelope was signed for other recipients."))
    try:
        content_type_text = content_type.decode("utf-8")
    except UnicodeDecodeError:
        raise EnvelopeMalformedError(_("The content type is not text.")) from None
    return OpenedEnvelope(
        envelope_id=envelope_id,
        sender=sender,
        recipients=recipients,
        timestamp=int(struct.unpack(">Q", timestamp_bytes)[0]),
        content_type=content_type_text,
        body=body,
    )
