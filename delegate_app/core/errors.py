"""Typed errors raised by the core. Each carries a message fit to show a user."""

from __future__ import annotations


class DelegateError(Exception):
    """Base class for every error the core raises on purpose."""


class PolicyError(DelegateError):
    """The managed policy is invalid; the app refuses to start weaker than it asks."""

    def __init__(self, message: str, *, key: str | None = None, source: str | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.source = source


class ProfileError(DelegateError):
    """The profile directory is missing, already initialised, or unusable."""


class VaultError(DelegateError):
    """Base class for vault problems."""


class VaultLockedError(VaultError):
    """The vault is locked: unlock it before reading or writing."""


class VaultExistsError(VaultError):
    """A vault already exists where a new one was to be created."""


class VaultNotFoundError(VaultError):
    """No vault exists in this profile."""


class WrongPassphraseError(VaultError):
    """The passphrase did not unwrap the database key."""


class UnlockThrottledError(VaultError):
    """Too many wrong passphrases in a row: wait before trying again."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class KeyFileError(VaultError):
    """The key file beside the database is missing, corrupt or of an unknown format."""


class VaultCorruptError(VaultError):
    """The database file is corrupt, foreign, or does not match the key file."""


class VaultStorageError(VaultError):
    """The disk refused a read or write of the vault (full, or an I/O error).

    The operation that hit it was rolled back as a whole; the vault stays consistent and
    the same operation can be retried once there is room again.
    """


class VaultFullError(VaultStorageError):
    """The disk under the vault is full."""


class MigrationError(VaultError):
    """A schema migration failed; the database was left at its previous version."""


class CryptoError(DelegateError):
    """Base class for cryptographic failures (bad keys, tampered data)."""
