"""Windows registry policy through an injected reader: the mapping is tested on any OS."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from delegate_app.core import policy_sources
from delegate_app.core.errors import PolicyError
from delegate_app.core.policy import SPEC_BY_KEY, SPECS, Policy, Source
from delegate_app.core.policy_sources import (
    NOT_SET,
    RECOMMENDED_SUBKEY,
    REG_BINARY,
    REG_DWORD,
    REG_EXPAND_SZ,
    REG_MULTI_SZ,
    REG_QWORD,
    REG_SZ,
    REGISTRY_KEY,
    RegistryValue,
    read_registry_policy,
    registry_value_to_policy,
)

LOCKED_PATH = "HKLM\\Software\\Policies\\Delegate"
RECOMMENDED_PATH = "HKLM\\Software\\Policies\\Delegate\\Recommended"
ORG_KEY = "ab" * 32


class FakeRegistry:
    """Keys of HKLM as a dict; a missing entry is a key that does not exist."""

    def __init__(self, keys: dict[str, list[RegistryValue]]) -> None:
        self.keys = keys
        self.asked: list[str] = []

    def read_values(self, subkey: str) -> list[RegistryValue] | None:
        self.asked.append(subkey)
        return self.keys.get(subkey)


def policy_from(
    locked: list[RegistryValue] | None = None, recommended: list[RegistryValue] | None = None
) -> Policy:
    keys = {}
    if locked is not None:
        keys[REGISTRY_KEY] = locked
    if recommended is not None:
        keys[RECOMMENDED_SUBKEY] = recommended
    return Policy.from_raw(read_registry_policy(FakeRegistry(keys)))


def test_no_policy_key_means_no_organisation_policy() -> None:
    registry = FakeRegistry({})
    assert read_registry_policy(registry) is None
    assert registry.asked == [REGISTRY_KEY, RECOMMENDED_SUBKEY]


def test_values_under_the_key_are_locked_and_under_recommended_are_defaults() -> None:
    policy = policy_from(
        locked=[
            RegistryValue("relay_url", "https://relay.example.org/", REG_SZ),
            RegistryValue("auto_lock_minutes", 5, REG_DWORD),
        ],
        recommended=[
            RegistryValue("auto_lock_minutes", 30, REG_DWORD),
            RegistryValue("default_language", "fr", REG_SZ),
        ],
    )
    assert policy.value("relay_url") == "https://relay.example.org"
    assert policy.setting("relay_url").source is Source.ORGANISATION_LOCKED
    assert policy.setting("relay_url").origin == LOCKED_PATH
    assert policy.value("auto_lock_minutes") == 5  # the lock wins over the recommendation
    assert policy.value("default_language") == "fr"
    assert policy.setting("default_language").source is Source.ORGANISATION_DEFAULT
    assert policy.setting("default_language").origin == RECOMMENDED_PATH
    assert policy.setting("export_allowed").source is Source.BUILT_IN


def test_native_registry_types_map_onto_the_schema() -> None:
    policy = policy_from(
        locked=[
            RegistryValue("passphrase_required", 1, REG_DWORD),
            RegistryValue("keyring_allowed", 0, REG_DWORD),
            RegistryValue("max_import_mb", 250, REG_QWORD),
            RegistryValue("allowed_languages", ["en", "fr", "ar", ""], REG_MULTI_SZ),
            RegistryValue("default_language", "ar", REG_EXPAND_SZ),
            RegistryValue("classification_markings", ["OFFICIAL", "SECRET"], REG_MULTI_SZ),
            RegistryValue("forced_message_expiry_days", 0, REG_DWORD),
        ]
    )
    assert policy.value("passphrase_required") is True
    assert policy.value("keyring_allowed") is False
    assert policy.value("max_import_mb") == 250
    assert policy.value("allowed_languages") == ("en", "fr", "ar")
    assert policy.value("default_language") == "ar"
    assert policy.value("classification_markings") == ("OFFICIAL", "SECRET")
    assert policy.value("forced_message_expiry_days") is None  # 0: messages are kept
    assert policy.is_locked("forced_message_expiry_days")


WINDOWS_CA_FILE = r"C:\ProgramData\Delegate\relay-ca.pem"

# What `msiexec ... PROPERTY=text` writes: every value as REG_SZ text.
MSI_TEXT: dict[str, tuple[str, Any]] = {
    "relay_url": ("https://relay.mission.example/", "https://relay.mission.example"),
    "organisation_key": (ORG_KEY.upper(), ORG_KEY),
    "allow_plain_http_relays": ("1", True),
    "relay_ca_file": (WINDOWS_CA_FILE, WINDOWS_CA_FILE),
    "auto_lock_minutes": ("15", 15),
    "passphrase_required": ("true", True),
    "keyring_allowed": ("0", False),
    "default_language": ("es", "es"),
    "allowed_languages": ("en; es ;fr", ("en", "es", "fr")),
    "read_receipts": ("False", False),
    "forced_message_expiry_days": ("30", 30),
    "max_import_mb": ("512", 512),
    "notification_previews": ("1", True),
    "export_allowed": ("no", False),
    "classification_markings": (
        "UNCLASSIFIED;DIFFUSION RESTREINTE;CONFIDENTIAL",
        ("UNCLASSIFIED", "DIFFUSION RESTREINTE", "CONFIDENTIAL"),
    ),
    "default_classification": ("diffusion restreinte", "DIFFUSION RESTREINTE"),
    "require_classification": ("yes", True),
    "export_warning_level": ("CONFIDENTIAL", "CONFIDENTIAL"),
    "requests_per_sender": ("5", 5),
    "requests_kb_per_sender": ("256", 256),
    "requests_total": ("50", 50),
    "requests_kb_total": ("4096", 4096),
    "requests_expiry_days": ("7", 7),
}


def test_every_setting_can_be_written_as_text_by_the_msi() -> None:
    assert set(MSI_TEXT) == {spec.key for spec in SPECS}
    policy = policy_from(
        locked=[RegistryValue(key, text, REG_SZ) for key, (text, _expected) in MSI_TEXT.items()]
    )
    for key, (_text, expected) in MSI_TEXT.items():
        assert policy.value(key) == expected, key
        assert policy.is_locked(key)


def test_empty_text_means_not_set() -> None:
    """A property left off the msiexec command line writes an empty value: no policy."""
    policy = policy_from(
        locked=[RegistryValue(spec.key, "", REG_SZ) for spec in SPECS],
        recommended=[RegistryValue("auto_lock_minutes", "  ", REG_SZ)],
    )
    for spec in SPECS:
        assert policy.setting(spec.key).source is Source.BUILT_IN, spec.key
    spec = SPEC_BY_KEY["allowed_languages"]
    assert registry_value_to_policy(spec, RegistryValue("x", [""], REG_MULTI_SZ), "o") is NOT_SET


def test_value_names_match_without_regard_to_case_and_the_unnamed_value_is_ignored() -> None:
    policy = policy_from(
        locked=[
            RegistryValue("Auto_Lock_Minutes", 3, REG_DWORD),
            RegistryValue("", "anything", REG_SZ),
        ]
    )
    assert policy.value("auto_lock_minutes") == 3


def test_an_unknown_value_name_is_refused() -> None:
    with pytest.raises(PolicyError) as caught:
        policy_from(recommended=[RegistryValue("AutoLockMinutes", 3, REG_DWORD)])
    assert caught.value.key == "AutoLockMinutes"
    assert caught.value.source == RECOMMENDED_PATH
    assert RECOMMENDED_PATH in str(caught.value)


@pytest.mark.parametrize(
    ("value", "found"),
    [
        (RegistryValue("auto_lock_minutes", b"\x05\x00", REG_BINARY), "REG_BINARY"),
        (RegistryValue("auto_lock_minutes", "ten", REG_SZ), "'ten'"),
        (RegistryValue("auto_lock_minutes", "-5", REG_SZ), "'-5'"),
        (RegistryValue("relay_url", 1, REG_DWORD), "REG_DWORD"),
        (RegistryValue("passphrase_required", "maybe", REG_SZ), "'maybe'"),
        (RegistryValue("passphrase_required", ["1"], REG_MULTI_SZ), "REG_MULTI_SZ"),
        (RegistryValue("allowed_languages", 1, REG_DWORD), "REG_DWORD"),
        (RegistryValue("default_language", "fr", 99), "type 99"),
    ],
)
def test_a_value_of_the_wrong_type_names_the_key_the_place_and_the_type(
    value: RegistryValue, found: str
) -> None:
    with pytest.raises(PolicyError) as caught:
        policy_from(locked=[value])
    assert caught.value.key == value.name
    assert caught.value.source == LOCKED_PATH
    message = str(caught.value)
    assert f"'{value.name}'" in message
    assert LOCKED_PATH in message
    assert found in message


@pytest.mark.parametrize(
    ("value", "key"),
    [
        (RegistryValue("passphrase_required", 2, REG_DWORD), "passphrase_required"),
        (RegistryValue("auto_lock_minutes", 0, REG_DWORD), "auto_lock_minutes"),
        (RegistryValue("allowed_languages", ["en", "xx"], REG_MULTI_SZ), "allowed_languages"),
        (RegistryValue("relay_url", "relay.example.org", REG_SZ), "relay_url"),
    ],
)
def test_schema_validation_applies_to_registry_values(value: RegistryValue, key: str) -> None:
    with pytest.raises(PolicyError) as caught:
        policy_from(locked=[value])
    assert caught.value.key == key
    assert LOCKED_PATH in str(caught.value)


def test_windows_uses_the_registry_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = FakeRegistry({REGISTRY_KEY: [RegistryValue("read_receipts", 0, REG_DWORD)]})
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(policy_sources, "WinregReader", lambda: registry)
    raw = policy_sources.platform_source()
    assert raw is not None
    assert raw.origins == (LOCKED_PATH, RECOMMENDED_PATH)
    assert Policy.from_raw(raw).value("read_receipts") is False


def test_the_real_reader_refuses_to_run_off_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    with pytest.raises(PolicyError, match="only available on Windows"):
        policy_sources.WinregReader().read_values(REGISTRY_KEY)
