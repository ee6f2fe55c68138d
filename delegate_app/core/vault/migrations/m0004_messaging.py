"""Version 4: conversations, messages and receipts; the sync outbox, inbox bookkeeping and blobs.

Members and senders are referred to by their Ed25519 identity key (64 hex chars),
not by a contact row, so that a message survives its contact being edited.
"""

from delegate_app.core.vault.migrations import Migration

MIGRATION = Migration(
    version=4,
    name="messaging",
    statements=(
        # -- conversations and messages --------------------------------------------------
        """
        CREATE TABLE conversations (
            id           INTEGER PRIMARY KEY,
            uid          TEXT NOT NULL UNIQUE,
            kind         TEXT NOT NULL CHECK (kind IN ('direct', 'group')),
            title        TEXT,
            expiry_days  INTEGER CHECK (expiry_days IS NULL OR expiry_days > 0),
            created_at   REAL NOT NULL,
            updated_at   REAL NOT NULL
        )
        """,
        """
        CREATE TABLE conversation_members (
            conversation_id  INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            identity_key     TEXT NOT NULL,
            PRIMARY KEY (conversation_id, identity_key)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX conversation_members_key ON conversation_members (identity_key)",
        """
        CREATE TABLE messages (
            id               INTEGER PRIMARY KEY,
            uid              TEXT NOT NULL UNIQUE,
            conversation_id  INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            direction        TEXT NOT NULL CHECK (direction IN ('out', 'in')),
            sender_key       TEXT,
            body             TEXT NOT NULL,
            sent_at          REAL NOT NULL,
            received_at      REAL,
            state            TEXT NOT NULL
                             CHECK (state IN ('queued', 'sent', 'delivered', 'read',
                                              'received', 'failed')),
            is_read          INTEGER NOT NULL DEFAULT 0,
            expires_at       REAL
        )
        """,
        """
        CREATE INDEX messages_conversation
            ON messages (conversation_id, coalesce(received_at, sent_at))
        """,
        "CREATE INDEX messages_expiry ON messages (expires_at) WHERE expires_at IS NOT NULL",
        """
        CREATE TABLE message_recipients (
            message_id    INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
            identity_key  TEXT NOT NULL,
            state         TEXT NOT NULL
                          CHECK (state IN ('queued', 'sent', 'delivered', 'read', 'failed')),
            updated_at    REAL NOT NULL,
            PRIMARY KEY (message_id, identity_key)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE receipts_owed (
            sender_key   TEXT NOT NULL,
            kind         TEXT NOT NULL CHECK (kind IN ('delivered', 'read')),
            message_uid  TEXT NOT NULL,
            PRIMARY KEY (sender_key, kind, message_uid)
        ) WITHOUT ROWID
        """,
        # -- outbox: one sealed envelope, delivered to one or more mailboxes ---------------
        """
        CREATE TABLE outbox_envelopes (
            envelope_id  TEXT PRIMARY KEY,
            kind         TEXT NOT NULL,
            priority     INTEGER NOT NULL,
            ref          TEXT,
            data         BLOB NOT NULL,
            created_at   REAL NOT NULL
        )
        """,
        """
        CREATE TABLE outbox_deliveries (
            envelope_id   TEXT NOT NULL REFERENCES outbox_envelopes (envelope_id)
                          ON DELETE CASCADE,
            relay_url     TEXT NOT NULL,
            mailbox_id    TEXT NOT NULL,
            identity_key  TEXT NOT NULL,
            state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'failed')),
            attempts      INTEGER NOT NULL DEFAULT 0,
            last_error    TEXT,
            PRIMARY KEY (envelope_id, mailbox_id)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX outbox_deliveries_relay ON outbox_deliveries (relay_url, state)",
        # -- inbox bookkeeping -------------------------------------------------------------
        """
        CREATE TABLE relay_cursors (
            relay_url   TEXT NOT NULL,
            mailbox_id  TEXT NOT NULL,
            cursor      INTEGER NOT NULL,
            updated_at  REAL NOT NULL,
            PRIMARY KEY (relay_url, mailbox_id)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE pending_acks (
            relay_url    TEXT NOT NULL,
            mailbox_id   TEXT NOT NULL,
            envelope_id  TEXT NOT NULL,
            PRIMARY KEY (relay_url, mailbox_id, envelope_id)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE inbox_held (
            envelope_id  TEXT PRIMARY KEY,
            data         BLOB NOT NULL,
            reason       TEXT NOT NULL,
            received_at  REAL NOT NULL
        )
        """,
        """
        CREATE TABLE inbox_rejected (
            envelope_id  TEXT PRIMARY KEY,
            reason       TEXT NOT NULL,
            rejected_at  REAL NOT NULL,
            reported     INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID
        """,
        # -- large content: resumable blob transfers ---------------------------------------
        """
        CREATE TABLE blob_transfers (
            blob_id     TEXT NOT NULL,
            direction   TEXT NOT NULL CHECK (direction IN ('up', 'down')),
            relay_url   TEXT NOT NULL,
            total       INTEGER NOT NULL,
            done        INTEGER NOT NULL DEFAULT 0,
            state       TEXT NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'complete', 'failed')),
            priority    INTEGER NOT NULL,
            ref         TEXT NOT NULL,
            descriptor  TEXT NOT NULL,
            last_error  TEXT,
            created_at  REAL NOT NULL,
            PRIMARY KEY (blob_id, direction)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE blob_chunks (
            blob_id    TEXT NOT NULL,
            direction  TEXT NOT NULL,
            seq        INTEGER NOT NULL,
            offset     INTEGER NOT NULL,
            data       BLOB NOT NULL,
            PRIMARY KEY (blob_id, direction, seq),
            FOREIGN KEY (blob_id, direction) REFERENCES blob_transfers (blob_id, direction)
                ON DELETE CASCADE
        )
        """,
    ),
)
