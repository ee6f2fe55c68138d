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
