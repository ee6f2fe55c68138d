"""``delegate``: the desktop app. Parses the command line, styles Qt, and hands over to the
app controller (first run, unlock, main window); or renders a screenshot or times start-up."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from delegate_app import APP_NAME, __version__
from delegate_app.core.errors import DelegateError
from delegate_app.core.hardening import harden_process


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
        "--screenshot-page",
        choices=("library", "messages", "contacts"),
        default="library",
        help="with --screenshot: the page to render (default: library)",
    )
    parser.add_argument(
        "--benchmark-startup",
        action="store_true",
        help=argparse.SUPPRESS,  # benchmarks: report the main window's first paint, then exit
    )
    parser.add_argument(
        "--benchmark-unlock",
        action="store_true",
        help=argparse.SUPPRESS,  # benchmarks: report the unlock window's first paint, then exit
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    harden_process()  # before anything can hold a secret: no core dumps, no same-user ptrace
    started = time.perf_counter()
    args = build_parser().parse_args(argv)
    headless = args.screenshot is not None or args.benchmark_startup or args.benchmark_unlock
    if headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    elif argv is None:  # the real entry point: its own command line can be run again
        from delegate_app.session_bus import restart_with_private_bus

        restart_with_private_bus()
    from delegate_app.core.paths import resolve_profile
    from delegate_app.core.policy import load_policy

    try:
        policy = load_policy()
        paths = resolve_profile(args.profile)
    except DelegateError as exc:
        return _fatal(str(exc), gui=not headless)

    _import_unlock_core()
    from PySide6.QtWidgets import QApplication

    from delegate_app.ui.controller import AppController
    from delegate_app.ui.style import apply_style

    app = QApplication.instance() or QApplication(sys.argv[:1])
    QApplication.setApplicationName(APP_NAME)
    QApplication.setApplicationVersion(__version__)
    QApplication.setDesktopFileName("delegate")
    if isinstance(app, QApplication):
        apply_style(app)
    try:
        controller = AppController(paths, policy, lang=args.lang)
    except DelegateError as exc:
        return _fatal(str(exc), gui=not headless)
    if args.screenshot is not None:
        from delegate_app.ui.screenshot import take_screenshot

        return take_screenshot(
            controller,
            args.screenshot,
            os.environ.get("DELEGATE_PASSPHRASE"),
            args.screenshot_page,
        )
    if args.benchmark_startup or args.benchmark_unlock:
        from delegate_app.ui.startup_probe import probe_main_window, probe_unlock_window

        if args.benchmark_unlock:
            return probe_unlock_window(controller, started)
        return probe_main_window(controller, os.environ.get("DELEGATE_PASSPHRASE"))
    app.aboutToQuit.connect(controller.shutdown)
    controller.start()
    return int(app.exec())


def _import_unlock_core() -> None:
    """Import the Qt-free modules the unlock window needs before PySide6 itself.

    Once PySide6 is loaded, its import hook reads the source of every Python module imported
    after it (to look for ``__feature__`` use), which makes those imports slower. Only what the
    unlock window needs is imported here; the rest loads after it has painted (ui/preload.py).
    """
    import delegate_app.core.preferences
    import delegate_app.core.vault  # noqa: F401


def _fatal(message: str, *, gui: bool) -> int:
    """One clear line on stderr (and a message box when a display is there to show it)."""
    print(f"delegate: {message}", file=sys.stderr)
    if gui and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        from PySide6.QtWidgets import QApplication, QMessageBox

        _app = QApplication.instance() or QApplication(sys.argv[:1])
        QMessageBox.critical(None, APP_NAME, message)
    return 1


if __name__ == "__main__":
    sys.exit(main())
