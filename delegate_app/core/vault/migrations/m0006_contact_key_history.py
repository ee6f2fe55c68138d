"""Version 6: the identity keys a contact had before an accepted key change.

Messages, comments and revisions name their author by the key that signed them; after a key
change those keys must still resolve to the contact's name.
"""

from delegate_app.core.vault.migrations import Migration

MIGRATION = Migration(
    version=6,
    name="contact_key_history",
    statements=(
        """
        CREATE TABLE contact_previous_keys (
            identity_key  BLOB PRIMARY KEY,
            contact_id    INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            replaced_at   REAL NOT NULL
        ) WITHOUT ROWID
        """,
        "CREATE INDEX contact_previous_keys_contact ON contact_previous_keys (contact_id)",
    ),
)
