"""Resumable upload and download of encrypted blobs, progress kept in the vault.

Upload: ask the relay how many bytes it holds, send the rest chunk by chunk,
recording progress after each; completed chunks are dropped from the vault.
Download: stream from the last stored byte, commit each whole ciphertext chunk
as it arrives; a cut connection loses at most the chunk in flight. Neither
re-sends a chunk the other side already has, across connections and restarts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from delegate_app.core.errors import CryptoError
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.messaging.transfers import BlobTransfer, TransferDirection, TransferStore
from delegate_app.core.sharing.service import CIPHER_CHUNK
from delegate_app.i18n import _
from sync.client.errors import (
    BlobNotReadyError,
    BlobOffsetError,
    BlobSizeError,
    RelayProtocolError,
)
from sync.client.relay_client import DepositCapability, RelayClient

log = logging.getLogger(__name__)

#: Called between chunks; returning True means "more urgent work is waiting: yield now".
Interrupt = Callable[[], bool]
#: Called with the number of bytes moved by each step.
BytesProgress = Callable[[int], None]

MAX_OFFSET_RETRIES = 5
PUT_BYTES = 4 * 1024 * 1024  # ciphertext sent per PUT (several chunks per request)
COMMIT_CHUNKS = 4  # downloaded chunks committed per transaction


class TransferPaused(Exception):  # noqa: N818 - a signal, not an error
    """A transfer stopped between chunks so that more urgent work can go first."""


def _put(
    client: RelayClient,
    store: TransferStore,
    blob_id: str,
    offset: int,
    pieces: list[bytes],
    progress: BytesProgress | None,
    capability: DepositCapability | None = None,
) -> int:
    """Send ``pieces`` at ``offset`` in one request, record the progress; the new offset."""
    body = b"".join(pieces)
    client.blob_put(blob_id, offset, body, capability)
    offset += len(body)
    store.set_uploaded(blob_id, offset)
    if progress is not None:
        progress(len(body))
    return offset


def upload_blob(
    room: Mailroom,
    client: RelayClient,
    transfer: BlobTransfer,
    *,
    progress: BytesProgress | None = None,
    interrupt: Interrupt | None = None,
    capability: DepositCapability | None = None,
) -> bool:
    """Upload what the relay is missing of ``transfer``. True when the blob is complete there.

    ``capability`` (our mailbox and deposit token, on our own relay) charges it to our mailbox.
    """
    store = TransferStore(room.db)
    blob_id = transfer.blob_id
    for _attempt in range(MAX_OFFSET_RETRIES):
        status = client.blob_status(blob_id)
        offset = status.size if status is not None else 0
        if status is not None and status.complete:
            store.complete(blob_id, TransferDirection.UP)
            return True
        first = next(store.chunks_from(blob_id, TransferDirection.UP, offset), None)
        if offset < transfer.total and (first is None or first.offset > offset):
            # The relay lost bytes we already dropped: this upload cannot be finished.
            store.fail(blob_id, TransferDirection.UP, "the relay lost part of the upload")
            log.warning("Blob upload failed: relay lost acknowledged bytes")
            return False
        store.set_uploaded(blob_id, offset)
        try:
            pending: list[bytes] = []  # consecutive pieces sent together in one PUT
            pending_size = 0
            for chunk in store.chunks_from(blob_id, TransferDirection.UP, offset):
                piece = chunk.data[max(offset + pending_size - chunk.offset, 0) :]
                if piece:
                    pending.append(piece)
                    pending_size += len(piece)
                if pending_size >= PUT_BYTES or chunk.end >= transfer.total:
                    offset = _put(client, store, blob_id, offset, pending, progress, capability)
                    pending, pending_size = [], 0
                    if interrupt is not None and offset < transfer.total and interrupt():
                        raise TransferPaused
            if pending:
                offset = _put(client, store, blob_id, offset, pending, progress, capability)
            client.blob_complete(blob_id, transfer.total)
        except BlobOffsetError as exc:
            log.info("Blob upload offset moved; asking the relay again")
            if exc.offset < 0:
                raise RelayProtocolError(_("The relay rejected the upload.")) from None
            continue
        store.complete(blob_id, TransferDirection.UP)
        return True
    raise RelayProtocolError(_("The relay keeps disagreeing about an upload's progress."))


def download_blob(
    room: Mailroom,
    client: RelayClient,
    transfer: BlobTransfer,
    *,
    progress: BytesProgress | None = None,
    interrupt: Interrupt | None = None,
) -> str | None:
    """Fetch what we lack of ``transfer`` and, once whole, decrypt and attach it.

    Returns None when done or not available yet; a reason string when the blob was
    refused (tampered, truncated, wrong size) and the transfer marked failed.
    """
    store = TransferStore(room.db)
    blob_id = transfer.blob_id
    offset = transfer.done
    seq = store.chunk_count(blob_id, TransferDirection.DOWN)
    if offset < transfer.total:
        buffer = bytearray()
        try:
            for piece in client.blob_get(blob_id, offset, expect=transfer.total - offset):
                buffer += piece
                if offset + len(buffer) > transfer.total:
                    reason = "the relay sent more bytes than the attachment has"
                    store.fail(blob_id, TransferDirection.DOWN, reason)
                    return reason
                if len(buffer) >= CIPHER_CHUNK * COMMIT_CHUNKS:
                    # Whole chunks are committed a few at a time, with the progress they make.
                    moved = 0
                    with room.db.transaction():
                        while len(buffer) >= CIPHER_CHUNK:
                            chunk = bytes(buffer[:CIPHER_CHUNK])
                            del buffer[:CIPHER_CHUNK]
                            store.add_downloaded_chunk(blob_id, seq, offset, chunk)
                            seq += 1
                            offset += len(chunk)
                            moved += len(chunk)
                    if progress is not None:
                        progress(moved)
                    if interrupt is not None and offset < transfer.total and interrupt():
                        raise TransferPaused
        except BlobNotReadyError:
            return None  # not uploaded completely yet: try again later
        except BlobSizeError as exc:
            # More than declared: whatever arrived is discarded, nothing is attached.
            reason = str(exc)
            store.fail(blob_id, TransferDirection.DOWN, reason)
            log.warning("Blob download refused: more bytes than declared")
            return reason
        if buffer and (offset + len(buffer) == transfer.total or len(buffer) >= CIPHER_CHUNK):
            # The end of the stream: the whole chunks left, and the short final chunk if the
            # blob is complete (a cut connection leaves a partial chunk that is not kept).
            moved = 0
            with room.db.transaction():
                while buffer:
                    size = CIPHER_CHUNK if len(buffer) >= CIPHER_CHUNK else len(buffer)
                    if size < CIPHER_CHUNK and offset + size != transfer.total:
                        break
                    store.add_downloaded_chunk(blob_id, seq, offset, bytes(buffer[:size]))
                    del buffer[:size]
                    seq += 1
                    offset += size
                    moved += size
            if progress is not None:
                progress(moved)
    if offset != transfer.total:
        return None  # the stream ended early (connection cut): resume next time
    whole = store.get(blob_id, TransferDirection.DOWN)
    if whole is None:  # pragma: no cover - we hold the row
        return None
    try:
        room.sharing.complete_download(whole, store.chunks_from(blob_id, TransferDirection.DOWN, 0))
    except CryptoError as exc:
        reason = str(exc)
        store.fail(blob_id, TransferDirection.DOWN, reason)
        log.warning("Blob download refused: %s", reason)
        return reason
    return None
