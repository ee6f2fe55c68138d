"""Layering: the core never imports ``sync``; messaging and sharing never import ``nacl``."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import delegate_app.core


def test_core_imports_no_sync_module() -> None:
    modules = [
        m.name for m in pkgutil.walk_packages(delegate_app.core.__path__, "delegate_app.core.")
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(','.join(sorted(m for m in sys.modules if m == 'sync' or m.startswith('sync.'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == ""
    assert "delegate_app.core.messaging.receiver" in modules
    assert "delegate_app.core.sharing.handlers" in modules


def test_only_the_crypto_module_imports_nacl_on_the_client_side() -> None:
    root = Path(delegate_app.core.__file__).parent
    checked = 0
    for folder in ("messaging", "sharing"):
        for path in (root / folder).glob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                assert not any(n == "nacl" or n.startswith("nacl.") for n in names), path
            checked += 1
    assert checked >= 10


def test_only_the_relay_imports_psycopg() -> None:
    """The PostgreSQL driver is the relay's: the app and the sync client never load it."""
    repo = Path(delegate_app.core.__file__).parents[2]
    importers = set()
    for path in [*(repo / "delegate_app").rglob("*.py"), *(repo / "sync").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] in ("psycopg", "psycopg_pool") for n in names):
                importers.add(path.relative_to(repo).as_posix())
    assert importers == {
        "sync/relay/storage_pg.py",
        "sync/relay/ratelimit_pg.py",
        "sync/relay/notifier_pg.py",
    }
