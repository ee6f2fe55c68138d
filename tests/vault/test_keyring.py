"""The OS keyring copy of the vault key: optional, and never the only way in."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from delegate_app.core.vault import Vault
from delegate_app.core.vault.keyfile import read_key_file
from tests.conftest import PASSPHRASE
from tests.memory_keyring import MemoryKeyring


def test_keyring_unlock_and_backend_recorded(vault: Vault, memory_keyring: MemoryKeyring) -> None:
    assert vault.enable_keyring()
    record = read_key_file(vault.paths.key_file).keyring
    assert record is not None
    assert record.backend.endswith("MemoryKeyring")
    vault.db.set_setting("k", "v")
    vault.lock()
    reopened = Vault.open(vault.paths)
    assert reopened.unlock_with_keyring()
    assert reopened.db.get_setting("k") == "v"
    reopened.lock()


def test_lost_keyring_falls_back_to_passphrase(vault: Vault, memory_keyring: MemoryKeyring) -> None:
    assert vault.enable_keyring()
    vault.lock()
    memory_keyring.secrets.clear()  # the keyring was reset, as happens on OS reinstalls
    reopened = Vault.open(vault.paths)
    assert not reopened.unlock_with_keyring()
    reopened.unlock(PASSPHRASE)
    assert reopened.is_unlocked
    reopened.lock()


def test_wrong_key_in_keyring_falls_back(vault: Vault, memory_keyring: MemoryKeyring) -> None:
    assert vault.enable_keyring()
    vault.lock()
    for name in list(memory_keyring.secrets):
        memory_keyring.secrets[name] = "00" * 32
    reopened = Vault.open(vault.paths)
    assert not reopened.unlock_with_keyring()
    assert not reopened.is_unlocked


def test_disable_keyring_removes_copy(vault: Vault, memory_keyring: MemoryKeyring) -> None:
    assert vault.enable_keyring()
    vault.disable_keyring()
    assert memory_keyring.secrets == {}
    assert read_key_file(vault.paths.key_file).keyring is None


@pytest.fixture
def secret_service(tmp_path: Path) -> Iterator[keyring.backend.KeyringBackend]:
    """A real gnome-keyring Secret Service on the session bus `make test` starts."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS") or not shutil.which("gnome-keyring-daemon"):
        pytest.fail("needs a D-Bus session with gnome-keyring: run the suite through `make test`")
    home = tmp_path / "keyring-home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home), XDG_DATA_HOME=str(home / "data"))
    subprocess.run(
        ["gnome-keyring-daemon", "--replace", "--unlock", "--components=secrets", "--daemonize"],
        input=b"keyring-test-password",
        env=env,
        capture_output=True,
        check=True,
        timeout=30,
    )
    from keyring.backends.SecretService import Keyring as SecretServiceKeyring

    previous = keyring.get_keyring()
    backend = SecretServiceKeyring()  # type: ignore[no-untyped-call]
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def test_real_secret_service_round_trip(
    vault: Vault, secret_service: keyring.backend.KeyringBackend
) -> None:
    assert vault.enable_keyring()
    record = read_key_file(vault.paths.key_file).keyring
    assert record is not None and "SecretService" in record.backend
    vault.lock()
    reopened = Vault.open(vault.paths)
    assert reopened.unlock_with_keyring()
    reopened.disable_keyring()
    assert secret_service.get_password(record.service, record.username) is None
    reopened.lock()
