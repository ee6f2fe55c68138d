"""Version 14: attachments stored as fixed-size plaintext chunk rows, written as they arrive.

An attachment received in format 2 (docs/PROTOCOL.md §5.2, ADR 0024) is written chunk by chunk
into ``attachment_chunks`` as each chunk is opened, and that is its final storage: no second copy
is assembled at the end. ``attachments.chunked`` says where the bytes are (1: in the chunk rows,
``data`` is empty; 0: in ``data``, as every row written before this version); ``complete`` is 0
while a download is still filling the rows, and such a row is never shown as a file. An upload
in format 2 seals each chunk again from these rows, so ``blob_transfers.attachment_id`` names the
attachment it reads from (upload) or writes into (download); it becomes NULL if that row goes.
``attachments.sha256`` (hex, of the plaintext; NULL for rows from before, computed on first use)
spares reading a whole attachment again to describe it when it is shared.
"""

from delegate_app.core.vault.migrations import Migration

MIGRATION = Migration(
    version=15,
    name="attachment_chunks",
    statements=(
        "ALTER TABLE attachments ADD COLUMN chunked INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE attachments ADD COLUMN complete INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE attachments ADD COLUMN sha256 TEXT",
        """
        CREATE TABLE attachment_chunks (
            attachment_id  INTEGER NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
            seq            INTEGER NOT NULL,
            data           BLOB NOT NULL,
            PRIMARY KEY (attachment_id, seq)
        )
        """,
        "ALTER TABLE blob_transfers ADD COLUMN attachment_id INTEGER"
        " REFERENCES attachments (id) ON DELETE SET NULL",
    ),
)
