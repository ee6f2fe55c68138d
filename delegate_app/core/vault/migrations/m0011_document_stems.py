"""Version 11: the stems of each document's words, for language-aware search.

One row per document (rowid = documents.id): its distinct word stems, space-separated. Existing
documents get theirs in batches after unlock (``Library.index_stems``), so the upgrade itself
is instant and exact search works throughout.
"""

from delegate_app.core.vault.migrations import Migration

MIGRATION = Migration(
    version=11,
    name="document_stems",
    statements=(
        """
        CREATE VIRTUAL TABLE documents_stems USING fts5 (
            stems,
            tokenize = 'unicode61 remove_diacritics 2'
        )
        """,
    ),
)
