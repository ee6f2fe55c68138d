"""``policy show``, ``policy check`` and ``policy schema``: the managed policy, for IT staff.

None of them needs a profile or a passphrase: they read only the organisation's policy.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path
from typing import Any

from delegate_app.cli.common import add_json_option, print_json, print_table
from delegate_app.core.policy import (
    SPECS,
    EffectiveSetting,
    Policy,
    RawPolicy,
    Source,
    read_policy_file,
    system_policy_source,
)
from delegate_app.core.policy_sources import read_plist_policy_file
from delegate_app.i18n import N_, _

SOURCE_IDS = {
    Source.BUILT_IN: "built_in",
    Source.ORGANISATION_DEFAULT: "organisation_default",
    Source.ORGANISATION_LOCKED: "organisation_locked",
    Source.USER: "user",
}
# TRANSLATORS: where a policy setting's value comes from, shown by `delegatectl policy show`.
SOURCE_LABELS = {
    Source.BUILT_IN: N_("built-in default"),
    Source.ORGANISATION_DEFAULT: N_("organisation default"),
    Source.ORGANISATION_LOCKED: N_("set by your organisation"),
    Source.USER: N_("your choice"),
}


def register(subparsers: Any) -> None:
    group = subparsers.add_parser(
        "policy", help=_("show or check the policy your organisation manages")
    )
    actions = group.add_subparsers(dest="policy_command", metavar="ACTION", required=True)

    show = actions.add_parser(
        "show", help=_("print every setting in force, its value and where it came from")
    )
    add_json_option(show)
    show.set_defaults(handler=cmd_show)

    check = actions.add_parser(
        "check", help=_("check a policy file (JSON, or a macOS .plist) before deploying it")
    )
    check.add_argument("file", type=Path, metavar="FILE")
    add_json_option(check)
    check.set_defaults(handler=cmd_check)

    schema = actions.add_parser("schema", help=_("list every policy setting with its type"))
    add_json_option(schema)
    schema.set_defaults(handler=cmd_schema)


# -- show -------------------------------------------------------------------------------------


def cmd_show(args: argparse.Namespace) -> int:
    raw = system_policy_source()
    policy = Policy.from_raw(raw)
    origins = raw.origins if raw is not None else ()
    if args.json:
        print_json(policy_json(policy, origins))
        return 0
    _print_settings(policy, origins)
    for warning in file_warnings(origins):
        print(warning, file=sys.stderr)
    return 0


def policy_json(policy: Policy, origins: tuple[str, ...]) -> dict[str, Any]:
    return {
        "policy_version": 1,
        "sources": list(origins),
        "settings": {setting.key: _setting_json(setting) for setting in policy.settings()},
    }


def _setting_json(setting: EffectiveSetting) -> dict[str, Any]:
    value = list(setting.value) if isinstance(setting.value, tuple) else setting.value
    return {
        "value": value,
        "source": SOURCE_IDS[setting.source],
        "source_label": _(SOURCE_LABELS[setting.source]),
        "locked": setting.locked,
        "origin": setting.origin,
    }


def _print_settings(policy: Policy, origins: tuple[str, ...]) -> None:
    if origins:
        for origin in origins:
            print(_("Policy source: {origin}").format(origin=origin))
    else:
        print(_("No organisation policy on this machine: built-in defaults apply."))
    print()
    rows = []
    for setting in policy.settings():
        where = _(SOURCE_LABELS[setting.source])
        if setting.origin is not None:
            # TRANSLATORS: {source} is "set by your organisation" or "organisation default";
            # {origin} is the file or registry key that set the value.
            where = _("{source} ({origin})").format(source=where, origin=setting.origin)
        rows.append([setting.key, format_value(setting.value), where])
    # TRANSLATORS: column headings of `delegatectl policy show`, in capitals in English.
    print_table(rows, [_("SETTING"), _("VALUE"), _("SOURCE")])


def format_value(value: Any) -> str:
    if value is None:
        return _("(none)")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def file_warnings(origins: tuple[str, ...]) -> list[str]:
    """Warnings for policy files that someone other than root could change (POSIX only)."""
    if os.name != "posix":
        return []
    warnings = []
    for origin in origins:
        path = Path(origin)
        if not path.is_absolute():
            continue
        try:
            info = path.stat()
        except OSError:
            continue
        if info.st_uid != 0 or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            warnings.append(
                _(
                    "Warning: {path} can be changed by users other than root, "
                    "who could weaken the policy."
                ).format(path=path)
            )
    return warnings


# -- check ------------------------------------------------------------------------------------


def read_candidate(path: Path) -> RawPolicy:
    """A policy file as IT would deploy it: JSON, or a managed-preferences .plist (locked)."""
    if path.suffix.lower() == ".plist":
        return read_plist_policy_file(path)
    return read_policy_file(path)


def cmd_check(args: argparse.Namespace) -> int:
    raw = read_candidate(args.file)
    policy = Policy.from_raw(raw)  # raises PolicyError naming the key: one line, exit 1
    locked = [s.key for s in policy.settings() if s.source is Source.ORGANISATION_LOCKED]
    defaults = [s.key for s in policy.settings() if s.source is Source.ORGANISATION_DEFAULT]
    if args.json:
        print_json({"valid": True, "file": str(args.file), "locked": locked, "defaults": defaults})
        return 0
    print(
        _("{path} is a valid policy: {locked} locked, {defaults} default.").format(
            path=args.file, locked=len(locked), defaults=len(defaults)
        )
    )
    return 0


# -- schema -----------------------------------------------------------------------------------


def cmd_schema(args: argparse.Namespace) -> int:
    entries = [
        {
            "key": spec.key,
            "type": spec.kind.value,
            "default": list(spec.default) if isinstance(spec.default, tuple) else spec.default,
            "description": spec.description,
        }
        for spec in SPECS
    ]
    if args.json:
        print_json(entries)
        return 0
    rows = [
        [spec.key, spec.kind.value, format_value(spec.default), spec.description] for spec in SPECS
    ]
    # TRANSLATORS: column headings of `delegatectl policy schema`: setting name, value type,
    # built-in default value, what the setting does.
    print_table(rows, [_("SETTING"), _("TYPE"), _("DEFAULT"), _("MEANING")])
    return 0
