"""Version 5: shared documents — provenance, revisions, holders, conflicts and comment threads.

Documents themselves stay in ``documents`` (version 2); a shared document is
linked by its ``uid``, which is the same in every vault that holds it.
"""

from delegate_app.core.vault.migrations import Migration

MIGRATION = Migration(
    version=5,
    name="sharing",
    statements=(
        """
        CREATE TABLE shared_documents (
            document_uid   TEXT PRIMARY KEY,
            origin_key     TEXT,
            shared_by      TEXT,
            received_at    REAL,
            verified       INTEGER NOT NULL DEFAULT 0,
            head_revision  TEXT,
            updated_at     REAL NOT NULL
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE shared_revisions (
            revision      TEXT PRIMARY KEY,
            document_uid  TEXT NOT NULL,
            parent        TEXT,
            author_key    TEXT,
            title         TEXT NOT NULL,
            body_format   TEXT NOT NULL,
            body          TEXT NOT NULL,
            created_at    REAL NOT NULL
        )
        """,
        "CREATE INDEX shared_revisions_document ON shared_revisions (document_uid, created_at)",
        """
        CREATE TABLE document_holders (
            document_uid  TEXT NOT NULL,
            identity_key  TEXT NOT NULL,
            PRIMARY KEY (document_uid, identity_key)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE document_conflicts (
            id             INTEGER PRIMARY KEY,
            document_uid   TEXT NOT NULL,
            revision       TEXT NOT NULL UNIQUE,
            base_revision  TEXT,
            author_key     TEXT NOT NULL,
            title          TEXT NOT NULL,
            body           TEXT NOT NULL,
            received_at    REAL NOT NULL,
            resolved_at    REAL
        )
        """,
        "CREATE INDEX document_conflicts_open ON document_conflicts (document_uid, resolved_at)",
        """
        CREATE TABLE document_comments (
            id            INTEGER PRIMARY KEY,
            uid           TEXT NOT NULL UNIQUE,
            document_uid  TEXT NOT NULL,
            author_key    TEXT,
            body          TEXT NOT NULL,
            quote         TEXT,
            reply_to      TEXT,
            created_at    REAL NOT NULL,
            received_at   REAL
        )
        """,
        "CREATE INDEX document_comments_document ON document_comments (document_uid, created_at)",
    ),
)
