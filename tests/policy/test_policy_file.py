"""The JSON policy file: precedence, locking, and errors that name the key."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from delegate_app.core import policy_sources
from delegate_app.core.errors import PolicyError
from delegate_app.core.policy import (
    POLICY_ENV_VAR,
    SPECS,
    Policy,
    RawPolicy,
    Source,
    load_policy,
    read_policy_file,
    system_policy_source,
)


def write_policy(path: Path, locked: dict[str, Any], defaults: dict[str, Any]) -> Path:
    document = {"policy_version": 1, "locked": locked, "defaults": defaults}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_without_a_policy_every_setting_is_its_built_in_default() -> None:
    policy = Policy.from_raw(None)
    for spec in SPECS:
        setting = policy.setting(spec.key)
        assert setting.value == spec.default
        assert setting.source is Source.BUILT_IN
        assert setting.origin is None
        assert not setting.locked


def test_locked_beats_default_beats_built_in(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path / "policy.json",
        locked={"auto_lock_minutes": 5, "keyring_allowed": False},
        defaults={"auto_lock_minutes": 30, "default_language": "fr", "read_receipts": False},
    )
    policy = Policy.from_raw(read_policy_file(path))

    assert policy.value("auto_lock_minutes") == 5
    assert policy.setting("auto_lock_minutes").source is Source.ORGANISATION_LOCKED
    assert policy.is_locked("keyring_allowed")
    assert policy.value("default_language") == "fr"
    assert policy.setting("default_language").source is Source.ORGANISATION_DEFAULT
    assert not policy.is_locked("default_language")
    assert policy.setting("read_receipts").origin == str(path)
    assert policy.setting("max_import_mb").source is Source.BUILT_IN


def test_users_may_change_defaults_but_never_locked_settings(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path / "policy.json",
        locked={"auto_lock_minutes": 5},
        defaults={"read_receipts": False},
    )
    policy = Policy.from_raw(read_policy_file(path))
    assert policy.resolve_user_choice("auto_lock_minutes", 60) == 5
    assert policy.resolve_user_choice("read_receipts", True) is True
    assert policy.resolve_user_choice("read_receipts", None) is False
    assert policy.resolve_user_choice("read_receipts", "maybe") is False  # invalid choice loses


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("auto_lock_minutes", 0),
        ("auto_lock_minutes", "10"),
        ("auto_lock_minutes", True),
        ("passphrase_required", "yes"),
        ("relay_url", "ftp://relay.example.org"),
        ("organisation_key", "abc"),
        ("default_language", "de"),
        ("allowed_languages", []),
        ("forced_message_expiry_days", 0),
        ("max_import_mb", 5000),
        ("classification_markings", ["SECRET", ""]),
        ("allow_plain_http_relays", "yes"),
        ("relay_ca_file", "relative/ca.pem"),
        ("relay_ca_file", "C:ca.pem"),
        ("relay_ca_file", 7),
    ],
)
def test_an_invalid_value_names_its_key_and_the_file(tmp_path: Path, key: str, value: Any) -> None:
    path = write_policy(tmp_path / "policy.json", locked={key: value}, defaults={})
    with pytest.raises(PolicyError) as caught:
        Policy.from_raw(read_policy_file(path))
    assert caught.value.key == key
    assert caught.value.source == str(path)
    assert f"'{key}'" in str(caught.value)
    assert str(path) in str(caught.value)


def test_an_unknown_key_is_refused_not_ignored(tmp_path: Path) -> None:
    path = write_policy(tmp_path / "policy.json", locked={}, defaults={"auto_lock_minute": 5})
    with pytest.raises(PolicyError, match="auto_lock_minute") as caught:
        Policy.from_raw(read_policy_file(path))
    assert caught.value.key == "auto_lock_minute"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"locked": {', "not valid JSON"),
        ("[]", "JSON object"),
        ('{"locked": {}, "enforced": {}}', "enforced"),
        ('{"policy_version": 2}', "policy_version"),
        ('{"locked": []}', "'locked'"),
    ],
)
def test_a_malformed_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "policy.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match=message):
        read_policy_file(path)


def test_a_file_that_is_not_utf8_or_cannot_be_read_is_refused(tmp_path: Path) -> None:
    latin = tmp_path / "latin.json"
    latin.write_bytes(
        '{"defaults": {"classification_markings": ["DIFFUSION RESTREINTE é"]}}'.encode("latin-1")
    )
    with pytest.raises(PolicyError, match="UTF-8"):
        read_policy_file(latin)
    with pytest.raises(PolicyError, match="Cannot read"):
        read_policy_file(tmp_path / "missing.json")


def test_inconsistent_settings_are_refused(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path / "policy.json",
        locked={"allowed_languages": ["en", "fr"]},
        defaults={"default_language": "ar"},
    )
    with pytest.raises(PolicyError) as caught:
        Policy.from_raw(read_policy_file(path))
    assert caught.value.key == "default_language"


def test_the_environment_variable_overrides_the_system_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_policy(tmp_path / "staged.json", locked={"export_allowed": False}, defaults={})
    monkeypatch.setenv(POLICY_ENV_VAR, str(path))
    policy = load_policy()
    assert policy.value("export_allowed") is False
    assert policy.setting("export_allowed").origin == str(path)


def test_an_invalid_override_stops_loading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(POLICY_ENV_VAR, str(tmp_path / "absent.json"))
    with pytest.raises(PolicyError):
        load_policy()


def test_linux_reads_etc_delegate_policy_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_policy(tmp_path / "policy.json", locked={"max_import_mb": 20}, defaults={})
    monkeypatch.delenv(POLICY_ENV_VAR)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(policy_sources, "LINUX_POLICY_PATH", path)
    raw = system_policy_source()
    assert raw is not None
    assert raw.origins == (str(path),)
    assert Policy.from_raw(raw).value("max_import_mb") == 20

    monkeypatch.setattr(policy_sources, "LINUX_POLICY_PATH", tmp_path / "none.json")
    assert system_policy_source() is None


def test_defaults_carry_their_own_origin() -> None:
    raw = RawPolicy(
        origin="locked-place",
        locked={"read_receipts": False},
        defaults={"auto_lock_minutes": 15},
        defaults_origin="default-place",
    )
    policy = Policy.from_raw(raw)
    assert raw.origins == ("locked-place", "default-place")
    assert policy.setting("read_receipts").origin == "locked-place"
    assert policy.setting("auto_lock_minutes").origin == "default-place"
    bad = RawPolicy("locked-place", {}, {"auto_lock_minutes": -1}, defaults_origin="default-place")
    with pytest.raises(PolicyError, match="default-place") as caught:
        Policy.from_raw(bad)
    assert caught.value.source == "default-place"
