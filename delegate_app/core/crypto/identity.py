"""A profile's long-term keys: identity (Ed25519), encryption (X25519) and relay mailbox (Ed25519).

The encryption key is signed by the identity key, so a contact card (or an
envelope) that names an identity key also authenticates the key to encrypt to.
The mailbox key is separate so the relay never sees the identity key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property

import nacl.bindings
import nacl.exceptions
import nacl.public
import nacl.signing
import nacl.utils

from delegate_app.core.crypto.errors import BadSignatureError, InvalidKeyError, MalformedError
from delegate_app.i18n import _

ENCRYPTION_KEY_LABEL = b"delegate-encryption-key-v1"
KEY_BYTES = 32
SIGNATURE_BYTES = 64
# Any fixed scalar: X25519 clamps it to a multiple of the cofactor, so the product is the
# identity (all zeros, which libsodium reports as an error) exactly for small-order points.
_PROBE_SCALAR = bytes([9]) * 32
_VERIFIED_CACHE_SIZE = 4096
_VERIFIED_IDENTITIES: set[bytes] = set()


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> None:
    """Raise BadSignatureError unless ``signature`` is ``public_key``'s over ``message``."""
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError, TypeError):
        raise BadSignatureError(_("A signature does not verify: the data was altered.")) from None


def short_hash(data: bytes, person: bytes, size: int = 32) -> bytes:
    """BLAKE2b with a personalisation label, for fingerprints and derived identifiers.

    Python's ``hashlib.blake2b`` computes exactly libsodium's
    ``crypto_generichash_blake2b_salt_personal`` (person zero-padded to 16 bytes, no key,
    no salt; a test checks both agree) without PyNaCl's per-call argument checking, which
    costs more than the hash itself on the envelope path.
    """
    return hashlib.blake2b(data, digest_size=size, person=person).digest()


@dataclass(frozen=True)
class PublicIdentity:
    identity_key: bytes  # Ed25519 verify key
    encryption_key: bytes  # X25519 public key
    encryption_key_signature: bytes  # identity key's signature over label || encryption_key

    def __post_init__(self) -> None:
        if (
            len(self.identity_key) != KEY_BYTES
            or len(self.encryption_key) != KEY_BYTES
            or len(self.encryption_key_signature) != SIGNATURE_BYTES
        ):
            raise MalformedError(_("A public identity has keys of the wrong length."))

    def verify(self) -> None:
        """Raise BadSignatureError unless the identity key signed the encryption key.

        Identities that verified once are remembered (by all 128 bytes, so any other
        signature or key is verified afresh): every envelope carries its sender's identity,
        and a busy correspondent would otherwise cost one extra Ed25519 verification each.
        """
        encoded = self.to_bytes()
        if encoded in _VERIFIED_IDENTITIES:
            return
        verify_signature(
            self.identity_key,
            ENCRYPTION_KEY_LABEL + self.encryption_key,
            self.encryption_key_signature,
        )
        if len(_VERIFIED_IDENTITIES) >= _VERIFIED_CACHE_SIZE:
            _VERIFIED_IDENTITIES.clear()
        _VERIFIED_IDENTITIES.add(encoded)

    def check_usable(self) -> None:
        """Raise InvalidKeyError if the encryption key is a point of small order.

        Encrypting to such a key would give a shared secret every attacker knows;
        libsodium refuses it, and we refuse the card that carries it.
        """
        try:
            nacl.bindings.crypto_scalarmult(_PROBE_SCALAR, self.encryption_key)
        except nacl.exceptions.CryptoError:
            raise InvalidKeyError(_("The encryption key in this identity is unusable.")) from None

    def to_bytes(self) -> bytes:
        return self.identity_key + self.encryption_key + self.encryption_key_signature

    @classmethod
    def from_bytes(cls, data: bytes) -> PublicIdentity:
        if len(data) != 2 * KEY_BYTES + SIGNATURE_BYTES:
            raise MalformedError(_("A public identity has the wrong length."))
        identity = cls(data[:32], data[32:64], data[64:])
        identity.verify()
        return identity

    def fingerprint(self) -> str:
        """A short hex fingerprint of the identity key (for logs of the user's own UI only)."""
        return short_hash(self.identity_key, b"dlg-fingerprint", 16).hex()


@dataclass(frozen=True)
class MailboxKey:
    """The Ed25519 key that owns this profile's relay mailbox; its public key is the mailbox id."""

    seed: bytes

    @property
    def mailbox_id(self) -> str:
        return bytes(nacl.signing.SigningKey(self.seed).verify_key).hex()

    def sign(self, message: bytes) -> bytes:
        return bytes(nacl.signing.SigningKey(self.seed).sign(message).signature)


@dataclass(frozen=True)
class OrganisationKey:
    """IT's Ed25519 key that countersigns the cards of its staff."""

    seed: bytes

    @classmethod
    def generate(cls) -> OrganisationKey:
        return cls(nacl.utils.random(32))

    @property
    def public_hex(self) -> str:
        return bytes(nacl.signing.SigningKey(self.seed).verify_key).hex()

    def sign(self, message: bytes) -> bytes:
        return bytes(nacl.signing.SigningKey(self.seed).sign(message).signature)


@dataclass(frozen=True)
class LocalIdentity:
    """Private keys of this profile. Lives only inside the vault."""

    signing_seed: bytes
    encryption_secret: bytes
    mailbox_seed: bytes

    @classmethod
    def generate(cls) -> LocalIdentity:
        return cls(
            signing_seed=nacl.utils.random(32),
            encryption_secret=bytes(nacl.public.PrivateKey.generate()),
            mailbox_seed=nacl.utils.random(32),
        )

    @cached_property
    def signing_key(self) -> nacl.signing.SigningKey:
        return nacl.signing.SigningKey(self.signing_seed)

    @cached_property
    def private_key(self) -> nacl.public.PrivateKey:
        return nacl.public.PrivateKey(self.encryption_secret)

    @property
    def mailbox(self) -> MailboxKey:
        return MailboxKey(self.mailbox_seed)

    def public(self) -> PublicIdentity:
        return self._public

    @cached_property
    def _public(self) -> PublicIdentity:
        encryption_key = bytes(self.private_key.public_key)
        signature = self.sign(ENCRYPTION_KEY_LABEL + encryption_key)
        return PublicIdentity(bytes(self.signing_key.verify_key), encryption_key, signature)

    def sign(self, message: bytes) -> bytes:
        return bytes(self.signing_key.sign(message).signature)

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": 1,
                "signing_seed": self.signing_seed.hex(),
                "encryption_secret": self.encryption_secret.hex(),
                "mailbox_seed": self.mailbox_seed.hex(),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> LocalIdentity:
        try:
            data = json.loads(text)
            identity = cls(
                signing_seed=bytes.fromhex(data["signing_seed"]),
                encryption_secret=bytes.fromhex(data["encryption_secret"]),
                mailbox_seed=bytes.fromhex(data["mailbox_seed"]),
            )
        except (ValueError, KeyError, TypeError, RecursionError):
            raise MalformedError(_("The stored identity is corrupt.")) from None
        if any(len(k) != 32 for k in (identity.signing_seed, identity.encryption_secret,
                                       identity.mailbox_seed)):  # fmt: skip
            raise MalformedError(_("The stored identity is corrupt."))
        return identity
