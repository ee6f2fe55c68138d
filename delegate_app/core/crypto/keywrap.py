"""Wrapping the vault's database key with a passphrase (Argon2id + XSalsa20-Poly1305).

The database key is random; the passphrase only ever wraps it, so changing the
passphrase rewraps 32 bytes and never re-encrypts the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from delegate_app.core.errors import CryptoError, KeyFileError
from delegate_app.i18n import _

DATABASE_KEY_BYTES = 32
# libsodium's crypto_pwhash_argon2id limits, written out so that reading a key file (which the
# unlock screen does before it paints) does not load libsodium; a test checks them against it.
SALT_BYTES = 16
OPSLIMIT_MIN, OPSLIMIT_MAX = 1, 4_294_967_295
MEMLIMIT_MIN, MEMLIMIT_MAX = 8192, 4_398_046_510_080


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters, stored with each wrapped key so they can be raised later."""

    opslimit: int
    memlimit: int

    def validate(self) -> None:
        if not (
            OPSLIMIT_MIN <= self.opslimit <= OPSLIMIT_MAX
            and MEMLIMIT_MIN <= self.memlimit <= min(MEMLIMIT_MAX, 4 * 1024**3)
        ):
            raise KeyFileError(_("The key file asks for key-derivation costs out of range."))


# 3 passes over 128 MiB: about half a second on a laptop, far above OWASP's minimum.
DEFAULT_KDF = KdfParams(opslimit=3, memlimit=128 * 1024 * 1024)
# For tests and benchmarks that create many profiles; never the default for users.
FAST_KDF = KdfParams(opslimit=OPSLIMIT_MIN, memlimit=MEMLIMIT_MIN)


@dataclass(frozen=True)
class WrappedKey:
    salt: bytes
    ciphertext: bytes  # SecretBox output: nonce || MAC || encrypted key
    kdf: KdfParams


class UnwrapFailedError(CryptoError):
    """The passphrase is wrong or the wrapped key was altered."""


def random_database_key() -> bytes:
    import nacl.utils

    return nacl.utils.random(DATABASE_KEY_BYTES)


def _derive(passphrase: str, salt: bytes, kdf: KdfParams) -> bytes:
    import nacl.pwhash
    import nacl.secret

    kdf.validate()
    return bytes(
        nacl.pwhash.argon2id.kdf(
            nacl.secret.SecretBox.KEY_SIZE,
            passphrase.encode("utf-8"),
            salt,
            opslimit=kdf.opslimit,
            memlimit=kdf.memlimit,
        )
    )


def wrap_key(database_key: bytes, passphrase: str, kdf: KdfParams = DEFAULT_KDF) -> WrappedKey:
    import nacl.secret
    import nacl.utils

    salt = nacl.utils.random(SALT_BYTES)
    box = nacl.secret.SecretBox(_derive(passphrase, salt, kdf))
    return WrappedKey(salt=salt, ciphertext=bytes(box.encrypt(database_key)), kdf=kdf)


def unwrap_key(wrapped: WrappedKey, passphrase: str) -> bytes:
    if len(wrapped.salt) != SALT_BYTES:
        raise KeyFileError(_("The key file's salt has the wrong length."))
    import nacl.exceptions
    import nacl.secret

    box = nacl.secret.SecretBox(_derive(passphrase, wrapped.salt, wrapped.kdf))
    try:
        key = bytes(box.decrypt(wrapped.ciphertext))
    except (nacl.exceptions.CryptoError, ValueError):
        raise UnwrapFailedError(_("The passphrase did not unlock the key.")) from None
    if len(key) != DATABASE_KEY_BYTES:
        raise KeyFileError(_("The key file holds a key of the wrong length."))
    return key
