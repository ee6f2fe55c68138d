"""The profile as the GUI uses it: vault, policy, library and settings. Holds no widgets.

Methods here may block (key derivation, keyring access); the GUI calls the slow ones from a
worker task. Worker threads use their own connection from :meth:`Session.open_worker_library`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from delegate_app.core.errors import VaultNotFoundError
from delegate_app.core.paths import ProfilePaths
from delegate_app.core.policy import Policy
from delegate_app.core.preferences import Preferences, load_preferences, save_preferences
from delegate_app.core.vault import Vault
from delegate_app.i18n import _

if TYPE_CHECKING:
    # Loaded on first use (after the unlock screen has painted), see ui/preload.py.
    from delegate_app.core.documents.library import Library
    from delegate_app.core.mailroom import Mailroom
    from delegate_app.core.profile import ProfileInfo
    from delegate_app.core.search import Filters, Results, Scope
    from delegate_app.core.vault import Database


class Session:
    def __init__(self, paths: ProfilePaths, policy: Policy) -> None:
        self.paths = paths
        self.policy = policy
        self.vault: Vault | None = Vault.open(paths) if Vault.exists(paths) else None
        self._library: Library | None = None
        self._mailroom: Mailroom | None = None
        self._lock_listeners: list[Callable[[], None]] = []

    @property
    def has_vault(self) -> bool:
        return self.vault is not None

    @property
    def is_unlocked(self) -> bool:
        return self.vault is not None and self.vault.is_unlocked

    def create(self, info: ProfileInfo, passphrase: str) -> None:
        from delegate_app.core.profile import init_profile

        self.vault = init_profile(self.paths, info, passphrase, self.policy)
        self._library = None
        self._mailroom = None

    def _require_vault(self) -> Vault:
        if self.vault is None:
            raise VaultNotFoundError(_("No vault in {path}.").format(path=self.paths.root))
        return self.vault

    def unlock(self, passphrase: str) -> None:
        self._require_vault().unlock(passphrase)
        self._library = None
        self._mailroom = None

    def change_passphrase(self, current: str, new: str) -> None:
        """Rewrap the vault key under ``new`` (Argon2id: call from a worker thread).

        The new passphrase meets the policy first; a wrong current one changes nothing.
        """
        from delegate_app.core.profile import validate_new_passphrase

        validate_new_passphrase(new, self.policy)
        self._require_vault().change_passphrase(current, new)

    def unlock_with_keyring(self) -> bool:
        if self.vault is None or not self.keyring_permitted:
            return False
        return self.vault.unlock_with_keyring()

    @property
    def keyring_permitted(self) -> bool:
        """False only when the organisation locked the OS keyring off."""
        return not (
            self.policy.is_locked("keyring_allowed") and not self.policy.value("keyring_allowed")
        )

    @property
    def keyring_enabled(self) -> bool:
        """The key file records a copy of the key in the OS keyring."""
        return self.vault is not None and self.vault.keyring_record is not None

    @property
    def keyring_available(self) -> bool:
        """The unlock screen may offer "unlock with the system keyring"."""
        return self.keyring_enabled and self.keyring_permitted

    def set_keyring_enabled(self, enabled: bool) -> bool:
        """Store or remove the keyring copy of the key; False when no keyring could take it."""
        vault = self._require_vault()
        if not enabled:
            vault.disable_keyring()
            return True
        if not self.keyring_permitted:
            return False
        return vault.enable_keyring()

    def lock(self) -> None:
        self._library = None
        self._mailroom = None
        if self.vault is not None and self.vault.is_unlocked:
            self.vault.lock()
        for listener in list(self._lock_listeners):
            listener()

    def add_lock_listener(self, listener: Callable[[], None]) -> None:
        self._lock_listeners.append(listener)

    @property
    def db(self) -> Database:
        return self._require_vault().db

    @property
    def library(self) -> Library:
        if self._library is None:
            from delegate_app.core.documents.library import Library

            self._library = Library(self.db, self.policy)
        return self._library

    def search_everything(
        self,
        query: str,
        *,
        scopes: Sequence[Scope] | None = None,
        filters: Filters | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Results:
        """Documents, messages and comments matching ``query``, one page of each
        (delegate_app.core.search)."""
        from delegate_app.core.search import Scope, Search

        return Search(self.db, self.library).search(
            query, scopes=tuple(Scope) if scopes is None else scopes, filters=filters,
            limit=limit, offset=offset,
        )  # fmt: skip

    @property
    def mailroom(self) -> Mailroom:
        """Contacts, messages and sharing over the GUI thread's connection."""
        if self._mailroom is None:
            from delegate_app.core.mailroom import Mailroom

            self._mailroom = Mailroom.open(self.db, self.policy)
        return self._mailroom

    def open_worker_connection(self) -> Database:
        """A separate vault connection for a worker thread (the sync worker); close it after."""
        return self._require_vault().open_connection()

    def open_worker_library(self) -> tuple[Library, Database]:
        """A library on a separate connection, for a worker thread; close the Database after."""
        connection = self._require_vault().open_connection()
        from delegate_app.core.documents.library import Library

        return Library(connection, self.policy), connection

    def profile_info(self) -> ProfileInfo:
        from delegate_app.core.profile import read_profile_info

        return read_profile_info(self.db, self.policy)

    # preferences --------------------------------------------------------------------------

    def preferences(self) -> Preferences:
        return load_preferences(self.paths.preferences)

    def save_preferences(self, preferences: Preferences) -> None:
        self.paths.ensure_dirs()
        save_preferences(self.paths.preferences, preferences)

    def user_setting(self, key: str) -> Any:
        """A policy-governed setting as the user chose it, locks and limits applied."""
        stored = self.db.get_setting(f"pref.{key}") if self.is_unlocked else None
        value: object = None
        if stored is not None:
            value = int(stored) if stored.lstrip("-").isdigit() else stored == "true"
        return self.policy.resolve_user_choice(key, value)

    def set_user_setting(self, key: str, value: bool | int) -> None:
        if self.policy.is_locked(key):
            return
        text = str(value).lower() if isinstance(value, bool) else str(int(value))
        self.db.set_setting(f"pref.{key}", text)
