"""Envelope format v2: the content key travels only inside Olm ratchet messages.

See docs/PROTOCOL.md §4.2 for the byte layout. In short::

    outer = "DLG" 0x02 | envelope_id(16) | n(u16) | n × slot(312) | nonce(24) | aead_ciphertext
    slot  = ephemeral_pk(32) | crypto_box(S)(280), nonce BLAKE2b-24(eph_pk | recipient_pk)
    S     = sender session_key(32) | olm_type(u8) | len(u16) | olm_ciphertext | zeros  (264 bytes)
    olm plaintext = "dlg-v2-key" | envelope_id | content_key
    inner = fields(sender public identity, sender session key, binding signature, recipients'
                   identity keys, timestamp, content type, body) | Ed25519 signature over
            "delegate-envelope-v2" | envelope_id | inner fields

The slot layer is sealed to the recipient's long-term key, as in v1, so the relay never sees the
sender. Opening takes two steps so that the caller owns session lookup and state:
:func:`open_slot_v2` finds our slot (the sender's session key and its Olm message); the caller
decrypts that with one of its sessions (or starts an inbound one); :func:`finish_open_v2` checks
everything else and returns the same :class:`OpenedEnvelope` as v1.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import nacl.bindings
import nacl.exceptions
import nacl.public

from delegate_app.core.crypto.encoding import Reader, pack_fields
from delegate_app.core.crypto.envelope import (
    ENVELOPE_ID_BYTES,
    MAGIC,
    MAX_BODY,
    MAX_CONTENT_TYPE,
    MAX_RECIPIENTS,
    NONCE_BYTES,
    OpenedEnvelope,
    Random,
    SealedEnvelope,
    _random,
    envelope_version,
)
from delegate_app.core.crypto.errors import (
    BadSignatureError,
    EnvelopeBindingError,
    EnvelopeDecryptionError,
    EnvelopeError,
    EnvelopeIdMismatchError,
    EnvelopeMalformedError,
    EnvelopeSessionKeyError,
    EnvelopeSignatureError,
    EnvelopeVersionError,
    MalformedError,
    NotForMeError,
    SealError,
    UnsupportedVersionError,
)
from delegate_app.core.crypto.identity import (
    KEY_BYTES,
    SIGNATURE_BYTES,
    LocalIdentity,
    PublicIdentity,
    short_hash,
    verify_signature,
)
from delegate_app.core.crypto.padding import pad, unpad
from delegate_app.core.crypto.ratchet import (
    OLM_NORMAL,
    OLM_PRE_KEY,
    RatchetSession,
    SessionBinding,
)
from delegate_app.i18n import _

__all__ = [
    "OLM_PLAINTEXT_LABEL",
    "SLOT_V2_BYTES",
    "SlotV2",
    "V2Recipient",
    "envelope_version",
    "finish_open_v2",
    "open_slot_v2",
    "seal_v2",
]

VERSION = 2
SIGNATURE_LABEL = b"delegate-envelope-v2"
SLOT_NONCE_PERSON = b"dlg-slot2-nonce"
OLM_PLAINTEXT_LABEL = b"dlg-v2-key"
OLM_PLAINTEXT_BYTES = len(OLM_PLAINTEXT_LABEL) + ENVELOPE_ID_BYTES + 32  # 58
# An Olm message of the 58-byte plaintext measures 111-113 bytes (normal) and 216-218 bytes
# (pre-key) with chain indexes below 2^21; each further 7 bits of chain index add one byte, so
# a 64-bit index (10-byte varint) needs at most 120 and 225. 229 leaves room for all of them.
OLM_MAX_BYTES = 229
S_BYTES = KEY_BYTES + 1 + 2 + OLM_MAX_BYTES  # 264
SLOT_V2_BYTES = 32 + 16 + S_BYTES  # ephemeral key, box MAC, S: 312
HEADER_BYTES = 4 + ENVELOPE_ID_BYTES + 2
OlmEncrypt = Callable[[bytes], tuple[int, bytes]]
_VERIFIED_CACHE_SIZE = 4096
_VERIFIED_BINDINGS: set[bytes] = set()


@dataclass
class V2Recipient:
    """A recipient and our session with them; sealing advances the session (pickle it after)."""

    identity: PublicIdentity
    session: RatchetSession


@dataclass(frozen=True)
class SlotV2:
    """Our slot of a v2 envelope: whose session it is from and the Olm message to decrypt."""

    envelope_id: bytes
    session_key: bytes
    olm_type: int
    ciphertext: bytes

    @property
    def is_pre_key(self) -> bool:
        return self.olm_type == OLM_PRE_KEY


def _slot_nonce(ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    return short_hash(ephemeral_public + recipient_public, SLOT_NONCE_PERSON, NONCE_BYTES)


def olm_plaintext(envelope_id: bytes, content_key: bytes) -> bytes:
    return OLM_PLAINTEXT_LABEL + envelope_id + content_key


def _slot(
    session_key: bytes, olm_type: int, olm_ciphertext: bytes, recipient: PublicIdentity, rng: Random
) -> bytes:
    if olm_type not in (OLM_PRE_KEY, OLM_NORMAL) or not 0 < len(olm_ciphertext) <= OLM_MAX_BYTES:
        raise SealError(_("The secure session produced a message that does not fit a slot."))
    inner = session_key + bytes([olm_type]) + struct.pack(">H", len(olm_ciphertext))
    inner += olm_ciphertext + bytes(OLM_MAX_BYTES - len(olm_ciphertext))
    ephemeral = nacl.public.PrivateKey(rng(32))
    ephemeral_public = bytes(ephemeral.public_key)
    try:
        box = nacl.public.Box(ephemeral, nacl.public.PublicKey(recipient.encryption_key))
    except nacl.exceptions.CryptoError:
        raise SealError(_("A recipient's encryption key is unusable.")) from None
    nonce = _slot_nonce(ephemeral_public, recipient.encryption_key)
    return ephemeral_public + bytes(box.encrypt(inner, nonce).ciphertext)


def _verify_binding(identity_key: bytes, binding: SessionBinding) -> None:
    """Bindings that verified once are remembered (by all 128 bytes): every envelope of a
    session carries the same one, and verifying it each time would cost one more Ed25519
    verification per message."""
    remembered = identity_key + binding.session_key + binding.signature
    if remembered in _VERIFIED_BINDINGS:
        return
    try:
        binding.verify(identity_key)
    except BadSignatureError:
        raise EnvelopeBindingError(
            _("The sender's session key is not bound to the sender's identity.")
        ) from None
    if len(_VERIFIED_BINDINGS) >= _VERIFIED_CACHE_SIZE:
        _VERIFIED_BINDINGS.clear()
    _VERIFIED_BINDINGS.add(remembered)


def _signed_bytes(envelope_id: bytes, inner_fields: bytes) -> bytes:
    return SIGNATURE_LABEL + envelope_id + inner_fields


def seal_v2(
    sender: LocalIdentity,
    binding: SessionBinding,
    recipients: Sequence[V2Recipient],
    content_type: str,
    body: bytes,
    *,
    envelope_id: bytes | None = None,
    timestamp: int | None = None,
    rng: Random = _random,
) -> SealedEnvelope:
    """Sign ``body``, encrypt it once, and send its key to each recipient in an Olm message.

    ``binding`` is the sender account's signed session key. ``rng`` supplies every random byte
    but Olm's own (envelope id, content key, one ephemeral key per recipient, AEAD nonce).
    Raises :class:`SealError` for an invalid request (checked before any session advances).
    """
    unique: dict[bytes, V2Recipient] = {}
    for candidate in recipients:
        unique.setdefault(candidate.identity.identity_key, candidate)
    return seal_v2_with(
        sender, binding,
        [(r.identity, r.session.encrypt) for r in unique.values()],
        content_type, body, envelope_id=envelope_id, timestamp=timestamp, rng=rng,
    )  # fmt: skip


def seal_v2_with(
    sender: LocalIdentity,
    binding: SessionBinding,
    recipients: Sequence[tuple[PublicIdentity, OlmEncrypt]],
    content_type: str,
    body: bytes,
    *,
    envelope_id: bytes | None = None,
    timestamp: int | None = None,
    rng: Random = _random,
) -> SealedEnvelope:
    """:func:`seal_v2` with each recipient's Olm encryption given as a function (distinct
    recipients): the deterministic layers alone, as the known-answer test pins them."""
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
    if len(binding.session_key) != KEY_BYTES or len(binding.signature) != SIGNATURE_BYTES:
        raise SealError(_("The session key binding is malformed."))
    envelope_id = envelope_id if envelope_id is not None else rng(ENVELOPE_ID_BYTES)
    if len(envelope_id) != ENVELOPE_ID_BYTES:
        raise SealError(_("An envelope id has 16 bytes."))
    inner_fields = pack_fields(
        sender.public().to_bytes(),
        binding.session_key,
        binding.signature,
        b"".join(identity.identity_key for identity, _encrypt in recipients),
        struct.pack(">Q", timestamp),
        type_bytes,
        body,
    )
    signature = sender.sign(_signed_bytes(envelope_id, inner_fields))
    content_key = rng(32)
    secret = olm_plaintext(envelope_id, content_key)
    slots = b""
    for identity, encrypt in recipients:
        olm_type, olm_ciphertext = encrypt(secret)
        slots += _slot(binding.session_key, olm_type, olm_ciphertext, identity, rng)
    nonce = rng(NONCE_BYTES)
    prefix = MAGIC + bytes([VERSION]) + envelope_id + struct.pack(">H", len(recipients))
    prefix += slots + nonce
    ciphertext = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        pad(inner_fields + signature), prefix, nonce, content_key
    )
    return SealedEnvelope(envelope_id=envelope_id, data=prefix + ciphertext)


def _outer(data: bytes) -> tuple[bytes, list[bytes], bytes, bytes]:
    """``(envelope_id, slots, prefix, aead ciphertext)`` of a v2 envelope."""
    if envelope_version(data) != VERSION:
        raise EnvelopeVersionError(_("This envelope is of version 1: open it as such."))
    if len(data) < HEADER_BYTES:
        raise EnvelopeMalformedError(_("The envelope is truncated."))
    envelope_id = bytes(data[4 : 4 + ENVELOPE_ID_BYTES])
    count = int.from_bytes(data[HEADER_BYTES - 2 : HEADER_BYTES], "big")
    if not 0 < count <= MAX_RECIPIENTS:  # checked before any slot is tried
        raise EnvelopeMalformedError(_("The envelope has an invalid recipient count."))
    slots_end = HEADER_BYTES + count * SLOT_V2_BYTES
    prefix = bytes(data[: slots_end + NONCE_BYTES])
    if len(prefix) != slots_end + NONCE_BYTES or len(data) < len(prefix) + 16:
        raise EnvelopeMalformedError(_("The envelope is truncated."))
    slots = [prefix[i : i + SLOT_V2_BYTES] for i in range(HEADER_BYTES, slots_end, SLOT_V2_BYTES)]
    return envelope_id, slots, prefix, bytes(data[len(prefix) :])


def _unwrap(slot: bytes, me: LocalIdentity) -> bytes | None:
    ephemeral_public, sealed = slot[:32], slot[32:]
    try:
        box = nacl.public.Box(me.private_key, nacl.public.PublicKey(ephemeral_public))
        return bytes(box.decrypt(sealed, _slot_nonce(ephemeral_public, me.public().encryption_key)))
    except nacl.exceptions.CryptoError:
        return None


def open_slot_v2(me: LocalIdentity, data: bytes) -> SlotV2:
    """Our slot: the sender's session key and the Olm message carrying the content key.

    Raises :class:`EnvelopeMalformedError`, :class:`EnvelopeVersionError` or
    :class:`NotForMeError` (no slot opens with our long-term key).
    """
    envelope_id, slots, _prefix, _ciphertext = _outer(data)
    for slot in slots:
        inner = _unwrap(slot, me)
        if inner is not None:
            return _parse_slot(envelope_id, inner)
    raise NotForMeError(_("This envelope is not addressed to you."))


def _parse_slot(envelope_id: bytes, inner: bytes) -> SlotV2:
    session_key, olm_type = inner[:KEY_BYTES], inner[KEY_BYTES]
    length = int.from_bytes(inner[KEY_BYTES + 1 : KEY_BYTES + 3], "big")
    ciphertext = inner[KEY_BYTES + 3 : KEY_BYTES + 3 + length]
    padding = inner[KEY_BYTES + 3 + length :]
    if olm_type not in (OLM_PRE_KEY, OLM_NORMAL) or not 0 < length <= OLM_MAX_BYTES or any(padding):
        raise EnvelopeMalformedError(_("The envelope's key slot is malformed."))
    return SlotV2(envelope_id, session_key, olm_type, ciphertext)


def finish_open_v2(
    me: LocalIdentity, data: bytes, slot: SlotV2, olm_plaintext: bytes
) -> OpenedEnvelope:
    """Decrypt and verify with the content key the caller's session got from ``slot``.

    Every failure raises an :class:`EnvelopeError`: :class:`EnvelopeIdMismatchError` (the Olm
    message was made for another envelope), :class:`EnvelopeDecryptionError`,
    :class:`EnvelopeMalformedError`, :class:`EnvelopeSessionKeyError` (the slot's session key is
    not the one the sender signed), :class:`EnvelopeBindingError`,
    :class:`EnvelopeSignatureError`, :class:`NotForMeError` (the signed list does not name us).
    """
    try:
        return _finish(me, data, slot, olm_plaintext)
    except EnvelopeError:
        raise
    except MalformedError as exc:
        raise EnvelopeMalformedError(str(exc)) from None
    except BadSignatureError as exc:
        raise EnvelopeSignatureError(str(exc)) from None
    except UnsupportedVersionError as exc:
        raise EnvelopeVersionError(str(exc)) from None


def _finish(me: LocalIdentity, data: bytes, slot: SlotV2, secret: bytes) -> OpenedEnvelope:
    envelope_id, _slots, prefix, ciphertext = _outer(data)
    if len(secret) != OLM_PLAINTEXT_BYTES or not secret.startswith(OLM_PLAINTEXT_LABEL):
        raise EnvelopeMalformedError(_("The envelope's key message is malformed."))
    label_end = len(OLM_PLAINTEXT_LABEL)
    if (
        secret[label_end : label_end + ENVELOPE_ID_BYTES] != envelope_id
        or slot.envelope_id != envelope_id
    ):
        raise EnvelopeIdMismatchError(_("The envelope's key message belongs to another envelope."))
    content_key = secret[label_end + ENVELOPE_ID_BYTES :]
    nonce = prefix[-NONCE_BYTES:]
    try:
        padded = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            ciphertext, prefix, nonce, content_key
        )
    except nacl.exceptions.CryptoError:
        raise EnvelopeDecryptionError(_("The envelope was altered in transit.")) from None
    plain = unpad(bytes(padded))
    if len(plain) < SIGNATURE_BYTES:
        raise EnvelopeMalformedError(_("The envelope is too short."))
    inner_fields, signature = plain[:-SIGNATURE_BYTES], plain[-SIGNATURE_BYTES:]
    fields = Reader(inner_fields)
    sender = PublicIdentity.from_bytes(fields.field(128))
    session_key = fields.field(KEY_BYTES)
    binding_signature = fields.field(SIGNATURE_BYTES)
    recipient_keys = fields.field(KEY_BYTES * MAX_RECIPIENTS)
    timestamp_bytes = fields.field(8)
    content_type = fields.field(MAX_CONTENT_TYPE)
    body = fields.field(MAX_BODY)
    fields.done()
    if (
        len(session_key) != KEY_BYTES
        or len(binding_signature) != SIGNATURE_BYTES
        or len(recipient_keys) % KEY_BYTES
        or len(timestamp_bytes) != 8
    ):
        raise EnvelopeMalformedError(_("The envelope's fields are malformed."))
    if session_key != slot.session_key:
        raise EnvelopeSessionKeyError(_("The envelope's key slot names another session key."))
    _verify_binding(sender.identity_key, SessionBinding(session_key, binding_signature))
    verify_signature(sender.identity_key, _signed_bytes(envelope_id, inner_fields), signature)
    recipients = tuple(
        recipient_keys[i : i + KEY_BYTES] for i in range(0, len(recipient_keys), KEY_BYTES)
    )
    if me.public().identity_key not in recipients:
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
