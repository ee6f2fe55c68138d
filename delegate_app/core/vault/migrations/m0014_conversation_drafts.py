"""Version 14: the unsent text of each conversation (its draft), kept in the vault.

A draft is as secret as the message it becomes, so it lives beside the messages under the
vault's key and goes when its conversation goes; never in the unencrypted settings file.
"""

from delegate_app.core.vault.migrations import Migration

MIGRATION = Migration(
    version=14,
    name="conversation_drafts",
    statements=(
        """
        CREATE TABLE message_drafts (
            conversation_id  INTEGER PRIMARY KEY
                             REFERENCES conversations (id) ON DELETE CASCADE,
            body             TEXT NOT NULL,
            updated_at       REAL NOT NULL
        )
        """,
    ),
)
