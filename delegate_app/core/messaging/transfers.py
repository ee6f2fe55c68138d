"""Resumable blob transfers: progress (and, for format 1, ciphertext chunks) kept in the vault.

Format 2 (docs/PROTOCOL.md §5.2): nothing but the progress is kept here. An upload names the
attachment whose plaintext chunk rows it seals on demand (``attachment_id``); a download names
the incomplete attachment row each opened chunk is written into, and commits the progress with
the chunk. See :mod:`delegate_app.core.sharing.chunked_blobs`.

Format 1, for transfers begun before format 2: the ciphertext was sealed once, at send time,
and its chunks are stored here, so a resumed upload sends exactly the bytes the relay is missing
(secretstream output is not reproducible). Chunks wholly uploaded are dropped as the upload
proceeds. Downloads commit each ciphertext chunk as soon as it has arrived whole, with the new
progress, in one transaction; a resumed download asks the relay for the bytes after the last
stored chunk.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from delegate_app.core.vault import Database


class TransferDirection(StrEnum):
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True)
class BlobTransfer:
    blob_id: str
    direction: TransferDirection
    relay_url: str
    total: int  # ciphertext bytes
    done: int  # ciphertext bytes the relay holds (up) / we hold (down)
    state: str  # pending / complete / failed
    priority: int
    ref: str  # what the transfer belongs to (a document uid)
    descriptor: str  # JSON: what the receiving side needs (kept encrypted in the vault)
    last_error: str | None
    attempts: int = 0  # failed attempts in a row (reset by progress)
    retry_at: float = 0.0  # not tried again before this time (epoch seconds)
    sender_key: str | None = None  # download: the contact whose descriptor queued it
    attachment_id: int | None = None  # format 2: the attachment sealed from / written into


@dataclass(frozen=True)
class StoredChunk:
    seq: int
    offset: int
    data: bytes

    @property
    def end(self) -> int:
        return self.offset + len(self.data)


def _transfer(r: Any) -> BlobTransfer:
    return BlobTransfer(
        blob_id=str(r["blob_id"]),
        direction=TransferDirection(r["direction"]),
        relay_url=str(r["relay_url"]),
        total=int(r["total"]),
        done=int(r["done"]),
        state=str(r["state"]),
        priority=int(r["priority"]),
        ref=str(r["ref"]),
        descriptor=str(r["descriptor"]),
        last_error=r["last_error"],
        attempts=int(r["attempts"]),
        retry_at=float(r["retry_at"]),
        sender_key=r["sender_key"],
        attachment_id=r["attachment_id"],
    )


class TransferStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create_upload(
        self,
        *,
        blob_id: str,
        relay_url: str,
        chunks: Iterable[bytes],
        priority: int,
        ref: str,
        descriptor: str,
    ) -> int:
        """Store an upload and its ciphertext chunks (caller's transaction). Returns total."""
        now = time.time()
        with self.db.transaction() as db:
            db.execute(
                "INSERT INTO blob_transfers (blob_id, direction, relay_url, total, priority, ref,"
                " descriptor, created_at) VALUES (?, 'up', ?, 0, ?, ?, ?, ?)",
                (blob_id, relay_url, priority, ref, descriptor, now),
            )
            offset = 0
            for seq, chunk in enumerate(chunks):
                db.execute(
                    "INSERT INTO blob_chunks (blob_id, direction, seq, offset, data)"
                    " VALUES (?, 'up', ?, ?, ?)",
                    (blob_id, seq, offset, chunk),
                )
                offset += len(chunk)
            db.execute(
                "UPDATE blob_transfers SET total = ? WHERE blob_id = ? AND direction = 'up'",
                (offset, blob_id),
            )
        return offset

    def create_sealed_upload(
        self,
        *,
        blob_id: str,
        relay_url: str,
        total: int,
        attachment_id: int,
        priority: int,
        ref: str,
        descriptor: str,
    ) -> None:
        """Queue a format 2 upload: its chunks are sealed from ``attachment_id`` when sent."""
        self.db.execute(
            "INSERT INTO blob_transfers (blob_id, direction, relay_url, total, priority, ref,"
            " descriptor, created_at, attachment_id) VALUES (?, 'up', ?, ?, ?, ?, ?, ?, ?)",
            (blob_id, relay_url, total, priority, ref, descriptor, time.time(), attachment_id),
        )

    def record_opened(self, blob_id: str, done: int, attachment_id: int) -> None:
        """Format 2 download progress (in the transaction that writes the chunks it counts)."""
        self.db.execute(
            "UPDATE blob_transfers SET done = ?, attachment_id = ?, last_error = NULL,"
            " attempts = 0, retry_at = 0 WHERE blob_id = ? AND direction = 'down'",
            (done, attachment_id, blob_id),
        )

    def create_download(
        self,
        *,
        blob_id: str,
        relay_url: str,
        total: int,
        priority: int,
        ref: str,
        descriptor: str,
        sender_key: str | None = None,
        refusal: str | None = None,
    ) -> None:
        """Queue a download; with ``refusal`` it is recorded as failed at once (never fetched)."""
        self.db.execute(
            "INSERT OR IGNORE INTO blob_transfers (blob_id, direction, relay_url, total, priority,"
            " ref, descriptor, created_at, sender_key, state, last_error)"
            " VALUES (?, 'down', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                blob_id,
                relay_url,
                total,
                priority,
                ref,
                descriptor,
                time.time(),
                sender_key,
                "pending" if refusal is None else "failed",
                None if refusal is None else refusal[:200],
            ),
        )

    def get(self, blob_id: str, direction: TransferDirection) -> BlobTransfer | None:
        row = self.db.query_one(
            "SELECT * FROM blob_transfers WHERE blob_id = ? AND direction = ?",
            (blob_id, direction.value),
        )
        return None if row is None else _transfer(row)

    def pending(
        self, direction: TransferDirection | None = None, *, now: float | None = None
    ) -> list[BlobTransfer]:
        """Pending transfers, most urgent first; with ``now``, only those due by then."""
        sql = "SELECT * FROM blob_transfers WHERE state = 'pending'"
        params: list[str | float] = []
        if now is not None:
            sql += " AND retry_at <= ?"
            params.append(now)
        if direction is not None:
            sql += " AND direction = ?"
            params.append(direction.value)
        sql += " ORDER BY priority, created_at, blob_id"
        return [_transfer(row) for row in self.db.query(sql, params)]

    def refused_since(self, since: float) -> list[str]:
        """Reasons of downloads queued at or after ``since`` that were refused on arrival."""
        rows = self.db.query(
            "SELECT last_error FROM blob_transfers WHERE direction = 'down' AND state = 'failed'"
            " AND created_at >= ? ORDER BY created_at",
            (since,),
        )
        return [str(row["last_error"] or "") for row in rows]

    def for_ref(self, ref: str) -> list[BlobTransfer]:
        rows = self.db.query(
            "SELECT * FROM blob_transfers WHERE ref = ? ORDER BY direction, created_at", (ref,)
        )
        return [_transfer(row) for row in rows]

    # -- chunks ----------------------------------------------------------------------------

    def chunk_count(self, blob_id: str, direction: TransferDirection) -> int:
        row = self.db.query_one(
            "SELECT count(*) FROM blob_chunks WHERE blob_id = ? AND direction = ?",
            (blob_id, direction.value),
        )
        return int(row[0]) if row else 0

    def chunks_from(
        self, blob_id: str, direction: TransferDirection, offset: int = 0
    ) -> Iterator[StoredChunk]:
        """Stored chunks that end after ``offset``, in order, read one at a time."""
        row = self.db.query_one(
            "SELECT max(seq) FROM blob_chunks WHERE blob_id = ? AND direction = ? AND offset <= ?",
            (blob_id, direction.value, offset),
        )
        seq = int(row[0]) if row is not None and row[0] is not None else 0
        while True:
            chunk = self.db.query_one(
                "SELECT seq, offset, data FROM blob_chunks"
                " WHERE blob_id = ? AND direction = ? AND seq >= ? ORDER BY seq LIMIT 1",
                (blob_id, direction.value, seq),
            )
            if chunk is None:
                return
            stored = StoredChunk(int(chunk["seq"]), int(chunk["offset"]), bytes(chunk["data"]))
            if stored.end > offset or stored.end == offset == 0:
                yield stored
            seq = stored.seq + 1

    def set_uploaded(self, blob_id: str, done: int) -> None:
        """Record the relay's size, and drop the chunks it holds entirely."""
        with self.db.transaction() as db:
            db.execute(
                "UPDATE blob_transfers SET done = ?, last_error = NULL"
                " WHERE blob_id = ? AND direction = 'up'",
                (done, blob_id),
            )
            db.execute(
                "DELETE FROM blob_chunks WHERE blob_id = ? AND direction = 'up'"
                " AND offset + length(data) <= ?",
                (blob_id, done),
            )

    def add_downloaded_chunk(self, blob_id: str, seq: int, offset: int, data: bytes) -> None:
        """Commit one whole ciphertext chunk and the progress it makes, together."""
        with self.db.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO blob_chunks (blob_id, direction, seq, offset, data)"
                " VALUES (?, 'down', ?, ?, ?)",
                (blob_id, seq, offset, data),
            )
            db.execute(
                "UPDATE blob_transfers SET done = ?, last_error = NULL, attempts = 0, retry_at = 0"
                " WHERE blob_id = ? AND direction = 'down'",
                (offset + len(data), blob_id),
            )

    def last_downloaded(self, blob_id: str) -> StoredChunk | None:
        row = self.db.query_one(
            "SELECT seq, offset, data FROM blob_chunks WHERE blob_id = ? AND direction = 'down'"
            " ORDER BY seq DESC LIMIT 1",
            (blob_id,),
        )
        return None if row is None else StoredChunk(int(row["seq"]), int(row["offset"]), b"")

    def complete(self, blob_id: str, direction: TransferDirection) -> None:
        """Mark done and drop the chunks (in the caller's transaction)."""
        with self.db.transaction() as db:
            db.execute(
                "UPDATE blob_transfers SET state = 'complete', done = total, last_error = NULL"
                " WHERE blob_id = ? AND direction = ?",
                (blob_id, direction.value),
            )
            db.execute(
                "DELETE FROM blob_chunks WHERE blob_id = ? AND direction = ?",
                (blob_id, direction.value),
            )

    def fail(self, blob_id: str, direction: TransferDirection, error: str) -> None:
        """Mark failed and drop what was kept of it (a partly received attachment too)."""
        with self.db.transaction() as db:
            if direction is TransferDirection.DOWN:
                db.execute(
                    "DELETE FROM attachments WHERE complete = 0 AND id = (SELECT attachment_id"
                    " FROM blob_transfers WHERE blob_id = ? AND direction = 'down')",
                    (blob_id,),
                )
            db.execute(
                "UPDATE blob_transfers SET state = 'failed', last_error = ?"
                " WHERE blob_id = ? AND direction = ?",
                (error[:200], blob_id, direction.value),
            )
            db.execute(
                "DELETE FROM blob_chunks WHERE blob_id = ? AND direction = ?",
                (blob_id, direction.value),
            )

    def defer(
        self, blob_id: str, direction: TransferDirection, error: str, retry_at: float
    ) -> None:
        """Record one more failed attempt: not tried again before ``retry_at``."""
        self.db.execute(
            "UPDATE blob_transfers SET last_error = ?, attempts = attempts + 1, retry_at = ?"
            " WHERE blob_id = ? AND direction = ?",
            (error[:200], retry_at, blob_id, direction.value),
        )

    def note_error(self, blob_id: str, direction: TransferDirection, error: str) -> None:
        self.db.execute(
            "UPDATE blob_transfers SET last_error = ? WHERE blob_id = ? AND direction = ?",
            (error[:200], blob_id, direction.value),
        )
