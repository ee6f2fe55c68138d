"""The encrypted local store (SQLCipher 4). Only this package speaks SQL."""

from delegate_app.core.vault.database import Database
from delegate_app.core.vault.vault import Vault

__all__ = ["Database", "Vault"]
