"""The wrong-passphrase delay outlives the process that counted the failures."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest

from delegate_app.core.errors import UnlockThrottledError, WrongPassphraseError
from delegate_app.core.paths import ProfilePaths
from delegate_app.core.vault import Vault
from delegate_app.core.vault.throttle import (
    FREE_ATTEMPTS,
    Attempts,
    AttemptsFile,
    UnlockThrottle,
)
from tests.cli.helpers import delegatectl
from tests.conftest import PASSPHRASE

THROTTLED = re.compile(r"^delegatectl: Too many wrong passphrases\. Try again in (\d+) seconds?\.$")


def test_wrong_passphrases_in_separate_delegatectl_processes_add_up(
    vault: Vault, profile_paths: ProfilePaths
) -> None:
    """Each attempt is a new process; before, each started from zero and none ever waited.

    The delay doubles from the fourth failure on (2, 4, 8 … s), so it soon outgrows a process
    start-up, however slow the machine: then a new process is refused without trying.
    """
    vault.lock()
    wrong_answers = 0
    refusal = None
    for _attempt in range(FREE_ATTEMPTS + 8):  # by then the delay is 512 s, capped at 300
        result = delegatectl("status", "--profile", profile_paths.root, passphrase="wrong guess")
        assert result.returncode == 1
        line = result.stderr.strip()
        if line == "delegatectl: Wrong passphrase.":
            wrong_answers += 1
            continue
        refusal = THROTTLED.match(line)
        assert refusal is not None, line
        break
    assert refusal is not None, "no process was ever made to wait"
    assert wrong_answers >= FREE_ATTEMPTS
    assert int(refusal.group(1)) > 0
    record = json.loads(profile_paths.unlock_attempts.read_text())
    assert record["failures"] == wrong_answers  # counted across every process, refusals not
    assert stat.S_IMODE(profile_paths.unlock_attempts.stat().st_mode) == 0o600


def test_a_restarted_app_waits_out_the_delay_of_the_last_session(
    vault: Vault, profile_paths: ProfilePaths
) -> None:
    vault.lock()
    first_session = Vault.open(profile_paths)
    for _ in range(FREE_ATTEMPTS):
        with pytest.raises(WrongPassphraseError):
            first_session.unlock("wrong guess")
    restarted = Vault.open(profile_paths)  # a new process reads only the files
    with pytest.raises(UnlockThrottledError):
        restarted.unlock(PASSPHRASE)  # even the right passphrase waits
    assert not restarted.is_unlocked


def test_success_forgets_the_count(vault: Vault, profile_paths: ProfilePaths) -> None:
    vault.lock()
    with pytest.raises(WrongPassphraseError):
        Vault.open(profile_paths).unlock("wrong guess")
    assert profile_paths.unlock_attempts.exists()
    Vault.open(profile_paths).unlock(PASSPHRASE)
    assert not profile_paths.unlock_attempts.exists()
    assert Vault.open(profile_paths).throttle.failures == 0


def test_the_record_is_written_atomically_owner_only(tmp_path: Path) -> None:
    store = AttemptsFile(tmp_path / "unlock-attempts.json")
    throttle = UnlockThrottle(clock=lambda: 1_800_000_000.0, store=store)
    for _ in range(FREE_ATTEMPTS + 1):
        throttle.record_failure()
    assert [p.name for p in tmp_path.iterdir()] == ["unlock-attempts.json"]  # no temp file left
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600 or os.name != "posix"
    assert store.load() == Attempts(failures=FREE_ATTEMPTS + 1, last_failure=1_800_000_000.0)


def _record(version: str, failures: str, last: str) -> bytes:
    return (
        f'{{"format": "delegate-unlock-attempts", "version": {version}, '
        f'"failures": {failures}, "last_failure": {last}}}'
    ).encode()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b"[]",
        _record("1", "-1", "0"),
        _record("1", "true", "0"),
        _record("1", '"3"', "0"),
        _record("1", "3", "1e999"),
        _record("1", "3", "NaN"),
        _record("2", "3", "0"),
        b"[" * 100_000,
    ],
)
def test_a_damaged_record_counts_as_none(tmp_path: Path, content: bytes) -> None:
    """Whoever can write the file can delete it: damage is no attack, and never a crash."""
    path = tmp_path / "unlock-attempts.json"
    path.write_bytes(content)
    assert AttemptsFile(path).load() == Attempts()


def test_a_clock_set_back_never_makes_the_wait_longer_than_the_delay(tmp_path: Path) -> None:
    now = [1_800_000_000.0]
    store = AttemptsFile(tmp_path / "unlock-attempts.json")
    throttle = UnlockThrottle(clock=lambda: now[0], store=store)
    for _ in range(FREE_ATTEMPTS + 1):
        throttle.record_failure()
    assert throttle.remaining() == 4.0
    now[0] -= 86_400  # the clock goes back a day
    assert UnlockThrottle(clock=lambda: now[0], store=store).remaining() == 4.0
    now[0] += 86_400 + 4.0
    assert UnlockThrottle(clock=lambda: now[0], store=store).remaining() == 0.0
