"""Shared fixtures. Tests run with Qt offscreen and never touch a real user keyring or policy."""

from __future__ import annotations

import atexit
import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Subprocesses (CLI tests) get no keyring unless a test gives them one.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
# No system policy leaks in from the machine running the tests.
os.environ["DELEGATE_POLICY_FILE"] = str(Path(__file__).parent / "data" / "empty_policy.json")

from delegate_app.core.crypto.keywrap import FAST_KDF
from delegate_app.core.paths import ProfilePaths, resolve_profile
from delegate_app.core.policy import Policy
from delegate_app.core.profile import ProfileInfo, init_profile
from delegate_app.core.vault import Vault
from tests.memory_keyring import MemoryKeyring
from tests.pg_server import PostgresMissingError, PostgresServer

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def default_policy() -> Policy:
    return Policy.from_raw(None)


@pytest.fixture
def profile_paths(tmp_path: Path) -> ProfilePaths:
    return resolve_profile(tmp_path / "profile")


@pytest.fixture
def vault(profile_paths: ProfilePaths, default_policy: Policy) -> Iterator[Vault]:
    """A freshly initialised, unlocked profile vault (fast KDF: tests make many)."""
    created = init_profile(
        profile_paths,
        ProfileInfo("Amina Haddad", "Mission of Freedonia", None),
        PASSPHRASE,
        default_policy,
        kdf=FAST_KDF,
    )
    try:
        yield created
    finally:
        if created.is_unlocked:
            created.lock()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the session (tests/pg_server.py); fails, never
    skips, when Debian's server binaries are missing."""
    try:
        server = PostgresServer()
    except PostgresMissingError as exc:
        pytest.fail(str(exc), pytrace=False)
    atexit.register(server.stop)  # also when the session is interrupted
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database on the session's server."""
    url = postgres_server.create_database()
    try:
        yield url
    finally:
        postgres_server.drop_database(url)
