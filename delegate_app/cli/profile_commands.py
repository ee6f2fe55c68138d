"""``init``, ``passwd`` and ``status``."""

from __future__ import annotations

import argparse
from typing import Any

from delegate_app import __version__
from delegate_app.cli.common import (
    NEW_PASSPHRASE_ENV,
    add_json_option,
    command,
    policy,
    print_json,
    profile_paths,
    read_passphrase,
    unlocked_vault,
)
from delegate_app.core.profile import ProfileInfo, init_profile, read_profile_info
from delegate_app.core.vault import Vault
from delegate_app.core.vault.database import Database
from delegate_app.i18n import _


def register(subparsers: Any) -> None:
    init = subparsers.add_parser("init", help=_("create a new profile and its encrypted vault"))
    init.add_argument("--name", required=True, help=_("your name as contacts will see it"))
    init.add_argument("--organisation", required=True, help=_("your mission or organisation"))
    init.add_argument("--relay", metavar="URL", help=_("relay URL (policy may set it)"))
    command(init, cmd_init)

    passwd = subparsers.add_parser("passwd", help=_("change the vault passphrase"))
    command(passwd, cmd_passwd)

    status = subparsers.add_parser("status", help=_("show the profile and vault state"))
    add_json_option(status)
    command(status, cmd_status)


def cmd_init(args: argparse.Namespace) -> int:
    paths = profile_paths(args)
    current = policy()
    passphrase = read_passphrase(_("New passphrase: "), confirm=True)
    vault = init_profile(
        paths, ProfileInfo(args.name, args.organisation, args.relay), passphrase, current
    )
    vault.lock()
    print(_("Created profile in {path}.").format(path=paths.root))
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    paths = profile_paths(args)
    vault = Vault.open(paths)
    old = read_passphrase(_("Current passphrase: "))
    new = read_passphrase(_("New passphrase: "), env=NEW_PASSPHRASE_ENV, confirm=True)
    from delegate_app.core.profile import validate_new_passphrase

    validate_new_passphrase(new, policy())
    vault.change_passphrase(old, new)
    print(_("Passphrase changed."))
    return 0


def status_data(db: Database, vault: Vault) -> dict[str, Any]:
    info = read_profile_info(db, policy())
    record = vault.keyring_record
    return {
        "version": __version__,
        "profile": str(vault.paths.root),
        "name": info.name,
        "organisation": info.organisation,
        "relay_url": info.relay_url,
        "schema_version": db.user_version,
        "keyring_backend": record.backend if record else None,
    }


def cmd_status(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        data = status_data(vault.db, vault)
    if args.json:
        print_json(data)
    else:
        for key, value in data.items():
            print(f"{key}: {'' if value is None else value}")
    return 0
