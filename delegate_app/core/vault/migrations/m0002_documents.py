"""Version 2: documents, their version history, attachments (PDF bytes) and the FTS5 index."""

from delegate_app.core.vault.migrations import Migration

MIGRATION = Migration(
    version=2,
    name="documents",
    statements=(
        """
        CREATE TABLE documents (
            id               INTEGER PRIMARY KEY,
            uid              TEXT NOT NULL UNIQUE,
            kind             TEXT NOT NULL
                             CHECK (kind IN ('briefing', 'position-paper', 'note')),
            title            TEXT NOT NULL,
            event            TEXT,
            classification   TEXT NOT NULL,
            language         TEXT,
            author           TEXT,
            tags             TEXT NOT NULL DEFAULT '',
            body_format      TEXT NOT NULL
                             CHECK (body_format IN ('markdown', 'html', 'text', 'pdf')),
            body             TEXT NOT NULL,
            source_name      TEXT,
            created_at       REAL NOT NULL,
            updated_at       REAL NOT NULL,
            is_read          INTEGER NOT NULL DEFAULT 0,
            reading_position REAL NOT NULL DEFAULT 0,
            version          INTEGER NOT NULL DEFAULT 1
        )
        """,
        "CREATE INDEX documents_kind_updated ON documents (kind, updated_at DESC)",
        "CREATE INDEX documents_event ON documents (event)",
        """
        CREATE TABLE document_versions (
            document_id  INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            version      INTEGER NOT NULL,
            title        TEXT NOT NULL,
            body_format  TEXT NOT NULL,
            body         TEXT NOT NULL,
            saved_at     REAL NOT NULL,
            PRIMARY KEY (document_id, version)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE attachments (
            id           INTEGER PRIMARY KEY,
            document_id  INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
            filename     TEXT NOT NULL,
            mime_type    TEXT NOT NULL,
            size         INTEGER NOT NULL,
            data         BLOB NOT NULL
        )
        """,
        "CREATE INDEX attachments_document ON attachments (document_id)",
        """
        CREATE VIRTUAL TABLE documents_fts USING fts5 (
            title, tags, body,
            tokenize = 'unicode61 remove_diacritics 2',
            prefix = '2 3'
        )
        """,
    ),
)
