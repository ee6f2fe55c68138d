"""The core must stay usable without Qt: the CLI, the sync engine and the tests rely on it."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import delegate_app.core
import sync


def _modules(package: object) -> list[str]:
    path = package.__path__  # type: ignore[attr-defined]
    prefix = package.__name__ + "."  # type: ignore[attr-defined]
    return [m.name for m in pkgutil.walk_packages(path, prefix)]


def test_core_cli_and_sync_import_without_pyside6() -> None:
    modules = [
        *_modules(delegate_app.core),
        *_modules(sync),
        "delegate_app.cli",
        "delegate_app.i18n",
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "", f"Qt imported by the core: {result.stdout}"
    assert len(modules) >= 10
