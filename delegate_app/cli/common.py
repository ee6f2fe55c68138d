"""What every delegatectl command shares: the profile option, passphrases, output, errors."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from delegate_app.cli.terminal import one_line, printable_json
from delegate_app.core.errors import DelegateError
from delegate_app.core.paths import ProfilePaths, resolve_profile
from delegate_app.core.policy import Policy, load_policy
from delegate_app.core.vault import Vault
from delegate_app.i18n import _

PASSPHRASE_ENV = "DELEGATE_PASSPHRASE"  # noqa: S105 - a variable name, not a secret
NEW_PASSPHRASE_ENV = "DELEGATE_NEW_PASSPHRASE"  # noqa: S105
Handler = Callable[[argparse.Namespace], int]


class CliError(Exception):
    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_profile_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help=_("profile directory (default: the platform's user data directory)"),
    )


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help=_("print JSON for scripts"))


def command(parser: argparse.ArgumentParser, handler: Handler) -> None:
    """Attach ``handler`` and the options every command takes."""
    add_profile_option(parser)
    parser.set_defaults(handler=handler)


def run_command(args: argparse.Namespace) -> int:
    handler: Handler = args.handler
    try:
        return handler(args)
    except DelegateError as exc:
        raise CliError(str(exc)) from None
    except KeyboardInterrupt:
        raise CliError(_("interrupted"), exit_code=130) from None
    except BrokenPipeError:
        raise  # the reader went away (`delegatectl … | head`): main() ends quietly
    except OSError as exc:
        raise CliError(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from None


def profile_paths(args: argparse.Namespace) -> ProfilePaths:
    return resolve_profile(getattr(args, "profile", None))


def policy() -> Policy:
    return load_policy()


def read_passphrase(prompt: str, *, env: str = PASSPHRASE_ENV, confirm: bool = False) -> str:
    """From ``env`` (for automation) or a prompt on the terminal."""
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise CliError(
            _("No passphrase: set {env} or run in a terminal.").format(env=env), exit_code=2
        )
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass(_("Repeat: ")) != first:
        raise CliError(_("The passphrases do not match."))
    return first


@contextmanager
def unlocked_vault(args: argparse.Namespace) -> Iterator[Vault]:
    """Open the profile's vault, unlock it (keyring first, then passphrase), lock it after."""
    paths = profile_paths(args)
    vault = Vault.open(paths)
    if not vault.unlock_with_keyring():
        vault.unlock(read_passphrase(_("Passphrase: ")))
    try:
        yield vault
    finally:
        vault.lock()


def print_json(data: Any) -> None:
    serialised = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    sys.stdout.write(printable_json(serialised) + "\n")


def print_table(rows: list[list[str]], headers: list[str]) -> None:
    rows = [[one_line(cell) for cell in row] for row in rows]  # a cell cannot break a row
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    for line in [headers, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
