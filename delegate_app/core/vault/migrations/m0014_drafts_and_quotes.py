"""Version 14: drafts, and the message a reply quotes.

A draft (the unsent text of a conversation) is as secret as the message it becomes, so it
lives beside the messages under the vault's key and goes when its conversation goes; never in
the unencrypted settings file. A reply keeps the id and the excerpt of the message it quotes
as the sender gave them (docs/PROTOCOL.md §10.2): the id may name no message here.
"""

from delegate_app.core.vault.migrations import Migration

MIGRATION = Migration(
    version=14,
    name="drafts_and_quotes",
    statements=(
        """
        CREATE TABLE message_drafts (
            conversation_id  INTEGER PRIMARY KEY
                             REFERENCES conversations (id) ON DELETE CASCADE,
            body             TEXT NOT NULL,
            updated_at       REAL NOT NULL
        )
        """,
        "ALTER TABLE messages ADD COLUMN quote_uid TEXT",
        "ALTER TABLE messages ADD COLUMN quote_excerpt TEXT",
    ),
)
