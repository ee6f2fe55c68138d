"""Typed cryptographic errors. Messages are for users; none reveals key material."""

from delegate_app.core.errors import CryptoError


class MalformedError(CryptoError):
    """Bytes that do not parse as the expected structure (truncated, wrong lengths, bad magic)."""


class UnsupportedVersionError(CryptoError):
    """A structure of a version this release does not know."""


class BadSignatureError(CryptoError):
    """A signature does not verify: the data was forged or altered."""


class NotForMeError(CryptoError):
    """The envelope is not addressed to this identity (or was re-addressed)."""


class DecryptionError(CryptoError):
    """Authenticated decryption failed: the ciphertext was altered or the key is wrong."""


class StreamError(CryptoError):
    """A chunked stream was truncated, reordered or tampered with."""


class KeyChangedError(CryptoError):
    """A known contact presented a different identity key; the user must accept it first."""
