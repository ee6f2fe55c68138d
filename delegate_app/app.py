"""``delegate``: the desktop app. Chooses first-run, unlock or the main window, and owns them."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from delegate_app import APP_NAME, __version__
from delegate_app.core.errors import DelegateError, PolicyError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="delegate", description="Delegate desktop app")
    parser.add_argument("--version", action="version", version=f"delegate {__version__}")
    parser.add_argument("--profile", metavar="DIR", help="profile directory")
    parser.add_argument("--lang", metavar="L", help="interface language (e.g. fr, ar, zh_CN)")
    parser.add_argument(
        "--screenshot",
        metavar="FILE.png",
        type=Path,
        help="unlock with DELEGATE_PASSPHRASE, render the main window offscreen to FILE, exit",
    )
    parser.add_argument(
        "--startup-probe",
        action="store_true",
        help=argparse.SUPPRESS,  # benchmarks: print 'painted' at the first paint, then exit
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.screenshot is not None or args.startup_probe:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from delegate_app.core.paths import resolve_profile
    from delegate_app.core.policy import load_policy

    try:
        policy = load_policy()
    except PolicyError as exc:
        return _fatal(str(exc), gui=args.screenshot is None)
    paths = resolve_profile(args.profile)

    from PySide6.QtWidgets import QApplication

    from delegate_app.ui.controller import AppController

    app = QApplication.instance() or QApplication(sys.argv[:1])
    QApplication.setApplicationName(APP_NAME)
    QApplication.setApplicationVersion(__version__)
    QApplication.setDesktopFileName("delegate")
    try:
        controller = AppController(paths, policy, lang=args.lang)
    except DelegateError as exc:
        return _fatal(str(exc), gui=args.screenshot is None)
    if args.screenshot is not None:
        code = controller.screenshot(args.screenshot, os.environ.get("DELEGATE_PASSPHRASE"))
    elif args.startup_probe:
        code = controller.startup_probe(os.environ.get("DELEGATE_PASSPHRASE"))
    else:
        controller.start()
        app.aboutToQuit.connect(controller.shutdown)
        code = int(app.exec())
    controller.shutdown()
    return code


def _fatal(message: str, *, gui: bool) -> int:
    print(f"delegate: {message}", file=sys.stderr)
    if gui and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        from PySide6.QtWidgets import QApplication, QMessageBox

        _app = QApplication.instance() or QApplication(sys.argv[:1])
        QMessageBox.critical(None, APP_NAME, message)
    return 1


if __name__ == "__main__":
    sys.exit(main())
