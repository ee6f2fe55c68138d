"""The encrypted local store (SQLCipher 4). Only this package speaks SQL.

``Database`` is loaded on first use: reading the key file (all the unlock screen needs) must not
load SQLCipher and every migration before the screen is painted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from delegate_app.core.vault.vault import Vault

if TYPE_CHECKING:
    from delegate_app.core.vault.database import Database

__all__ = ["Database", "Vault"]


def __getattr__(name: str) -> Any:
    if name == "Database":
        from delegate_app.core.vault.database import Database

        return Database
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
