"""Typed cryptographic errors. Messages are for users; none reveals key material.

Every parser in this package raises a subclass of :class:`CryptoError` for bad input and
nothing else. Envelope failures are also :class:`EnvelopeError`, so a caller can catch
"this envelope is bad" without catching card or stream problems.
"""

from delegate_app.core.errors import CryptoError


class MalformedError(CryptoError):
    """Bytes that do not parse as the expected structure (truncated, wrong lengths, bad magic)."""


class UnsupportedVersionError(CryptoError):
    """A structure of a version this release does not know."""


class BadSignatureError(CryptoError):
    """A signature does not verify: the data was forged or altered."""


class DecryptionError(CryptoError):
    """Authenticated decryption failed: the ciphertext was altered or the key is wrong."""


class StreamError(CryptoError):
    """A chunked stream was truncated, reordered or tampered with."""


class InvalidKeyError(MalformedError):
    """A public key cannot be used (for example an X25519 point of small order)."""


class EnvelopeError(CryptoError):
    """Base class for every reason an envelope is refused or cannot be sealed."""


class EnvelopeMalformedError(EnvelopeError, MalformedError):
    """The envelope's bytes do not parse (truncated, wrong lengths, bad magic, bad padding)."""


class EnvelopeVersionError(EnvelopeError, UnsupportedVersionError):
    """The envelope is of a format version this release does not know."""


class EnvelopeSignatureError(EnvelopeError, BadSignatureError):
    """The sender's signature (or the signature on the sender's keys) does not verify."""


class EnvelopeDecryptionError(EnvelopeError, DecryptionError):
    """The envelope's ciphertext was altered in transit."""


class NotForMeError(EnvelopeError):
    """The envelope is not addressed to this identity (or was re-addressed)."""


class SealError(EnvelopeError, ValueError):
    """The request to seal an envelope is invalid (no recipients, too large, bad content type)."""


class RatchetError(CryptoError):
    """Base class for every failure of the Olm ratchet layer (accounts, sessions, pickles)."""


class RatchetSessionError(RatchetError, InvalidKeyError):
    """A session cannot be started from these keys (malformed or insecure public keys)."""


class RatchetDecryptError(RatchetError, DecryptionError):
    """An Olm message does not decrypt with this session or account; the state is unchanged."""


class RatchetPickleError(RatchetError, MalformedError):
    """A stored account or session does not unpickle (corrupt, or another pickle key)."""


class EnvelopeSessionKeyError(EnvelopeError):
    """A v2 envelope's slot names another session key than the one its sender signed."""


class EnvelopeBindingError(EnvelopeSignatureError):
    """A v2 envelope's session key is not bound to its sender's identity key."""


class EnvelopeIdMismatchError(EnvelopeError):
    """The envelope id inside the Olm message is not the outer envelope's (a spliced slot)."""


class PrekeyError(CryptoError):
    """Base class for every reason a claimed prekey bundle or item is refused."""


class PrekeyMalformedError(PrekeyError, MalformedError):
    """A prekey bundle header or item does not parse (size, magic, field lengths)."""


class PrekeyDecryptionError(PrekeyError, DecryptionError):
    """A prekey header or item does not decrypt under this mailbox's token (altered, another
    mailbox's, another item id's)."""


class PrekeyIdentityError(PrekeyError):
    """A prekey bundle names another identity key than the card it was claimed for."""


class PrekeySignatureError(PrekeyError, BadSignatureError):
    """A signature in a prekey bundle or item does not verify under the card's identity key."""
