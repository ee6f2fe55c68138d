"""Message requests: what senders who are not contacts sent, decrypted once and bounded.

An envelope from a sender who is not a contact is opened once and kept here as the signed
content it carried (never as the raw envelope), within the policy's bounds per sender and in
total, until the user accepts or deletes the request or it expires (ADR 0016). Envelopes left
in ``inbox_held`` by earlier versions are converted on the next sync, one opening each.
"""

from delegate_app.core.vault.migrations import Migration

MIGRATION = Migration(
    version=10,
    name="message_requests",
    statements=(
        """
        CREATE TABLE message_requests (
            id               INTEGER PRIMARY KEY,
            sender_key       BLOB NOT NULL UNIQUE,
            sender_identity  BLOB NOT NULL,
            first_at         REAL NOT NULL
        )
        """,
        """
        CREATE TABLE message_request_items (
            envelope_id   TEXT PRIMARY KEY,
            request_id    INTEGER NOT NULL REFERENCES message_requests (id) ON DELETE CASCADE,
            recipients    BLOB NOT NULL,
            timestamp     INTEGER NOT NULL,
            content_type  TEXT NOT NULL,
            body          BLOB NOT NULL,
            preview       TEXT,
            size          INTEGER NOT NULL,
            received_at   REAL NOT NULL
        )
        """,
        "CREATE INDEX message_request_items_request"
        " ON message_request_items (request_id, received_at)",
        "CREATE INDEX message_request_items_received ON message_request_items (received_at)",
        """
        CREATE TABLE blocked_senders (
            identity_key  BLOB PRIMARY KEY,
            blocked_at    REAL NOT NULL
        ) WITHOUT ROWID
        """,
    ),
)
