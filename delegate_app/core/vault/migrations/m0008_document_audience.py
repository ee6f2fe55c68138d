"""Version 8: warnings about refused changes to who a shared document goes to.

Only a document's owner (the identity that first shared it with us, or we ourselves for our
own documents) decides its audience. When anyone else sends a version naming holders we do not
know, the holders are left as they are and the attempt is recorded here for the user to see.
"""

from delegate_app.core.vault.migrations import Migration

MIGRATION = Migration(
    version=8,
    name="document_audience",
    statements=(
        """
        CREATE TABLE document_audience_notices (
            id            INTEGER PRIMARY KEY,
            document_uid  TEXT NOT NULL,
            sender_key    TEXT NOT NULL,
            revision      TEXT NOT NULL,
            added_keys    TEXT NOT NULL,
            received_at   REAL NOT NULL,
            dismissed_at  REAL,
            UNIQUE (document_uid, sender_key, revision)
        )
        """,
        "CREATE INDEX document_audience_notices_document"
        " ON document_audience_notices (document_uid, dismissed_at)",
    ),
)
