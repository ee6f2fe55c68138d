"""``delegatectl policy show/check/schema``: no profile, no passphrase, clear errors."""

from __future__ import annotations

import json
import os
import plistlib
from pathlib import Path
from typing import Any

import pytest

from delegate_app.cli import main
from delegate_app.core.policy import POLICY_ENV_VAR, SPECS
from tests.cli.helpers import delegatectl


def write_policy(path: Path, locked: dict[str, Any], defaults: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"policy_version": 1, "locked": locked, "defaults": defaults}))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def staged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = write_policy(
        tmp_path / "policy.json",
        locked={"relay_url": "https://relay.example.org", "auto_lock_minutes": 5},
        defaults={"default_language": "fr", "allowed_languages": ["en", "fr"]},
    )
    monkeypatch.setenv(POLICY_ENV_VAR, str(path))
    return path


def test_show_json_gives_every_setting_its_value_and_origin(
    staged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "policy", "show", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["policy_version"] == 1
    assert data["sources"] == [str(staged)]
    settings = data["settings"]
    assert set(settings) == {spec.key for spec in SPECS}
    assert settings["relay_url"] == {
        "value": "https://relay.example.org",
        "source": "organisation_locked",
        "source_label": "set by your organisation",
        "locked": True,
        "origin": str(staged),
    }
    assert settings["default_language"]["source"] == "organisation_default"
    assert settings["default_language"]["locked"] is False
    assert settings["allowed_languages"]["value"] == ["en", "fr"]
    assert settings["max_import_mb"] == {
        "value": 100,
        "source": "built_in",
        "source_label": "built-in default",
        "locked": False,
        "origin": None,
    }


def test_show_prints_a_table_people_can_read(
    staged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = run(capsys, "policy", "show")
    assert code == 0
    assert f"Policy source: {staged}" in out
    lines = {line.split()[0]: line for line in out.splitlines()[2:] if line.strip()}
    assert "5" in lines["auto_lock_minutes"].split()
    assert f"set by your organisation ({staged})" in lines["auto_lock_minutes"]
    assert "organisation default" in lines["default_language"]
    assert lines["relay_url"].split()[1] == "https://relay.example.org"
    assert "(none)" in lines["organisation_key"]
    assert "built-in default" in lines["export_allowed"]


def test_show_with_no_policy_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(POLICY_ENV_VAR, str(write_policy(tmp_path / "p.json", {}, {})))
    code, out, _err = run(capsys, "policy", "show", "--json")
    assert code == 0
    assert all(s["source"] == "built_in" for s in json.loads(out)["settings"].values())


def test_show_warns_when_users_could_change_the_file(
    staged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    staged.chmod(0o666)
    code, _out, err = run(capsys, "policy", "show")
    assert code == 0
    assert "can be changed by users other than root" in err


def test_an_invalid_policy_is_one_line_naming_the_key_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_policy(tmp_path / "p.json", {"keyring_allowed": "no"}, {})
    monkeypatch.setenv(POLICY_ENV_VAR, str(path))
    code, out, err = run(capsys, "policy", "show", "--json")
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("delegatectl: Policy setting 'keyring_allowed'")
    assert str(path) in err


def test_check_accepts_a_good_file_and_counts_its_sections(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_policy(tmp_path / "p.json", {"export_allowed": False}, {"read_receipts": False})
    code, out, _err = run(capsys, "policy", "check", str(path), "--json")
    assert code == 0
    assert json.loads(out) == {
        "valid": True,
        "file": str(path),
        "locked": ["export_allowed"],
        "defaults": ["read_receipts"],
    }
    code, out, _err = run(capsys, "policy", "check", str(path))
    assert out.strip() == f"{path} is a valid policy: 1 locked, 1 default."


def test_check_refuses_a_bad_file_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_policy(tmp_path / "p.json", {}, {"max_import_mb": 0})
    code, _out, err = run(capsys, "policy", "check", str(path))
    assert code == 1
    assert "'max_import_mb'" in err


def test_check_reads_a_macos_plist_as_locked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "org.delegate.Delegate.plist"
    path.write_bytes(plistlib.dumps({"auto_lock_minutes": 2, "keyring_allowed": False}))
    code, out, _err = run(capsys, "policy", "check", str(path), "--json")
    assert code == 0
    assert json.loads(out)["locked"] == ["auto_lock_minutes", "keyring_allowed"]


def test_shipped_example_policy_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    example = Path(__file__).resolve().parents[2] / "packaging" / "policy" / "policy.json"
    code, out, err = run(capsys, "policy", "check", str(example), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data["locked"]) | set(data["defaults"]) == {spec.key for spec in SPECS}


def test_schema_lists_every_setting_with_its_type_and_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _err = run(capsys, "policy", "schema", "--json")
    assert code == 0
    entries = json.loads(out)
    assert [entry["key"] for entry in entries] == [spec.key for spec in SPECS]
    by_key = {entry["key"]: entry for entry in entries}
    assert by_key["auto_lock_minutes"]["type"] == "integer"
    assert by_key["auto_lock_minutes"]["default"] == 10
    assert by_key["allowed_languages"]["type"] == "list"
    assert by_key["relay_url"]["default"] is None
    code, out, _err = run(capsys, "policy", "schema")
    assert "forced_message_expiry_days" in out


def test_the_real_command_needs_no_profile_and_no_passphrase(staged: Path, tmp_path: Path) -> None:
    empty_home = tmp_path / "nobody"
    empty_home.mkdir()
    env = {"HOME": str(empty_home), "XDG_DATA_HOME": str(empty_home / "data")}
    result = delegatectl("policy", "show", "--json", passphrase=None, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["settings"]["auto_lock_minutes"]["value"] == 5
    assert not (empty_home / "data").exists()  # no profile was created or looked for
    assert os.environ[POLICY_ENV_VAR] == str(staged)
