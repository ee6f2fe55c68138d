"""Version 1: profile settings (name, organisation, relay, preferences that are secret)."""

from delegate_app.core.vault.migrations import Migration

MIGRATION = Migration(
    version=1,
    name="base",
    statements=(
        """
        CREATE TABLE settings (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID
        """,
    ),
)
