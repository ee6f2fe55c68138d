"""Forward-only migrations: every older vault upgrades to the same schema a new vault gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from delegate_app.core.crypto.keywrap import FAST_KDF, random_database_key, wrap_key
from delegate_app.core.errors import MigrationError
from delegate_app.core.paths import ProfilePaths
from delegate_app.core.vault import Database, Vault
from delegate_app.core.vault.keyfile import KeyFile, write_key_file
from delegate_app.core.vault.migrations import Migration, all_migrations, latest_version

PASS = "migration passphrase"


def _schema(db: Database) -> list[tuple[str, str]]:
    rows = db.query(
        "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    return [(str(r["name"]), " ".join(str(r["sql"]).split())) for r in rows]


def _vault_at_version(paths: ProfilePaths, version: int) -> None:
    """A vault as an older release of Delegate would have left it."""
    paths.ensure_dirs()
    key = random_database_key()
    db = Database.open(paths.database, key, create=True)
    db.migrate(all_migrations()[:version])
    db.set_setting("profile.name", "Old Release User")
    db.checkpoint()
    db.close()
    write_key_file(paths.key_file, KeyFile.new(wrap_key(key, PASS, FAST_KDF)))


@pytest.mark.parametrize("start", range(1, latest_version() + 1))
def test_old_vault_upgrades_to_the_fresh_schema(tmp_path: Path, start: int) -> None:
    base = tmp_path
    old = ProfilePaths(root=base / "old", log_dir=base / "old" / "logs")
    _vault_at_version(old, start)
    upgraded = Vault.open(old)
    upgraded.unlock(PASS)
    assert upgraded.db.user_version == latest_version()
    assert upgraded.db.get_setting("profile.name") == "Old Release User"

    new = ProfilePaths(root=base / "new", log_dir=base / "new" / "logs")
    fresh = Vault.create(new, PASS, kdf=FAST_KDF)
    assert _schema(upgraded.db) == _schema(fresh.db)
    upgraded.lock()
    fresh.lock()


def test_versions_are_contiguous() -> None:
    assert [m.version for m in all_migrations()] == list(range(1, latest_version() + 1))


def test_newer_vault_is_refused(vault: Vault) -> None:
    vault.db.execute(f"PRAGMA user_version = {latest_version() + 1}")
    vault.lock()
    reopened = Vault.open(vault.paths)
    with pytest.raises(MigrationError, match="newer version"):
        reopened.unlock("correct horse battery staple")


def test_failed_migration_leaves_previous_version(vault: Vault) -> None:
    broken = (
        *all_migrations(),
        Migration(
            version=latest_version() + 1,
            name="broken",
            statements=("CREATE TABLE half_done (x)", "THIS IS NOT SQL"),
        ),
    )
    with pytest.raises(MigrationError):
        vault.db.migrate(broken)
    assert vault.db.user_version == latest_version()
    assert vault.db.query_one("SELECT name FROM sqlite_master WHERE name = 'half_done'") is None
