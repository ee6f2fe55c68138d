"""Finding the app's icons and stylesheet: in the package, in a frozen bundle, or in a checkout."""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # delegate_app/


def resource_dirs() -> list[Path]:
    """Where ``resources/`` may be, most specific first."""
    dirs = [_PACKAGE_DIR / "resources"]
    bundle = getattr(sys, "_MEIPASS", None)  # a PyInstaller bundle
    if isinstance(bundle, str):
        dirs.append(Path(bundle) / "resources")
    dirs.append(_PACKAGE_DIR.parent / "resources")  # a source checkout or editable install
    return dirs


def find_resource(relative: str) -> Path | None:
    for base in resource_dirs():
        candidate = base / relative
        if candidate.is_file():
            return candidate
    return None
