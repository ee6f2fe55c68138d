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
from sync.client.errors import BlobNotReadyError, BlobOffsetError, RelayProtocolError
from sync.client.relay_client import RelayClient

log = logging.getLogger(__name__)

#: Called between chunks; returning True means "more urgent work is waiting: yield now".
Interrupt = Callable[[], bool]
#: Called with the number of bytes moved by each step.
BytesProgress = Callable[[int], None]

MAX_OFFSET_RETRIES = 5


class TransferPaused(Exception):  # noqa: N818 - a signal, not an error
    """A transfer stopped between chunks so that more urgent work can go first."""


def upload_blob(
    room: Mailroom,
    client: RelayClient,
    transfer: BlobTransfer,
    *,
    progress: BytesProgress | None = None,
    interrupt: Interrupt | None = None,
) -> bool:
    """Upload what the relay is missing of ``transfer``. True when the blob is complete there."""
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
            for chunk in store.chunks_from(blob_id, TransferDirection.UP, offset):
                start = max(offset - chunk.offset, 0)
                piece = chunk.data[start:]
                if piece:
                    client.blob_put(blob_id, chunk.offset + start, piece)
                    offset = chunk.end
                    store.set_uploaded(blob_id, offset)
                    if progress is not None:
                        progress(len(piece))
                if interrupt is not None and offset < transfer.total and interrupt():
                    raise TransferPaused
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
            for piece in client.blob_get(blob_id, offset):
                buffer += piece
                if offset + len(buffer) > transfer.total:
                    reason = "the relay sent more bytes than the attachment has"
                    store.fail(blob_id, TransferDirection.DOWN, reason)
                    return reason
                while len(buffer) >= CIPHER_CHUNK:
                    chunk = bytes(buffer[:CIPHER_CHUNK])
                    del buffer[:CIPHER_CHUNK]
                    store.add_downloaded_chunk(blob_id, seq, offset, chunk)
                    seq += 1
                    offset += len(chunk)
                    if progress is not None:
                        progress(len(chunk))
                    if interrupt is not None and offset < transfer.total and interrupt():
                        raise TransferPaused
        except BlobNotReadyError:
            return None  # not uploaded completely yet: try again later
        if buffer:
            store.add_downloaded_chunk(blob_id, seq, offset, bytes(buffer))
            offset += len(buffer)
            if progress is not None:
                progress(len(buffer))
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
