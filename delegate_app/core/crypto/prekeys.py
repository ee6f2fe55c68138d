"""Prekey bundles (docs/PROTOCOL.md §4.3): what a mailbox owner publishes at its relay so that a
holder of its card can start an Olm session while the owner is offline.

Everything published is encrypted under a key derived from the mailbox's deposit token, which
only card holders have, so the relay stores opaque bytes and never learns an identity key::

    bundle_key = BLAKE2b-32(token, person="dlg-prekey-key")
    header = nonce(24) | XChaCha20-Poly1305(bundle_key, nonce, H,
                                            ad = "dlg-prekey-bundle-v1" | mailbox_id)
    H      = "DLGP" 0x01 | fields(identity_pk, session_key, binding_sig, fallback_key,
                                  fallback_sig, created (8))
    item   = nonce(24) | XChaCha20-Poly1305(bundle_key, nonce, otk | otk_sig,
                                            ad = "dlg-prekey-item-v1" | mailbox_id | item_id)
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

import nacl.bindings
import nacl.exceptions
import nacl.utils

from delegate_app.core.crypto.encoding import Reader, pack_fields
from delegate_app.core.crypto.envelope import Random, _random
from delegate_app.core.crypto.errors import (
    BadSignatureError,
    MalformedError,
    PrekeyDecryptionError,
    PrekeyIdentityError,
    PrekeyMalformedError,
    PrekeySignatureError,
)
from delegate_app.core.crypto.identity import (
    KEY_BYTES,
    SIGNATURE_BYTES,
    LocalIdentity,
    short_hash,
)
from delegate_app.core.crypto.ratchet import SessionBinding, SignedPrekey
from delegate_app.i18n import _

KEY_PERSON = b"dlg-prekey-key"
HEADER_AD_LABEL = b"dlg-prekey-bundle-v1"
ITEM_AD_LABEL = b"dlg-prekey-item-v1"
HEADER_MAGIC = b"DLGP"
HEADER_VERSION = 1
NONCE_BYTES = 24
TAG_BYTES = 16
TOKEN_BYTES = 32
MAX_HEADER_BYTES = 1024  # the relay's bound (docs/RELAY.md "Prekeys")
MAX_ITEM_BYTES = 256
ITEM_PLAIN_BYTES = KEY_BYTES + SIGNATURE_BYTES
ITEM_BYTES = NONCE_BYTES + ITEM_PLAIN_BYTES + TAG_BYTES  # 136
_HEX_ID = re.compile(r"[0-9a-f]{32}")
_MAILBOX_ID = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class ClaimedPrekey:
    """What a claim gives a sender: the owner's session key and one prekey to start from."""

    identity_key: bytes
    binding: SessionBinding
    fallback: SignedPrekey
    #: The key to start the session from: the one-time key if the claim had one, else fallback.
    prekey: bytes
    one_time: bool
    created: int

    @property
    def session_key(self) -> bytes:
        return self.binding.session_key


def bundle_key(token: bytes) -> bytes:
    """``BLAKE2b-32(token, person="dlg-prekey-key")``: only holders of the card can derive it."""
    if len(token) != TOKEN_BYTES:
        raise PrekeyMalformedError(_("A deposit token has 32 bytes."))
    return short_hash(token, KEY_PERSON, 32)


def new_item_id() -> str:
    return bytes(nacl.utils.random(16)).hex()


def _mailbox(mailbox_id: str) -> bytes:
    if not isinstance(mailbox_id, str) or not _MAILBOX_ID.fullmatch(mailbox_id):
        raise PrekeyMalformedError(_("The mailbox id is malformed."))
    return mailbox_id.encode("ascii")


def _item_id(item_id: str) -> bytes:
    if not isinstance(item_id, str) or not _HEX_ID.fullmatch(item_id):
        raise PrekeyMalformedError(_("A one-time key's id is malformed."))
    return item_id.encode("ascii")


def _seal(key: bytes, plaintext: bytes, ad: bytes, rng: Random) -> bytes:
    nonce = rng(NONCE_BYTES)
    return nonce + nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        plaintext, ad, nonce, key
    )


def _open(key: bytes, sealed: bytes, ad: bytes, refusal: str) -> bytes:
    try:
        return bytes(
            nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
                sealed[NONCE_BYTES:], ad, sealed[:NONCE_BYTES], key
            )
        )
    except nacl.exceptions.CryptoError:
        raise PrekeyDecryptionError(refusal) from None


def bundle_header(
    identity: LocalIdentity,
    binding: SessionBinding,
    fallback: SignedPrekey,
    token: bytes,
    mailbox_id: str,
    created: int,
    *,
    rng: Random = _random,
) -> bytes:
    """The encrypted bundle header (301 bytes) for ``mailbox_id``."""
    if not 0 <= created < 2**64:
        raise PrekeyMalformedError(_("The bundle's date is out of range."))
    plain = HEADER_MAGIC + bytes([HEADER_VERSION]) + pack_fields(
        identity.public().identity_key, binding.session_key, binding.signature,
        fallback.key, fallback.signature, struct.pack(">Q", created),
    )  # fmt: skip
    return _seal(bundle_key(token), plain, HEADER_AD_LABEL + _mailbox(mailbox_id), rng)


def bundle_item(
    one_time_key: SignedPrekey,
    token: bytes,
    mailbox_id: str,
    item_id: str,
    *,
    rng: Random = _random,
) -> bytes:
    """One encrypted one-time key (136 bytes), bound to its mailbox and item id."""
    if len(one_time_key.key) != KEY_BYTES or len(one_time_key.signature) != SIGNATURE_BYTES:
        raise PrekeyMalformedError(_("A one-time key is malformed."))
    ad = ITEM_AD_LABEL + _mailbox(mailbox_id) + _item_id(item_id)
    return _seal(bundle_key(token), one_time_key.key + one_time_key.signature, ad, rng)


def open_claim(
    header: bytes,
    item: tuple[str, bytes] | None,
    token: bytes,
    mailbox_id: str,
    expected_identity_key: bytes,
) -> ClaimedPrekey:
    """Decrypt and check what a claim returned, for the card of ``expected_identity_key``.

    Raises :class:`PrekeyMalformedError`, :class:`PrekeyDecryptionError` (altered, or
    published for another mailbox or item id), :class:`PrekeyIdentityError` (a bundle of
    another identity) or :class:`PrekeySignatureError`; nothing is returned that did not pass.
    """
    key = bundle_key(token)
    mailbox = _mailbox(mailbox_id)
    if not NONCE_BYTES + TAG_BYTES < len(header) <= MAX_HEADER_BYTES:
        raise PrekeyMalformedError(_("The prekey bundle has an invalid size."))
    plain = _open(
        key,
        header,
        HEADER_AD_LABEL + mailbox,
        _("The prekey bundle does not decrypt for this mailbox: it was altered or is another's."),
    )
    try:
        identity_key, binding, fallback, created = _parse_header(plain)
    except MalformedError as exc:
        raise PrekeyMalformedError(str(exc)) from None
    if identity_key != expected_identity_key:
        raise PrekeyIdentityError(_("The prekey bundle belongs to another identity."))
    try:
        binding.verify(identity_key)
        fallback.verify(identity_key, binding.session_key)
    except BadSignatureError:
        raise PrekeySignatureError(_("The prekey bundle's signatures do not verify.")) from None
    if item is None:
        return ClaimedPrekey(identity_key, binding, fallback, fallback.key, False, created)
    item_id, sealed = item
    if not NONCE_BYTES + TAG_BYTES < len(sealed) <= MAX_ITEM_BYTES:
        raise PrekeyMalformedError(_("The one-time key has an invalid size."))
    ad = ITEM_AD_LABEL + mailbox + _item_id(item_id)
    item_plain = _open(
        key,
        sealed,
        ad,
        _("The one-time key does not decrypt for this mailbox: it was altered or is another's."),
    )
    if len(item_plain) != ITEM_PLAIN_BYTES:
        raise PrekeyMalformedError(_("The one-time key is malformed."))
    one_time = SignedPrekey(item_plain[:KEY_BYTES], item_plain[KEY_BYTES:], one_time=True)
    try:
        one_time.verify(identity_key, binding.session_key)
    except BadSignatureError:
        raise PrekeySignatureError(_("The one-time key's signature does not verify.")) from None
    return ClaimedPrekey(identity_key, binding, fallback, one_time.key, True, created)


def _parse_header(plain: bytes) -> tuple[bytes, SessionBinding, SignedPrekey, int]:
    reader = Reader(plain)
    if reader.take(4) != HEADER_MAGIC:
        raise MalformedError(_("This is not a prekey bundle."))
    if reader.u8() != HEADER_VERSION:
        raise MalformedError(_("This prekey bundle version is not supported."))
    sizes = (KEY_BYTES, KEY_BYTES, SIGNATURE_BYTES, KEY_BYTES, SIGNATURE_BYTES, 8)
    values = [reader.field(size) for size in sizes]
    reader.done()
    if any(len(value) != size for value, size in zip(values, sizes, strict=True)):
        raise MalformedError(_("The prekey bundle's fields have the wrong length."))
    identity_key, session_key, binding_sig, fallback_key, fallback_sig, created = values
    return (
        identity_key,
        SessionBinding(session_key, binding_sig),
        SignedPrekey(fallback_key, fallback_sig, one_time=False),
        int(struct.unpack(">Q", created)[0]),
    )
