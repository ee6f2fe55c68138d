"""The vault: create, unlock, lock and rekey one profile's encrypted database.

The database key is 32 random bytes used as a raw SQLCipher key. It is stored
wrapped by the passphrase in the key file and, when policy allows and the user
asks, also in the OS keyring. See docs/adr/0001-raw-key-sqlcipher.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from delegate_app.core.crypto.keywrap import (
    DEFAULT_KDF,
    KdfParams,
    UnwrapFailedError,
    random_database_key,
    unwrap_key,
    wrap_key,
)
from delegate_app.core.errors import (
    KeyFileError,
    VaultError,
    VaultExistsError,
    VaultLockedError,
    VaultNotFoundError,
    WrongPassphraseError,
)
from delegate_app.core.paths import ProfilePaths
from delegate_app.core.vault import keyring_store
from delegate_app.core.vault.keyfile import (
    KeyFile,
    KeyringRecord,
    read_key_file,
    write_key_file,
)
from delegate_app.core.vault.throttle import AttemptsFile, UnlockThrottle
from delegate_app.i18n import _

if TYPE_CHECKING:
    from delegate_app.core.vault.database import Database

log = logging.getLogger(__name__)
MIN_PASSPHRASE_LENGTH = 8


# The main connection (the GUI's and the CLI's) searches: with SQLCipher every page read from
# disk is decrypted again, and a search over 10,000 documents touches tens of MiB of index, so
# its cache may hold up to 128 MiB (it grows only as pages are read). Worker connections keep
# SQLite's default. Measured in benchmarks/bench_search.py; docs/adr/0020.
MAIN_CACHE_KIB = 128 * 1024


class Vault:
    """One profile's vault. Locked until :meth:`unlock`; :attr:`db` raises while locked."""

    def __init__(self, paths: ProfilePaths, key_file: KeyFile) -> None:
        self.paths = paths
        self._key_file = key_file
        self._key: bytearray | None = None
        self._db: Database | None = None
        self.throttle = UnlockThrottle(store=AttemptsFile(paths.unlock_attempts))
        self._lock_listeners: list[Callable[[], None]] = []

    # -- creation and discovery ------------------------------------------------------------

    @staticmethod
    def exists(paths: ProfilePaths) -> bool:
        return paths.key_file.exists() or paths.database.exists()

    @classmethod
    def create(
        cls,
        paths: ProfilePaths,
        passphrase: str,
        *,
        kdf: KdfParams = DEFAULT_KDF,
    ) -> Vault:
        """Make a new vault and return it unlocked and migrated to the latest schema."""
        if cls.exists(paths):
            raise VaultExistsError(_("A vault already exists in {path}.").format(path=paths.root))
        paths.ensure_dirs()
        key = random_database_key()
        key_file = KeyFile.new(wrap_key(key, passphrase, kdf))
        from delegate_app.core.vault.database import Database

        db = Database.open(paths.database, key, create=True, cache_kib=MAIN_CACHE_KIB)
        try:
            db.migrate()
            db.checkpoint()
        except BaseException:
            db.close()
            for path in (paths.database, paths.database.with_name(paths.database.name + "-wal")):
                path.unlink(missing_ok=True)
            raise
        write_key_file(paths.key_file, key_file)
        vault = cls(paths, key_file)
        vault._key = bytearray(key)
        vault._db = db
        return vault

    @classmethod
    def open(cls, paths: ProfilePaths) -> Vault:
        """The vault of ``paths``, locked. Reads only the key file."""
        if not paths.key_file.exists():
            if paths.database.exists():
                raise KeyFileError(
                    _("The key file {name} is missing; the vault cannot be opened.").format(
                        name=paths.key_file.name
                    )
                )
            raise VaultNotFoundError(_("No vault in {path}.").format(path=paths.root))
        return cls(paths, read_key_file(paths.key_file))

    # -- state -------------------------------------------------------------------------------

    @property
    def vault_id(self) -> str:
        return self._key_file.vault_id

    @property
    def is_unlocked(self) -> bool:
        return self._db is not None

    @property
    def db(self) -> Database:
        if self._db is None:
            raise VaultLockedError(_("The vault is locked."))
        return self._db

    def open_connection(self) -> Database:
        """A separate connection for another thread (e.g. the sync worker)."""
        if self._key is None:
            raise VaultLockedError(_("The vault is locked."))
        from delegate_app.core.vault.database import Database

        return Database.open(self.paths.database, bytes(self._key))

    def add_lock_listener(self, listener: Callable[[], None]) -> None:
        self._lock_listeners.append(listener)

    # -- unlock and lock ---------------------------------------------------------------------

    def unlock(self, passphrase: str) -> None:
        """Unlock with the passphrase. Wrong passphrase: WrongPassphraseError, nothing written."""
        if self.is_unlocked:
            return
        self.throttle.check()
        try:
            key = unwrap_key(self._key_file.wrapped, passphrase)
        except UnwrapFailedError:
            self.throttle.record_failure()
            log.info("Unlock failed: wrong passphrase (attempt %d)", self.throttle.failures)
            raise WrongPassphraseError(_("Wrong passphrase.")) from None
        self._open_with_key(key)
        self.throttle.record_success()

    def unlock_with_keyring(self) -> bool:
        """Try the OS keyring copy. False (never an error) when it is absent or stale."""
        if self.is_unlocked:
            return True
        record = self._key_file.keyring
        if record is None:
            return False
        key = keyring_store.load_key(record)
        if key is None:
            return False
        try:
            self._open_with_key(key)
        except VaultError:
            log.warning("Key from the OS keyring did not open the vault; passphrase needed")
            return False
        return True

    def _open_with_key(self, key: bytes) -> None:
        from delegate_app.core.vault.database import Database

        db = Database.open(self.paths.database, key, cache_kib=MAIN_CACHE_KIB)
        try:
            db.migrate()
        except BaseException:
            db.close()
            raise
        self._key = bytearray(key)
        self._db = db

    def lock(self) -> None:
        """Close the database and forget the key (best effort: the bytes are overwritten)."""
        if self._db is not None:
            try:
                self._db.checkpoint()
            finally:
                self._db.close()
                self._db = None
        if self._key is not None:
            for index in range(len(self._key)):
                self._key[index] = 0
            self._key = None
        for listener in list(self._lock_listeners):
            listener()

    # -- passphrase and keyring ---------------------------------------------------------------

    def change_passphrase(self, old: str, new: str, *, kdf: KdfParams | None = None) -> None:
        """Rewrap the database key under ``new``; the database itself is not touched."""
        self.throttle.check()
        try:
            key = unwrap_key(self._key_file.wrapped, old)
        except UnwrapFailedError:
            self.throttle.record_failure()
            raise WrongPassphraseError(_("Wrong passphrase.")) from None
        self.throttle.record_success()
        updated = self._key_file.with_wrapped(wrap_key(key, new, kdf or self._key_file.wrapped.kdf))
        write_key_file(self.paths.key_file, updated)
        self._key_file = updated

    @property
    def keyring_record(self) -> KeyringRecord | None:
        return self._key_file.keyring

    def enable_keyring(self) -> bool:
        """Store a copy of the key in the OS keyring. Needs the vault unlocked."""
        if self._key is None:
            raise VaultLockedError(_("The vault is locked."))
        record = keyring_store.store_key(self.vault_id, bytes(self._key))
        if record is None:
            return False
        updated = self._key_file.with_keyring(record)
        write_key_file(self.paths.key_file, updated)
        self._key_file = updated
        return True

    def disable_keyring(self) -> None:
        record = self._key_file.keyring
        if record is None:
            return
        keyring_store.delete_key(record)
        updated = self._key_file.with_keyring(None)
        write_key_file(self.paths.key_file, updated)
        self._key_file = updated
