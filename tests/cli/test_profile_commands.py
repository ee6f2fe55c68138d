"""``delegatectl init``, ``status`` and ``passwd`` as scripts and IT staff use them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.helpers import delegatectl
from tests.conftest import PASSPHRASE


def _init(profile: Path) -> None:
    result = delegatectl(
        "init", "--profile", profile, "--name", "Amina Haddad", "--organisation", "Freedonia"
    )
    assert result.returncode == 0, result.stderr
    assert "Created profile" in result.stdout


def test_init_then_status_json(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    _init(profile)
    result = delegatectl("status", "--profile", profile, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["name"] == "Amina Haddad"
    assert data["organisation"] == "Freedonia"
    assert data["schema_version"] >= 1


def test_wrong_passphrase_is_one_line_no_traceback(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    _init(profile)
    result = delegatectl("status", "--profile", profile, passphrase="wrong passphrase")
    assert result.returncode == 1
    assert result.stderr.strip() == "delegatectl: Wrong passphrase."
    assert "Traceback" not in result.stderr


def test_missing_profile_is_a_clear_error(tmp_path: Path) -> None:
    result = delegatectl("status", "--profile", tmp_path / "nowhere")
    assert result.returncode == 1
    assert "No vault" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_passphrase_without_terminal(tmp_path: Path) -> None:
    result = delegatectl("status", "--profile", tmp_path / "p", passphrase=None)
    assert result.returncode in (1, 2)
    assert "Traceback" not in result.stderr


def test_init_refuses_short_passphrase_and_existing_profile(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    short = delegatectl(
        "init", "--profile", profile, "--name", "A", "--organisation", "B", passphrase="short"
    )
    assert short.returncode == 1 and "at least" in short.stderr
    assert not (profile / "vault.db").exists()
    _init(profile)
    again = delegatectl("init", "--profile", profile, "--name", "A", "--organisation", "B")
    assert again.returncode == 1 and "already exists" in again.stderr


def test_passwd_changes_the_passphrase(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    _init(profile)
    changed = delegatectl(
        "passwd", "--profile", profile, env={"DELEGATE_NEW_PASSPHRASE": "a brand new passphrase"}
    )
    assert changed.returncode == 0, changed.stderr
    assert delegatectl("status", "--profile", profile).returncode == 1
    assert (
        delegatectl("status", "--profile", profile, passphrase="a brand new passphrase").returncode
        == 0
    )
    assert PASSPHRASE != "a brand new passphrase"


def test_a_reader_that_stops_early_gets_no_error_line(tmp_path: Path) -> None:
    """``delegatectl policy schema | head -0``: the closed pipe is not reported as an error."""
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "delegate_app.cli", "policy", "schema"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    process.stdout.close()  # the reader is gone before anything is written
    _, err = process.communicate(timeout=60)
    assert err.decode() == ""
    assert process.returncode == 141  # 128 + SIGPIPE, like the shell's own tools


def test_profile_option_before_the_command(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    _init(profile)
    result = delegatectl("--profile", profile, "status", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["name"] == "Amina Haddad"
    # The same directory on both sides is fine; two different ones are refused, not guessed.
    same = delegatectl("--profile", profile, "status", "--profile", profile, "--json")
    assert same.returncode == 0, same.stderr
    other = delegatectl("--profile", profile, "status", "--profile", tmp_path / "q")
    assert other.returncode == 2
    assert "--profile given twice" in other.stderr
