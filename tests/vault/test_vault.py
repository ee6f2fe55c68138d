"""The vault: encryption at rest, passphrases, locking, corrupt files, permissions."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path

import pytest

from delegate_app.core.crypto.keywrap import FAST_KDF
from delegate_app.core.errors import (
    KeyFileError,
    UnlockThrottledError,
    VaultCorruptError,
    VaultExistsError,
    VaultLockedError,
    VaultNotFoundError,
    WrongPassphraseError,
)
from delegate_app.core.paths import ProfilePaths
from delegate_app.core.vault import Vault
from delegate_app.core.vault.throttle import FREE_ATTEMPTS, UnlockThrottle
from tests.conftest import PASSPHRASE

MARKER = "MARKER-7f3a9c-NEGOTIATING-POSITION"


def _profile_files(paths: ProfilePaths) -> list[Path]:
    return [p for p in paths.root.rglob("*") if p.is_file()]


def _temp_files() -> set[str]:
    return set(os.listdir(tempfile.gettempdir()))


def test_marker_absent_from_every_file_at_rest(vault: Vault) -> None:
    temp_before = _temp_files()
    with vault.db.transaction() as db:
        for index in range(200):  # enough pages that the WAL holds real content
            db.set_setting(f"test.{index}", f"{MARKER} {index} " + "x" * 200)
    wal = vault.paths.database.with_name("vault.db-wal")
    assert wal.exists() and wal.stat().st_size > 0, "the marker must have reached the WAL"
    for path in _profile_files(vault.paths):
        assert MARKER.encode() not in path.read_bytes(), path.name
    vault.lock()
    for path in _profile_files(vault.paths):
        data = path.read_bytes()
        assert MARKER.encode() not in data, path.name
        assert MARKER.encode("utf-16-le") not in data, path.name
    assert _temp_files() == temp_before


def test_database_header_is_not_plain_sqlite(vault: Vault) -> None:
    vault.lock()
    assert not vault.paths.database.read_bytes().startswith(b"SQLite format 3")


def test_files_are_owner_only(vault: Vault) -> None:
    vault.db.set_setting("k", "v")
    for path in _profile_files(vault.paths):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path.name} has mode {oct(mode)}"
    assert stat.S_IMODE(vault.paths.root.stat().st_mode) == 0o700


def test_unlock_round_trip_and_lock_forgets(vault: Vault) -> None:
    vault.db.set_setting("greeting", "salaam")
    vault.lock()
    assert not vault.is_unlocked
    with pytest.raises(VaultLockedError):
        _ = vault.db
    with pytest.raises(VaultLockedError):
        vault.open_connection()
    reopened = Vault.open(vault.paths)
    reopened.unlock(PASSPHRASE)
    assert reopened.db.get_setting("greeting") == "salaam"
    reopened.lock()


def test_wrong_passphrase_changes_nothing(vault: Vault) -> None:
    vault.lock()
    before = {p.name: p.read_bytes() for p in _profile_files(vault.paths)}
    reopened = Vault.open(vault.paths)
    with pytest.raises(WrongPassphraseError):
        reopened.unlock("not the passphrase")
    assert not reopened.is_unlocked
    after = {p.name: p.read_bytes() for p in _profile_files(vault.paths)}
    attempts = after.pop(vault.paths.unlock_attempts.name)  # the throttle's record, nothing else
    assert json.loads(attempts)["failures"] == 1
    assert after == before


def test_wrong_passphrases_grow_a_delay() -> None:
    now = [1000.0]
    throttle = UnlockThrottle(clock=lambda: now[0])
    delays = []
    for _ in range(FREE_ATTEMPTS + 3):
        throttle.check()
        throttle.record_failure()
        delays.append(throttle.remaining())
        now[0] += throttle.remaining()
    assert delays[: FREE_ATTEMPTS - 1] == [0.0] * (FREE_ATTEMPTS - 1)
    assert delays[FREE_ATTEMPTS - 1 :] == [2.0, 4.0, 8.0, 16.0]
    throttle.record_failure()
    with pytest.raises(UnlockThrottledError) as info:
        throttle.check()
    assert info.value.retry_after == 32.0
    throttle.record_success()
    throttle.check()


def test_vault_refuses_unlock_while_throttled(vault: Vault) -> None:
    vault.lock()
    reopened = Vault.open(vault.paths)
    for _ in range(FREE_ATTEMPTS):
        with pytest.raises(WrongPassphraseError):
            reopened.unlock("wrong")
    with pytest.raises(UnlockThrottledError):
        reopened.unlock(PASSPHRASE)  # even the right one must wait
    assert not reopened.is_unlocked


def test_change_passphrase_rewraps_only(vault: Vault) -> None:
    vault.db.set_setting("k", "v")
    vault.lock()
    db_before = vault.paths.database.read_bytes()
    reopened = Vault.open(vault.paths)
    with pytest.raises(WrongPassphraseError):
        reopened.change_passphrase("wrong", "new passphrase 2")
    reopened.change_passphrase(PASSPHRASE, "new passphrase 2")
    assert vault.paths.database.read_bytes() == db_before
    fresh = Vault.open(vault.paths)
    with pytest.raises(WrongPassphraseError):
        fresh.unlock(PASSPHRASE)
    fresh.throttle.record_success()
    fresh.unlock("new passphrase 2")
    assert fresh.db.get_setting("k") == "v"
    fresh.lock()


def test_create_refuses_existing_vault(vault: Vault) -> None:
    with pytest.raises(VaultExistsError):
        Vault.create(vault.paths, PASSPHRASE, kdf=FAST_KDF)


def test_open_missing_profile(profile_paths: ProfilePaths) -> None:
    with pytest.raises(VaultNotFoundError):
        Vault.open(profile_paths)


def test_missing_key_file_is_a_clear_error(vault: Vault) -> None:
    vault.lock()
    vault.paths.key_file.unlink()
    with pytest.raises(KeyFileError, match="missing"):
        Vault.open(vault.paths)


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b'{"format": "something-else"}', b'{"format": "delegate-keyfile"}'],
)
def test_corrupt_key_file_is_refused_untouched(vault: Vault, content: bytes) -> None:
    vault.lock()
    vault.paths.key_file.write_bytes(content)
    with pytest.raises(KeyFileError):
        Vault.open(vault.paths)
    assert vault.paths.key_file.read_bytes() == content


def test_corrupt_database_is_refused_untouched(vault: Vault) -> None:
    vault.lock()
    db_path = vault.paths.database
    for suffix in ("-wal", "-shm"):
        db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    damaged = bytearray(db_path.read_bytes())
    damaged[0:64] = os.urandom(64)  # destroys the salt in the header
    db_path.write_bytes(bytes(damaged))
    reopened = Vault.open(vault.paths)
    with pytest.raises(VaultCorruptError):
        reopened.unlock(PASSPHRASE)
    assert db_path.read_bytes() == bytes(damaged)
    assert not reopened.is_unlocked


def test_foreign_file_is_refused_untouched(vault: Vault, tmp_path: Path) -> None:
    vault.lock()
    other = tmp_path / "other"
    stranger = Vault.create(
        ProfilePaths(root=other, log_dir=other / "logs"), "another passphrase", kdf=FAST_KDF
    )
    stranger.lock()
    foreign = (other / "vault.db").read_bytes()
    for suffix in ("", "-wal", "-shm"):
        vault.paths.database.with_name("vault.db" + suffix).unlink(missing_ok=True)
    vault.paths.database.write_bytes(foreign)
    reopened = Vault.open(vault.paths)
    with pytest.raises(VaultCorruptError):
        reopened.unlock(PASSPHRASE)
    assert vault.paths.database.read_bytes() == foreign


def test_second_connection_sees_commits(vault: Vault) -> None:
    worker = vault.open_connection()
    try:
        with worker.transaction() as db:
            db.set_setting("from-worker", "yes")
        assert vault.db.get_setting("from-worker") == "yes"
    finally:
        worker.close()


def test_transaction_rolls_back_on_error(vault: Vault) -> None:
    with pytest.raises(RuntimeError), vault.db.transaction() as db:
        db.set_setting("half", "done")
        raise RuntimeError("crash mid-way")
    assert vault.db.get_setting("half") is None


def test_kdf_limits_written_out_are_libsodiums() -> None:
    """keywrap states Argon2id's limits itself (so the unlock screen need not load libsodium)."""
    import nacl.pwhash

    from delegate_app.core.crypto import keywrap

    argon2id = nacl.pwhash.argon2id
    assert keywrap.SALT_BYTES == argon2id.SALTBYTES
    assert (keywrap.OPSLIMIT_MIN, keywrap.OPSLIMIT_MAX) == (
        argon2id.OPSLIMIT_MIN,
        argon2id.OPSLIMIT_MAX,
    )
    assert (keywrap.MEMLIMIT_MIN, keywrap.MEMLIMIT_MAX) == (
        argon2id.MEMLIMIT_MIN,
        argon2id.MEMLIMIT_MAX,
    )
