"""The managed policy: one typed schema for every source.

IT staff set values in a system-wide source; each value is either *locked*
(users cannot change it) or a *default* (users may change it). On Linux the
source is ``/etc/delegate/policy.json``; ``DELEGATE_POLICY_FILE`` overrides the
path (for tests and for IT staging a file). Other operating systems add their
own sources (see :mod:`delegate_app.core.policy_sources`) that yield the same
``{"locked": {...}, "defaults": {...}}`` shape.

An invalid source is never ignored: :class:`PolicyError` names the key, and the
app refuses to start rather than run with weaker settings than IT asked for.
"""

from __future__ import annotations

import json
import ntpath
import os
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from delegate_app.core.errors import PolicyError
from delegate_app.i18n import _

POLICY_ENV_VAR = "DELEGATE_POLICY_FILE"
LINUX_POLICY_PATH = Path("/etc/delegate/policy.json")
SUPPORTED_LANGUAGES = ("en", "ar", "zh_CN", "fr", "ru", "es", "en_XA")
DEFAULT_CLASSIFICATIONS = ("UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL")


class ValueKind(Enum):
    """The type of a setting's value, for sources without JSON's types (registry, plist)."""

    BOOLEAN = "boolean"
    INTEGER = "integer"
    TEXT = "text"
    LIST = "list"


class Source(Enum):
    BUILT_IN = "built-in default"
    ORGANISATION_DEFAULT = "organisation default"
    ORGANISATION_LOCKED = "set by your organisation"
    USER = "user"


def _bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):  # registry DWORDs
        return bool(value)
    raise PolicyError(f"Policy setting '{key}' must be true or false.", key=key)


def _int_range(low: int, high: int) -> Callable[[str, Any], int]:
    def check(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise PolicyError(
                f"Policy setting '{key}' must be a whole number from {low} to {high}.", key=key
            )
        return value

    return check


def _optional_int_range(low: int, high: int) -> Callable[[str, Any], int | None]:
    inner = _int_range(low, high)

    def check(key: str, value: Any) -> int | None:
        return None if value is None else inner(key, value)

    return check


def _relay_url(key: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PolicyError(f"Policy setting '{key}' must be a URL.", key=key)
    parsed = urlparse(value)
    if parsed.scheme not in ("https", "http") or not parsed.hostname:
        raise PolicyError(f"Policy setting '{key}' must be an http(s) URL.", key=key)
    return value.rstrip("/")


def _optional_path(key: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    absolute = isinstance(value, str) and (
        posixpath.isabs(value) or bool(ntpath.splitdrive(value)[0] and ntpath.isabs(value))
    )
    if not absolute or "\x00" in value:
        raise PolicyError(f"Policy setting '{key}' must be an absolute file path.", key=key)
    return str(value)


def _org_key(key: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) != 64:
        raise PolicyError(
            f"Policy setting '{key}' must be a 64-character hex Ed25519 public key.", key=key
        )
    try:
        bytes.fromhex(value)
    except ValueError:
        raise PolicyError(
            f"Policy setting '{key}' must be a 64-character hex Ed25519 public key.", key=key
        ) from None
    return value.lower()


def _language(key: str, value: Any) -> str:
    if value not in SUPPORTED_LANGUAGES:
        raise PolicyError(
            f"Policy setting '{key}' must be one of: {', '.join(SUPPORTED_LANGUAGES)}.", key=key
        )
    return str(value)


def _language_list(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise PolicyError(f"Policy setting '{key}' must be a non-empty list.", key=key)
    return tuple(_language(key, item) for item in value)


def _string_list(key: str, value: Any) -> tuple[str, ...]:
    if (
        not isinstance(value, list | tuple)
        or not value
        or not all(isinstance(item, str) and item.strip() for item in value)
    ):
        raise PolicyError(f"Policy setting '{key}' must be a non-empty list of text.", key=key)
    return tuple(item.strip() for item in value)


def _optional_text(key: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not value.strip():
        raise PolicyError(f"Policy setting '{key}' must be text.", key=key)
    return value.strip()


@dataclass(frozen=True)
class SettingSpec:
    key: str
    default: Any
    parse: Callable[[str, Any], Any]
    description: str
    kind: ValueKind = ValueKind.TEXT

    @property
    def optional(self) -> bool:
        """Whether "no value" (JSON null) is a valid setting, as for the relay URL."""
        return self.default is None


SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("relay_url", None, _relay_url, "Relay that carries this organisation's mail."),
    SettingSpec("organisation_key", None, _org_key, "Ed25519 key that signs trusted cards."),
    SettingSpec(
        "allow_plain_http_relays",
        False,
        _bool,
        "Relays on other computers may be contacted over plain http://.",
        ValueKind.BOOLEAN,
    ),
    SettingSpec(
        "relay_ca_file",
        None,
        _optional_path,
        "PEM file of extra certificate authorities trusted for https relays.",
    ),
    SettingSpec(
        "auto_lock_minutes",
        10,
        _int_range(1, 1440),
        "Lock after this many idle minutes.",
        ValueKind.INTEGER,
    ),
    SettingSpec(
        "passphrase_required",
        True,
        _bool,
        "A passphrase must protect the vault.",
        ValueKind.BOOLEAN,
    ),
    SettingSpec(
        "keyring_allowed", True, _bool, "The OS keyring may hold the vault key.", ValueKind.BOOLEAN
    ),
    SettingSpec("default_language", "en", _language, "Interface language for new profiles."),
    SettingSpec(
        "allowed_languages",
        SUPPORTED_LANGUAGES,
        _language_list,
        "Languages users may choose.",
        ValueKind.LIST,
    ),
    SettingSpec(
        "read_receipts", True, _bool, "Send read receipts for messages.", ValueKind.BOOLEAN
    ),
    SettingSpec(
        "forced_message_expiry_days",
        None,
        _optional_int_range(1, 3650),
        "Messages disappear after this many days (none: kept).",
        ValueKind.INTEGER,
    ),
    SettingSpec(
        "max_import_mb",
        100,
        _int_range(1, 4096),
        "Largest file that may be imported.",
        ValueKind.INTEGER,
    ),
    SettingSpec(
        "notification_previews",
        False,
        _bool,
        "Show message text in notifications.",
        ValueKind.BOOLEAN,
    ),
    SettingSpec(
        "export_allowed",
        True,
        _bool,
        "Documents may be exported from the vault.",
        ValueKind.BOOLEAN,
    ),
    SettingSpec(
        "classification_markings",
        DEFAULT_CLASSIFICATIONS,
        _string_list,
        "Classification markings offered for documents.",
        ValueKind.LIST,
    ),
    SettingSpec(
        "default_classification",
        None,
        _optional_text,
        "Classification offered first when importing (none: the lowest marking).",
    ),
    SettingSpec(
        "require_classification",
        False,
        _bool,
        "Every import must name its classification explicitly.",
        ValueKind.BOOLEAN,
    ),
    SettingSpec(
        "export_warning_level",
        None,
        _optional_text,
        "Exporting a document marked at or above this classification asks first (none: never).",
    ),
    SettingSpec(
        "requests_per_sender",
        20,
        _int_range(1, 1000),
        "Messages kept from one sender who is not a contact.",
        ValueKind.INTEGER,
    ),
    SettingSpec(
        "requests_kb_per_sender",
        1024,
        _int_range(1, 65536),
        "Kilobytes kept from one sender who is not a contact.",
        ValueKind.INTEGER,
    ),
    SettingSpec(
        "requests_total",
        200,
        _int_range(1, 10000),
        "Messages kept from all senders who are not contacts.",
        ValueKind.INTEGER,
    ),
    SettingSpec(
        "requests_kb_total",
        16384,
        _int_range(1, 1048576),
        "Kilobytes kept from all senders who are not contacts.",
        ValueKind.INTEGER,
    ),
    SettingSpec(
        "requests_expiry_days",
        30,
        _int_range(1, 365),
        "Message requests are deleted after this many days.",
        ValueKind.INTEGER,
    ),
)
SPEC_BY_KEY: Mapping[str, SettingSpec] = {spec.key: spec for spec in SPECS}


@dataclass(frozen=True)
class EffectiveSetting:
    key: str
    value: Any
    source: Source
    origin: str | None  # where the value came from (a file path, a registry key)

    @property
    def locked(self) -> bool:
        return self.source is Source.ORGANISATION_LOCKED


@dataclass(frozen=True)
class RawPolicy:
    """One source's contents before validation."""

    origin: str
    locked: Mapping[str, Any]
    defaults: Mapping[str, Any]
    defaults_origin: str | None = None  # where the defaults came from, when not ``origin``

    @property
    def origins(self) -> tuple[str, ...]:
        """Every place this source read, for messages and ``delegatectl policy show``."""
        if self.defaults_origin is None or self.defaults_origin == self.origin:
            return (self.origin,)
        return (self.origin, self.defaults_origin)


class Policy:
    """The effective policy: built-in defaults, overlaid by organisation defaults and locks."""

    def __init__(self, settings: Mapping[str, EffectiveSetting]) -> None:
        self._settings = dict(settings)

    @classmethod
    def from_raw(cls, raw: RawPolicy | None) -> Policy:
        settings = {
            spec.key: EffectiveSetting(spec.key, spec.default, Source.BUILT_IN, None)
            for spec in SPECS
        }
        if raw is not None:
            for section, source, origin in (
                (raw.defaults, Source.ORGANISATION_DEFAULT, raw.defaults_origin or raw.origin),
                (raw.locked, Source.ORGANISATION_LOCKED, raw.origin),
            ):
                for key, value in section.items():
                    spec = SPEC_BY_KEY.get(key)
                    if spec is None:
                        raise PolicyError(
                            f"Unknown policy setting '{key}' in {origin}.",
                            key=key,
                            source=origin,
                        )
                    try:
                        parsed = spec.parse(key, value)
                    except PolicyError as exc:
                        raise PolicyError(f"{exc} (in {origin})", key=key, source=origin) from None
                    settings[key] = EffectiveSetting(key, parsed, source, origin)
        policy = cls(settings)
        policy._check_consistency()
        return policy

    def _check_consistency(self) -> None:
        default_language = self.value("default_language")
        if default_language not in self.value("allowed_languages"):
            raise PolicyError(
                "Policy setting 'default_language' must be one of 'allowed_languages'.",
                key="default_language",
            )
        markings = self.value("classification_markings")
        for key in ("default_classification", "export_warning_level"):
            value = self.value(key)
            if value is None:
                continue
            found = [m for m in markings if m.casefold() == value.casefold()]
            if not found:
                raise PolicyError(
                    f"Policy setting '{key}' must be one of 'classification_markings'.", key=key
                )
            setting = self._settings[key]
            self._settings[key] = EffectiveSetting(key, found[0], setting.source, setting.origin)
        if (
            not self.value("passphrase_required")
            and self.is_locked("keyring_allowed")
            and not self.value("keyring_allowed")
        ):
            raise PolicyError(
                "Policy cannot forbid both a passphrase-free vault and the OS keyring.",
                key="passphrase_required",
            )

    def setting(self, key: str) -> EffectiveSetting:
        try:
            return self._settings[key]
        except KeyError:
            raise PolicyError(f"Unknown policy setting '{key}'.", key=key) from None

    def value(self, key: str) -> Any:
        return self.setting(key).value

    def is_locked(self, key: str) -> bool:
        return self.setting(key).locked

    def settings(self) -> list[EffectiveSetting]:
        return [self._settings[spec.key] for spec in SPECS]

    def resolve_user_choice(self, key: str, user_value: Any) -> Any:
        """The value in force when a user chose ``user_value`` (locks win, invalid choices lose)."""
        setting = self.setting(key)
        if setting.locked or user_value is None:
            return setting.value
        try:
            return SPEC_BY_KEY[key].parse(key, user_value)
        except PolicyError:
            return setting.value


def parse_policy_document(text: str, origin: str) -> RawPolicy:
    """Parse the JSON policy file format (see docs/DEPLOYMENT.md)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyError(
            f"Policy file {origin} is not valid JSON (line {exc.lineno}).", source=origin
        ) from None
    except (ValueError, RecursionError):  # a number over 4,300 digits; arrays nested too deep
        raise PolicyError(
            _("Policy file {origin} is not valid JSON.").format(origin=origin), source=origin
        ) from None
    if not isinstance(data, dict):
        raise PolicyError(f"Policy file {origin} must hold a JSON object.", source=origin)
    unknown = set(data) - {"policy_version", "locked", "defaults"}
    if unknown:
        key = sorted(unknown)[0]
        raise PolicyError(
            f"Unknown policy section '{key}' in {origin} (expected 'locked' and 'defaults').",
            key=key,
            source=origin,
        )
    if data.get("policy_version", 1) != 1:
        raise PolicyError(f"Policy file {origin} has an unsupported policy_version.", source=origin)
    sections: dict[str, Mapping[str, Any]] = {}
    for name in ("locked", "defaults"):
        section = data.get(name, {})
        if not isinstance(section, dict):
            raise PolicyError(f"Section '{name}' in {origin} must be an object.", source=origin)
        sections[name] = section
    return RawPolicy(origin=origin, locked=sections["locked"], defaults=sections["defaults"])


def read_policy_file(path: Path) -> RawPolicy:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(
            f"Cannot read policy file {path}: {exc.strerror}.", source=str(path)
        ) from None
    except UnicodeDecodeError:
        raise PolicyError(f"Policy file {path} is not UTF-8 text.", source=str(path)) from None
    return parse_policy_document(text, str(path))


def system_policy_source() -> RawPolicy | None:
    """The organisation's policy for this machine, or None when IT set none."""
    override = os.environ.get(POLICY_ENV_VAR)
    if override:
        return read_policy_file(Path(override))
    from delegate_app.core import policy_sources

    return policy_sources.platform_source()


def load_policy() -> Policy:
    return Policy.from_raw(system_policy_source())
