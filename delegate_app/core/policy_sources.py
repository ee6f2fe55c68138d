"""Operating-system policy sources, each yielding a :class:`RawPolicy` in the one schema.

- Linux (and other Unix): the JSON file ``/etc/delegate/policy.json``.
- Windows: registry values under ``HKLM\\Software\\Policies\\Delegate`` are *locked*; values
  under ``HKLM\\Software\\Policies\\Delegate\\Recommended`` are organisation *defaults*.
- macOS: keys of the managed preferences (written by a configuration profile)
  ``/Library/Managed Preferences/org.delegate.Delegate.plist`` are *locked*; keys of
  ``/Library/Preferences/org.delegate.Delegate.plist`` are organisation *defaults*.

``DELEGATE_POLICY_FILE`` (a JSON file) overrides all of them; see :mod:`delegate_app.core.policy`.

Registry values and property lists have types of their own; :func:`registry_value_to_policy`
and :func:`plist_value_to_policy` map them onto the schema. Names are the schema's keys
(``auto_lock_minutes``); in the registry they match without regard to case, as Windows does.
An empty text value means "not set". Validation itself stays in :class:`Policy`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from xml.parsers.expat import ExpatError

from delegate_app.core.errors import PolicyError
from delegate_app.core.policy import (
    LINUX_POLICY_PATH,
    SPEC_BY_KEY,
    RawPolicy,
    SettingSpec,
    ValueKind,
    read_policy_file,
)
from delegate_app.i18n import N_, _


class _NotSet:
    def __repr__(self) -> str:
        return "NOT_SET"


NOT_SET: Any = _NotSet()  # a value the source holds but leaves empty: the setting is not set

# -- Windows registry -------------------------------------------------------------------------

REGISTRY_HIVE = "HKLM"
REGISTRY_KEY = "Software\\Policies\\Delegate"
RECOMMENDED_SUBKEY = REGISTRY_KEY + "\\Recommended"

# Windows' numbers for registry value types (the values of winreg.REG_*).
REG_SZ = 1
REG_EXPAND_SZ = 2
REG_BINARY = 3
REG_DWORD = 4
REG_MULTI_SZ = 7
REG_QWORD = 11
_TEXT_TYPES = (REG_SZ, REG_EXPAND_SZ)
_NUMBER_TYPES = (REG_DWORD, REG_QWORD)
_TYPE_NAMES = {
    REG_SZ: "REG_SZ",
    REG_EXPAND_SZ: "REG_EXPAND_SZ",
    REG_BINARY: "REG_BINARY",
    REG_DWORD: "REG_DWORD",
    REG_MULTI_SZ: "REG_MULTI_SZ",
    REG_QWORD: "REG_QWORD",
}
# Separator of list entries in one REG_SZ (what the MSI's properties write).
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class RegistryValue:
    """One value as the registry returns it: name, data, and type (``REG_*``)."""

    name: str
    data: object
    type: int


class RegistryReader(Protocol):
    """Reads values under HKEY_LOCAL_MACHINE. Injectable, so the mapping is tested anywhere."""

    def read_values(self, subkey: str) -> list[RegistryValue] | None:
        """The values directly under ``HKLM\\subkey``, or None when the key does not exist."""
        ...


def registry_path(subkey: str) -> str:
    return f"{REGISTRY_HIVE}\\{subkey}"


def _truth(text: str) -> bool | None:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes"):
        return True
    if lowered in ("0", "false", "no"):
        return False
    return None


_REGISTRY_TYPE_MESSAGES = {
    ValueKind.BOOLEAN: N_(
        "Policy setting '{key}' in {origin} is {found}; it must be 1 or 0 "
        "(REG_DWORD, or REG_SZ true or false)."
    ),
    ValueKind.INTEGER: N_(
        "Policy setting '{key}' in {origin} is {found}; it must be a whole number "
        "(REG_DWORD, or decimal digits as REG_SZ)."
    ),
    ValueKind.TEXT: N_("Policy setting '{key}' in {origin} is {found}; it must be text (REG_SZ)."),
    ValueKind.LIST: N_(
        "Policy setting '{key}' in {origin} is {found}; it must be a list "
        "(REG_MULTI_SZ, or REG_SZ with entries separated by ';')."
    ),
}


def _type_error(spec: SettingSpec, found: str, origin: str) -> PolicyError:
    return PolicyError(
        _(_REGISTRY_TYPE_MESSAGES[spec.kind]).format(key=spec.key, origin=origin, found=found),
        key=spec.key,
        source=origin,
    )


def registry_value_to_policy(spec: SettingSpec, value: RegistryValue, origin: str) -> Any:
    """The schema value of a registry value, :data:`NOT_SET` when empty; typed errors otherwise.

    REG_DWORD/REG_QWORD give numbers (booleans are 0 or 1), REG_MULTI_SZ gives lists, REG_SZ
    gives text -- and, because MSI properties can only write text, also numbers in decimal,
    booleans as 0/1/true/false, and lists separated by ';'. For an optional number (forced
    message expiry) 0 means "none".
    """
    data, kind = value.data, value.type
    found = _TYPE_NAMES.get(kind, f"type {kind}")
    if kind in _TEXT_TYPES and isinstance(data, str):
        text = data.strip()
        if not text:
            return NOT_SET
        if spec.kind is ValueKind.TEXT:
            return text
        if spec.kind is ValueKind.LIST:
            return [item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()]
        if spec.kind is ValueKind.BOOLEAN:
            truth = _truth(text)
            if truth is None:
                raise _type_error(spec, f"'{text}'", origin)
            return truth
        if text.isascii() and text.isdigit():
            return _number(spec, int(text))
        raise _type_error(spec, f"'{text}'", origin)
    if kind in _NUMBER_TYPES and isinstance(data, int):
        if spec.kind in (ValueKind.BOOLEAN, ValueKind.INTEGER):
            return _number(spec, data)
        raise _type_error(spec, found, origin)
    if kind == REG_MULTI_SZ and isinstance(data, list):
        if spec.kind is not ValueKind.LIST:
            raise _type_error(spec, found, origin)
        items = [str(item).strip() for item in data if str(item).strip()]
        return items or NOT_SET
    raise _type_error(spec, found, origin)


def _number(spec: SettingSpec, number: int) -> Any:
    if spec.kind is ValueKind.INTEGER and spec.optional and number == 0:
        return None
    return number


def _registry_section(values: list[RegistryValue], origin: str) -> dict[str, Any]:
    by_name = {spec_key.lower(): spec for spec_key, spec in SPEC_BY_KEY.items()}
    section: dict[str, Any] = {}
    for value in values:
        if not value.name:
            continue  # the key's unnamed default value carries no setting
        spec = by_name.get(value.name.lower())
        if spec is None:
            raise PolicyError(
                _("Unknown policy setting '{key}' in {origin}.").format(
                    key=value.name, origin=origin
                ),
                key=value.name,
                source=origin,
            )
        converted = registry_value_to_policy(spec, value, origin)
        if converted is not NOT_SET:
            section[spec.key] = converted
    return section


def read_registry_policy(reader: RegistryReader) -> RawPolicy | None:
    """Locked values from the policy key, defaults from its ``Recommended`` subkey."""
    locked_values = reader.read_values(REGISTRY_KEY)
    default_values = reader.read_values(RECOMMENDED_SUBKEY)
    if locked_values is None and default_values is None:
        return None
    origin = registry_path(REGISTRY_KEY)
    defaults_origin = registry_path(RECOMMENDED_SUBKEY)
    return RawPolicy(
        origin=origin,
        locked=_registry_section(locked_values or [], origin),
        defaults=_registry_section(default_values or [], defaults_origin),
        defaults_origin=defaults_origin,
    )


class WinregReader:
    """The real registry (64-bit view), through :mod:`winreg`. Windows only."""

    def read_values(self, subkey: str) -> list[RegistryValue] | None:
        if sys.platform != "win32":
            raise PolicyError(_("The Windows registry is only available on Windows."))
        import winreg

        try:
            key = winreg.OpenKey(
                winreg.HKEY_LOCAL_MACHINE,
                subkey,
                0,
                winreg.KEY_READ | winreg.KEY_WOW64_64KEY,
            )
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise PolicyError(
                _("Cannot read policy key {origin}: {reason}.").format(
                    origin=registry_path(subkey), reason=exc.strerror or exc
                ),
                source=registry_path(subkey),
            ) from None
        values: list[RegistryValue] = []
        with key:
            count = winreg.QueryInfoKey(key)[1]
            for index in range(count):
                name, data, kind = winreg.EnumValue(key, index)
                values.append(RegistryValue(name, data, kind))
        return values


# -- macOS managed preferences ----------------------------------------------------------------

MACOS_DOMAIN = "org.delegate.Delegate"
MACOS_MANAGED_PATH = Path("/Library/Managed Preferences") / f"{MACOS_DOMAIN}.plist"
MACOS_DEFAULTS_PATH = Path("/Library/Preferences") / f"{MACOS_DOMAIN}.plist"


_PLIST_TYPE_MESSAGES = {
    ValueKind.BOOLEAN: N_("Policy setting '{key}' in {origin} must be <true/> or <false/>."),
    ValueKind.INTEGER: N_("Policy setting '{key}' in {origin} must be an <integer>."),
    ValueKind.TEXT: N_("Policy setting '{key}' in {origin} must be a <string>."),
    ValueKind.LIST: N_("Policy setting '{key}' in {origin} must be an <array> of <string>."),
}


def plist_value_to_policy(spec: SettingSpec, value: object, origin: str) -> Any:
    """The schema value of a property-list value (``<true/>``, ``<integer>``, ``<string>``,
    ``<array>`` of strings). For an optional number 0 means "none"; other types are errors."""
    kind = spec.kind
    if kind is ValueKind.INTEGER and isinstance(value, int) and not isinstance(value, bool):
        return _number(spec, value)
    if kind is ValueKind.LIST and isinstance(value, list):
        if all(isinstance(item, str) for item in value):
            return list(value)
    elif (kind is ValueKind.BOOLEAN and isinstance(value, bool)) or (
        kind is ValueKind.TEXT and isinstance(value, str)
    ):
        return value
    raise PolicyError(
        _(_PLIST_TYPE_MESSAGES[spec.kind]).format(key=spec.key, origin=origin),
        key=spec.key,
        source=origin,
    )


def _read_plist(path: Path) -> Mapping[str, object] | None:
    import plistlib  # macOS only: not loaded where no profile is read this way

    try:
        with path.open("rb") as handle:
            data = plistlib.load(handle)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise PolicyError(
            _("Cannot read policy file {path}: {reason}.").format(
                path=path, reason=exc.strerror or exc
            ),
            source=str(path),
        ) from None
    except (plistlib.InvalidFileException, ExpatError, ValueError, OverflowError):
        raise PolicyError(
            _("Policy file {path} is not a valid property list.").format(path=path),
            source=str(path),
        ) from None
    if not isinstance(data, dict):
        raise PolicyError(
            _("Policy file {path} must hold a dictionary.").format(path=path), source=str(path)
        )
    return data


def _plist_section(data: Mapping[str, object], origin: str) -> dict[str, Any]:
    section: dict[str, Any] = {}
    for key, value in data.items():
        spec = SPEC_BY_KEY.get(key)
        if spec is None:
            raise PolicyError(
                _("Unknown policy setting '{key}' in {origin}.").format(key=key, origin=origin),
                key=key,
                source=origin,
            )
        section[key] = plist_value_to_policy(spec, value, origin)
    return section


def read_macos_policy(
    managed: Path | None = None, defaults: Path | None = None
) -> RawPolicy | None:
    """Managed keys are locked; keys of the machine-wide preferences are defaults.

    ``managed`` and ``defaults`` override the system paths (for tests and for checking files).
    """
    managed = MACOS_MANAGED_PATH if managed is None else managed
    defaults = MACOS_DEFAULTS_PATH if defaults is None else defaults
    managed_data = _read_plist(managed)
    default_data = _read_plist(defaults)
    if managed_data is None and default_data is None:
        return None
    return RawPolicy(
        origin=str(managed),
        locked=_plist_section(managed_data or {}, str(managed)),
        defaults=_plist_section(default_data or {}, str(defaults)),
        defaults_origin=str(defaults),
    )


def read_plist_policy_file(path: Path) -> RawPolicy:
    """One managed-preferences file on its own, every key locked (to check it before deploying)."""
    data = _read_plist(path)
    if data is None:
        raise PolicyError(
            _("Policy file {path} does not exist.").format(path=path),
            source=str(path),
        )
    return RawPolicy(origin=str(path), locked=_plist_section(data, str(path)), defaults={})


# -- choosing the source ----------------------------------------------------------------------


def platform_source() -> RawPolicy | None:
    """This machine's organisation policy from the operating system's own place, if any."""
    if sys.platform == "win32":
        return read_registry_policy(WinregReader())
    if sys.platform == "darwin":
        return read_macos_policy()
    if LINUX_POLICY_PATH.exists():
        return read_policy_file(LINUX_POLICY_PATH)
    return None
