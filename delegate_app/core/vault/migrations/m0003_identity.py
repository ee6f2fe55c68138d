"""Version 3: this profile's private identity, its contacts, and envelope ids already seen."""

from delegate_app.core.vault.migrations import Migration

MIGRATION = Migration(
    version=3,
    name="identity",
    statements=(
        """
        CREATE TABLE identity (
            id          INTEGER PRIMARY KEY CHECK (id = 1),
            secret      TEXT NOT NULL,
            created_at  REAL NOT NULL
        )
        """,
        """
        CREATE TABLE contacts (
            id            INTEGER PRIMARY KEY,
            name          TEXT NOT NULL COLLATE NOCASE UNIQUE,
            organisation  TEXT NOT NULL,
            identity_key  BLOB NOT NULL UNIQUE,
            card          BLOB NOT NULL,
            verified      INTEGER NOT NULL DEFAULT 0,
            pending_card  BLOB,
            added_at      REAL NOT NULL,
            updated_at    REAL NOT NULL
        )
        """,
        """
        CREATE TABLE seen_envelopes (
            envelope_id  BLOB PRIMARY KEY,
            seen_at      REAL NOT NULL
        ) WITHOUT ROWID
        """,
    ),
)
