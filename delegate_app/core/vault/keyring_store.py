"""The optional second copy of the database key in the OS keyring.

The passphrase-wrapped copy always exists too: a keyring that is reset, replaced
or unavailable must never lock a user out of their vault.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from delegate_app.core.vault.keyfile import KeyringRecord

log = logging.getLogger(__name__)
SERVICE = "Delegate vault key"


def _keyring() -> Any:
    """The keyring package, imported on first use: discovering backends is slow at start-up."""
    import keyring
    import keyring.errors

    return keyring


def backend_name() -> str:
    keyring = _keyring()
    backend = keyring.get_keyring()
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def keyring_usable() -> bool:
    """True when a real backend (not the 'fail' or 'null' ones) is configured."""
    keyring = _keyring()
    try:
        priority = keyring.get_keyring().priority
    except Exception:  # noqa: BLE001 - a broken backend is simply unusable
        return False
    return bool(priority > 0)


def store_key(vault_id: str, database_key: bytes) -> KeyringRecord | None:
    """Store the key; returns where it went, or None when the keyring refused."""
    keyring = _keyring()
    record = KeyringRecord(backend=backend_name(), service=SERVICE, username=f"vault-{vault_id}")
    try:
        keyring.set_password(record.service, record.username, database_key.hex())
    except keyring.errors.KeyringError as exc:
        log.warning("OS keyring refused to store the vault key: %s", type(exc).__name__)
        return None
    return record


def load_key(record: KeyringRecord) -> bytes | None:
    """The key from the keyring, or None when it is absent, unreadable or a different backend."""
    keyring = _keyring()
    if record.backend != backend_name():
        log.info("Vault key was stored in another keyring backend; passphrase needed")
        return None
    try:
        secret = keyring.get_password(record.service, record.username)
    except keyring.errors.KeyringError as exc:
        log.warning("OS keyring could not be read: %s", type(exc).__name__)
        return None
    if secret is None:
        return None
    try:
        return bytes.fromhex(secret)
    except ValueError:
        return None


def delete_key(record: KeyringRecord) -> None:
    keyring = _keyring()
    with contextlib.suppress(keyring.errors.KeyringError):
        keyring.delete_password(record.service, record.username)
