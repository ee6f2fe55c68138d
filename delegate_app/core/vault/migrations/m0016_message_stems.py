"""The stems of messages and comment threads, for language-aware search.

Beside the exact indexes of migration 12, one row per message (rowid = messages.id) and per
comment (rowid = document_comments.id) holds its distinct word stems, through
``delegate_stem_text`` (every stemmer of each word's script: a message has no declared
language, ADR 0026). The same triggers' shape keeps them in step, so whatever deletes a row
removes its stems in the same transaction. Existing rows are indexed here: messages and
comments are short, so the upgrade stays quick (stemming alone runs at about 10,000
thirty-word messages a second).
"""

from delegate_app.core.vault.migrations import Migration

_TOKENIZER = "tokenize = 'unicode61 remove_diacritics 2'"

MIGRATION = Migration(
    version=16,
    name="message_stems",
    statements=(
        f"CREATE VIRTUAL TABLE messages_stems USING fts5 (stems, {_TOKENIZER})",
        f"CREATE VIRTUAL TABLE comments_stems USING fts5 (stems, {_TOKENIZER})",
        """
        CREATE TRIGGER messages_stems_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_stems (rowid, stems) VALUES (new.id, delegate_stem_text(new.body));
        END
        """,
        """
        CREATE TRIGGER messages_stems_delete AFTER DELETE ON messages BEGIN
            DELETE FROM messages_stems WHERE rowid = old.id;
        END
        """,
        """
        CREATE TRIGGER messages_stems_update AFTER UPDATE OF body ON messages BEGIN
            DELETE FROM messages_stems WHERE rowid = old.id;
            INSERT INTO messages_stems (rowid, stems) VALUES (new.id, delegate_stem_text(new.body));
        END
        """,
        """
        CREATE TRIGGER comments_stems_insert AFTER INSERT ON document_comments BEGIN
            INSERT INTO comments_stems (rowid, stems)
            VALUES (new.id, delegate_stem_text(new.body, coalesce(new.quote, '')));
        END
        """,
        """
        CREATE TRIGGER comments_stems_delete AFTER DELETE ON document_comments BEGIN
            DELETE FROM comments_stems WHERE rowid = old.id;
        END
        """,
        """
        CREATE TRIGGER comments_stems_update AFTER UPDATE OF body, quote ON document_comments
        BEGIN
            DELETE FROM comments_stems WHERE rowid = old.id;
            INSERT INTO comments_stems (rowid, stems)
            VALUES (new.id, delegate_stem_text(new.body, coalesce(new.quote, '')));
        END
        """,
        "INSERT INTO messages_stems (rowid, stems)"
        " SELECT id, delegate_stem_text(body) FROM messages",
        "INSERT INTO comments_stems (rowid, stems)"
        " SELECT id, delegate_stem_text(body, coalesce(quote, '')) FROM document_comments",
    ),
)
