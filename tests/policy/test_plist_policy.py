"""macOS managed preferences: managed keys locked, machine-wide preferences as defaults."""

from __future__ import annotations

import plistlib
import sys
from pathlib import Path
from typing import Any

import pytest

from delegate_app.core import policy_sources
from delegate_app.core.errors import PolicyError
from delegate_app.core.policy import SPEC_BY_KEY, SPECS, Policy, RawPolicy, Source
from delegate_app.core.policy_sources import read_macos_policy, read_plist_policy_file

ROOT = Path(__file__).resolve().parents[2]


def write_plist(path: Path, data: Any) -> Path:
    with path.open("wb") as handle:
        plistlib.dump(data, handle)
    return path


def test_no_files_means_no_organisation_policy(tmp_path: Path) -> None:
    assert read_macos_policy(tmp_path / "managed.plist", tmp_path / "prefs.plist") is None


def test_managed_keys_are_locked_and_preferences_are_defaults(tmp_path: Path) -> None:
    managed = write_plist(
        tmp_path / "managed.plist",
        {
            "relay_url": "https://relay.example.org",
            "auto_lock_minutes": 3,
            "keyring_allowed": False,
            "allowed_languages": ["en", "fr"],
            "forced_message_expiry_days": 0,
        },
    )
    prefs = write_plist(
        tmp_path / "prefs.plist", {"default_language": "fr", "auto_lock_minutes": 20}
    )
    raw = read_macos_policy(managed, prefs)
    assert raw is not None
    assert raw.origins == (str(managed), str(prefs))
    policy = Policy.from_raw(raw)
    assert policy.value("auto_lock_minutes") == 3
    assert policy.is_locked("auto_lock_minutes")
    assert policy.value("keyring_allowed") is False
    assert policy.value("allowed_languages") == ("en", "fr")
    assert policy.value("forced_message_expiry_days") is None
    assert policy.value("default_language") == "fr"
    assert policy.setting("default_language").source is Source.ORGANISATION_DEFAULT
    assert policy.setting("default_language").origin == str(prefs)


def test_defaults_alone_are_a_policy(tmp_path: Path) -> None:
    prefs = write_plist(tmp_path / "prefs.plist", {"read_receipts": False})
    raw = read_macos_policy(tmp_path / "absent.plist", prefs)
    assert raw is not None
    assert Policy.from_raw(raw).setting("read_receipts").source is Source.ORGANISATION_DEFAULT


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("passphrase_required", 1, "<true/> or <false/>"),
        ("auto_lock_minutes", "10", "<integer>"),
        ("auto_lock_minutes", True, "<integer>"),
        ("relay_url", ["https://a.example"], "<string>"),
        ("allowed_languages", "en", "<array>"),
        ("classification_markings", ["OK", 3], "<array>"),
        ("max_import_mb", 1.5, "<integer>"),
    ],
)
def test_a_value_of_the_wrong_type_names_the_key(
    tmp_path: Path, key: str, value: Any, expected: str
) -> None:
    managed = write_plist(tmp_path / "managed.plist", {key: value})
    with pytest.raises(PolicyError) as caught:
        read_macos_policy(managed, tmp_path / "absent.plist")
    assert caught.value.key == key
    assert caught.value.source == str(managed)
    assert expected in str(caught.value)


def test_an_unknown_key_and_a_broken_file_are_refused(tmp_path: Path) -> None:
    managed = write_plist(tmp_path / "managed.plist", {"AutoLock": 3})
    with pytest.raises(PolicyError, match="AutoLock"):
        read_macos_policy(managed, tmp_path / "absent.plist")
    broken = tmp_path / "broken.plist"
    broken.write_bytes(b"<?xml version='1.0'?><plist><dict><key>x</key>")
    with pytest.raises(PolicyError, match="not a valid property list"):
        read_macos_policy(broken, tmp_path / "absent.plist")
    array = write_plist(tmp_path / "array.plist", ["auto_lock_minutes"])
    with pytest.raises(PolicyError, match="dictionary"):
        read_macos_policy(tmp_path / "absent.plist", array)


def test_schema_validation_applies_to_plist_values(tmp_path: Path) -> None:
    managed = write_plist(tmp_path / "managed.plist", {"auto_lock_minutes": 100000})
    raw = read_macos_policy(managed, tmp_path / "absent.plist")
    with pytest.raises(PolicyError) as caught:
        Policy.from_raw(raw)
    assert caught.value.key == "auto_lock_minutes"
    assert str(managed) in str(caught.value)


def test_one_file_can_be_checked_on_its_own(tmp_path: Path) -> None:
    managed = write_plist(tmp_path / "org.delegate.Delegate.plist", {"export_allowed": False})
    raw = read_plist_policy_file(managed)
    assert Policy.from_raw(raw).is_locked("export_allowed")
    with pytest.raises(PolicyError, match="does not exist"):
        read_plist_policy_file(tmp_path / "absent.plist")


def test_macos_reads_the_managed_preferences(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    managed = write_plist(tmp_path / "managed.plist", {"notification_previews": True})
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(policy_sources, "MACOS_MANAGED_PATH", managed)
    monkeypatch.setattr(policy_sources, "MACOS_DEFAULTS_PATH", tmp_path / "absent.plist")
    raw = policy_sources.platform_source()
    assert raw is not None
    assert Policy.from_raw(raw).value("notification_previews") is True


def test_the_shipped_configuration_profile_holds_a_valid_policy() -> None:
    """packaging/macos's example profile: its payload is exactly what macOS will manage."""
    with (ROOT / "packaging" / "macos" / "org.delegate.Delegate.mobileconfig").open("rb") as f:
        profile = plistlib.load(f)
    assert profile["PayloadType"] == "Configuration"
    assert profile["PayloadScope"] == "System"
    (payload,) = profile["PayloadContent"]
    assert payload["PayloadType"] == "org.delegate.Delegate"
    settings = {k: v for k, v in payload.items() if not k.startswith("Payload")}
    assert set(settings) == {spec.key for spec in SPECS}
    section = {
        key: policy_sources.plist_value_to_policy(SPEC_BY_KEY[key], value, "p")
        for key, value in settings.items()
    }
    policy = Policy.from_raw(RawPolicy("profile", section, {}))
    assert all(policy.is_locked(spec.key) for spec in SPECS)
