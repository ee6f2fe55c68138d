"""``delegatectl``: the core, scriptable. Used by IT staff, by tests and by the demo.

Each command group lives in its own module exposing ``register(subparsers)``.
Errors are one clear line on stderr and a non-zero exit, never a traceback. Everything
printed passes through ``terminal.printable``: text from others carries no raw control.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from delegate_app import __version__
from delegate_app.cli import (
    crypto_commands,
    docs_commands,
    policy_commands,
    profile_commands,
    request_commands,
    search_commands,
    sync_commands,
)
from delegate_app.cli.common import CliError, run_command
from delegate_app.cli.terminal import printable_output
from delegate_app.core.hardening import harden_process
from delegate_app.i18n import _

COMMAND_MODULES = (
    profile_commands,
    docs_commands,
    crypto_commands,
    sync_commands,
    request_commands,
    search_commands,
    policy_commands,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="delegatectl",
        description=_("Delegate from the command line: profiles, documents, contacts and sync."),
    )
    parser.add_argument("--version", action="version", version=f"delegatectl {__version__}")
    # Accepted before the command too, as users of git-style tools type it
    # (`delegatectl --profile DIR status`); a separate dest, because a subcommand's own default
    # would otherwise overwrite the value given before it.
    parser.add_argument(
        "--profile",
        dest="leading_profile",
        metavar="DIR",
        help=_("profile directory (default: the platform's user data directory)"),
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    harden_process()  # before anything can hold a secret: no core dumps, no same-user ptrace
    parser = build_parser()
    args = parser.parse_args(argv)
    _merge_leading_profile(parser, args)
    try:
        with printable_output():  # names, titles and texts from others: no raw controls
            try:
                code = run_command(args)
            except CliError as exc:
                print(f"delegatectl: {exc}", file=sys.stderr)
                return exc.exit_code
            sys.stdout.flush()  # a closed pipe shows here, not in Python's flush at exit
            return code
    except BrokenPipeError:
        # Whoever read our output stopped early; say nothing, and keep Python from reporting
        # the same broken pipe again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as shell tools end


def _merge_leading_profile(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    leading = args.leading_profile
    if leading is None:
        return
    given = getattr(args, "profile", None)
    if given is not None and given != leading:
        parser.error(_("--profile given twice with different directories"))
    args.profile = leading


if __name__ == "__main__":
    sys.exit(main())
