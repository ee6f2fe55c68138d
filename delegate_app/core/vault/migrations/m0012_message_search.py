"""Version 12: messages and comment threads in the full-text index.

Triggers keep both indexes in step with their tables whatever deletes a row (an expiring
message, a deleted conversation through its foreign key, a deleted comment), so nothing that
has left the vault stays searchable. What is indexed goes through ``delegate_index_text``, the
same normalisation as documents (``search_query.index_text``), which every connection registers
(``Database.open``).
"""

from delegate_app.core.vault.migrations import Migration

_TOKENIZER = "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'"

MIGRATION = Migration(
    version=12,
    name="message_search",
    statements=(
        f"CREATE VIRTUAL TABLE messages_fts USING fts5 (body, {_TOKENIZER})",
        f"CREATE VIRTUAL TABLE comments_fts USING fts5 (body, quote, {_TOKENIZER})",
        """
        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts (rowid, body) VALUES (new.id, delegate_index_text(new.body));
        END
        """,
        """
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            DELETE FROM messages_fts WHERE rowid = old.id;
        END
        """,
        """
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
            DELETE FROM messages_fts WHERE rowid = old.id;
            INSERT INTO messages_fts (rowid, body) VALUES (new.id, delegate_index_text(new.body));
        END
        """,
        """
        CREATE TRIGGER comments_fts_insert AFTER INSERT ON document_comments BEGIN
            INSERT INTO comments_fts (rowid, body, quote)
            VALUES (new.id, delegate_index_text(new.body),
                    delegate_index_text(coalesce(new.quote, '')));
        END
        """,
        """
        CREATE TRIGGER comments_fts_delete AFTER DELETE ON document_comments BEGIN
            DELETE FROM comments_fts WHERE rowid = old.id;
        END
        """,
        """
        CREATE TRIGGER comments_fts_update AFTER UPDATE OF body, quote ON document_comments BEGIN
            DELETE FROM comments_fts WHERE rowid = old.id;
            INSERT INTO comments_fts (rowid, body, quote)
            VALUES (new.id, delegate_index_text(new.body),
                    delegate_index_text(coalesce(new.quote, '')));
        END
        """,
        "INSERT INTO messages_fts (rowid, body) SELECT id, delegate_index_text(body) FROM messages",
        "INSERT INTO comments_fts (rowid, body, quote)"
        " SELECT id, delegate_index_text(body), delegate_index_text(coalesce(quote, ''))"
        " FROM document_comments",
    ),
)
