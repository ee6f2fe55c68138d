"""A document's PDF in the vault: one row in ``attachments``, its bytes in fixed-size chunk rows.

Since vault version 15 the bytes of a new attachment are kept in ``attachment_chunks`` as
plaintext chunks of :data:`CHUNK_SIZE` bytes (the last one shorter), the same chunks an
attachment is sealed and sent in (docs/PROTOCOL.md §5.2). So an upload seals each chunk on
demand from these rows, and a download writes each chunk here as it is opened: the rows are the
attachment's final storage. Rows from before (``chunked = 0``) keep their bytes in
``attachments.data`` and stay readable.

Chunk rows are written once and never changed (a new PDF is a new ``attachments`` row): a chunk
sealed again for a resumed upload is therefore always sealed from the same plaintext.
A row with ``complete = 0`` is a download still in progress; nothing reads it as a file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from delegate_app.core.crypto.chunks import CHUNK_SIZE
from delegate_app.core.vault import Database

PDF = "application/pdf"

#: Page cache (KiB) of the vault connection while it moves an attachment's chunks. Every chunk
#: passes through the cache once; with the main connection's large cache (vault.py) a 100 MB
#: attachment would stay there, decrypted, as 100 MB more of resident memory (ADR 0024).
TRANSFER_CACHE_KIB = 8 * 1024


@contextmanager
def transfer_cache(db: Database, kib: int = TRANSFER_CACHE_KIB) -> Iterator[None]:
    """Bound the connection's page cache to ``kib`` for the block (restored after)."""
    row = db.query_one("PRAGMA cache_size")
    before = int(row[0]) if row is not None else -2000
    current_kib = -before if before < 0 else before * 4  # pages of 4 KiB (the vault's size)
    if current_kib <= kib:
        yield
        return
    db.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA cache_size = {before}")


@dataclass(frozen=True)
class StoredAttachment:
    id: int
    document_id: int
    filename: str
    size: int
    chunked: bool
    sha256: str | None = None  # hex of the plaintext, when recorded


def digest(chunks: Iterator[bytes]) -> str:
    value = hashlib.sha256()
    for chunk in chunks:
        value.update(chunk)
    return value.hexdigest()


def _attachment(row: Any) -> StoredAttachment:
    return StoredAttachment(
        id=int(row["id"]),
        document_id=int(row["document_id"]),
        filename=str(row["filename"]),
        size=int(row["size"]),
        chunked=bool(row["chunked"]),
        sha256=row["sha256"],
    )


class AttachmentStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- complete attachments ----------------------------------------------------------------

    def insert(self, document_id: int, filename: str, data: bytes) -> int:
        """Store ``data`` as a complete PDF of the document, in chunk rows."""
        with self.db.transaction() as db:
            attachment_id = self._row(
                document_id,
                filename,
                len(data),
                complete=True,
                sha256=hashlib.sha256(data).hexdigest(),
            )
            for seq, start in enumerate(range(0, max(len(data), 1), CHUNK_SIZE)):
                db.execute(
                    "INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (?, ?, ?)",
                    (attachment_id, seq, data[start : start + CHUNK_SIZE]),
                )
        return attachment_id

    def pdf(self, document_id: int) -> StoredAttachment | None:
        """The document's complete PDF (the first if, from old versions, there are several)."""
        row = self.db.query_one(
            "SELECT id, document_id, filename, size, chunked, sha256 FROM attachments"
            " WHERE document_id = ? AND mime_type = ? AND complete = 1 ORDER BY id LIMIT 1",
            (document_id, PDF),
        )
        return None if row is None else _attachment(row)

    def get(self, attachment_id: int) -> StoredAttachment | None:
        row = self.db.query_one(
            "SELECT id, document_id, filename, size, chunked, sha256 FROM attachments WHERE id = ?",
            (attachment_id,),
        )
        return None if row is None else _attachment(row)

    def read(self, attachment: StoredAttachment) -> bytes:
        if not attachment.chunked:
            row = self.db.query_one("SELECT data FROM attachments WHERE id = ?", (attachment.id,))
            return b"" if row is None else bytes(row["data"])
        return b"".join(self.chunks(attachment.id))

    def chunks(self, attachment_id: int, start: int = 0) -> Iterator[bytes]:
        """The chunk rows from ``start`` on, in order, read one at a time."""
        seq = start
        while (data := self.chunk(attachment_id, seq)) is not None:
            yield data
            seq += 1

    def chunk(self, attachment_id: int, seq: int) -> bytes | None:
        row = self.db.query_one(
            "SELECT data FROM attachment_chunks WHERE attachment_id = ? AND seq = ?",
            (attachment_id, seq),
        )
        return None if row is None else bytes(row["data"])

    def ensure_chunked(self, attachment: StoredAttachment) -> StoredAttachment:
        """The same attachment with its bytes in chunk rows (moved there once if older)."""
        if attachment.chunked:
            return attachment
        with self.db.transaction() as db:
            data = self.read(attachment)
            for seq, start in enumerate(range(0, max(len(data), 1), CHUNK_SIZE)):
                db.execute(
                    "INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (?, ?, ?)",
                    (attachment.id, seq, data[start : start + CHUNK_SIZE]),
                )
            db.execute(
                "UPDATE attachments SET data = x'', chunked = 1 WHERE id = ?", (attachment.id,)
            )
        return StoredAttachment(
            attachment.id,
            attachment.document_id,
            attachment.filename,
            attachment.size,
            True,
            attachment.sha256,
        )

    def sha256(self, attachment: StoredAttachment) -> str:
        """The attachment's SHA-256 (hex): recorded, or computed once and recorded."""
        if attachment.sha256 is not None:
            return attachment.sha256
        with transfer_cache(self.db):
            value = digest(self.chunks(attachment.id)) if attachment.chunked else digest(
                iter([self.read(attachment)])
            )  # fmt: skip
        self.db.execute("UPDATE attachments SET sha256 = ? WHERE id = ?", (value, attachment.id))
        return value

    def replace(self, document_id: int, filename: str, data: bytes) -> None:
        """Make ``data`` the document's PDF, replacing the complete one it had."""
        with self.db.transaction():
            self._drop_complete(document_id)
            self.insert(document_id, filename, data)

    # -- a download in progress ------------------------------------------------------------

    def begin(self, document_id: int, filename: str, size: int) -> int:
        """A new incomplete PDF row for the document, to be filled chunk by chunk."""
        return self._row(document_id, filename, size, complete=False)

    def add_chunk(self, attachment_id: int, seq: int, data: bytes) -> None:
        self.db.execute(
            "INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (?, ?, ?)",
            (attachment_id, seq, data),
        )

    def stored(self, attachment_id: int) -> tuple[int, int]:
        """How many chunk rows the attachment has, and their bytes together."""
        row = self.db.query_one(
            "SELECT count(*), coalesce(sum(length(data)), 0) FROM attachment_chunks"
            " WHERE attachment_id = ?",
            (attachment_id,),
        )
        return (0, 0) if row is None else (int(row[0]), int(row[1]))

    def finish(self, attachment_id: int, sha256: str) -> None:
        """Mark a filled row complete (its checked ``sha256`` recorded): it replaces the
        document's PDF, in one transaction."""
        attachment = self.get(attachment_id)
        if attachment is None:
            return
        with self.db.transaction() as db:
            self._drop_complete(attachment.document_id, keep=attachment_id)
            db.execute(
                "UPDATE attachments SET complete = 1, sha256 = ? WHERE id = ?",
                (sha256, attachment_id),
            )

    def discard(self, attachment_id: int) -> None:
        """Drop an incomplete row and its chunks (never a complete one)."""
        self.db.execute("DELETE FROM attachments WHERE id = ? AND complete = 0", (attachment_id,))

    # -- helpers ----------------------------------------------------------------------------

    def _row(
        self, document_id: int, filename: str, size: int, *, complete: bool,
        sha256: str | None = None,
    ) -> int:  # fmt: skip
        cursor = self.db.execute(
            "INSERT INTO attachments (document_id, filename, mime_type, size, data, chunked,"
            " complete, sha256) VALUES (?, ?, ?, ?, x'', 1, ?, ?)",
            (document_id, filename, PDF, size, int(complete), sha256),
        )
        return int(cursor.lastrowid or 0)

    def _drop_complete(self, document_id: int, keep: int | None = None) -> None:
        self.db.execute(
            "DELETE FROM attachments WHERE document_id = ? AND mime_type = ? AND complete = 1"
            " AND id IS NOT ?",
            (document_id, PDF, keep),
        )
