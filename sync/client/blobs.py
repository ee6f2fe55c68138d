"""Resumable upload and download of encrypted blobs, progress kept in the vault.

Upload: ask the relay how many bytes it holds, send the rest chunk by chunk,
recording progress after each. Format 2 seals each chunk from the stored attachment
as it is sent (nothing sealed is kept); format 1 sends the ciphertext chunks sealed
at share time and drops them as they are acknowledged.
Download: stream from the last stored byte and commit whole chunks as they arrive
(format 2: opened, their plaintext written into the attachment; format 1: the
ciphertext, decrypted at the end); a cut connection loses at most the chunks in
flight. Neither re-sends a chunk the other side already has, across connections
and restarts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from delegate_app.core.documents.attachment_store import transfer_cache
from delegate_app.core.errors import CryptoError
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.messaging.transfers import BlobTransfer, TransferDirection, TransferStore
from delegate_app.core.sharing.chunked_blobs import (
    AttachmentSourceError,
    OpenedSink,
    SealedSource,
    is_chunked,
    sealed_length,
)
from delegate_app.core.sharing.service import CIPHER_CHUNK
from delegate_app.i18n import _
from sync.client.errors import (
    BlobNotReadyError,
    BlobOffsetError,
    BlobSizeError,
    RelayProtocolError,
)
from sync.client.read_ahead import read_ahead
from sync.client.relay_client import DepositCapability, RelayClient

log = logging.getLogger(__name__)

#: Called between chunks; returning True means "more urgent work is waiting: yield now".
Interrupt = Callable[[], bool]
#: Called with the number of bytes moved by each step.
BytesProgress = Callable[[int], None]

MAX_OFFSET_RETRIES = 5
PUT_BYTES = 4 * 1024 * 1024  # ciphertext sent per PUT (several chunks per request)
COMMIT_CHUNKS = 4  # downloaded chunks committed per transaction
READ_PIECE = 1024 * 1024  # bytes read from the socket at a time (format 2: read one step ahead)


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
    if is_chunked(transfer):
        with transfer_cache(room.db):
            return _upload_sealed(room, client, transfer, progress, interrupt, capability)
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
        start = offset
        pieces = (
            chunk.data[max(start - chunk.offset, 0) :]
            for chunk in store.chunks_from(blob_id, TransferDirection.UP, start)
        )
        try:
            _send(client, store, transfer, offset, pieces, progress, interrupt, capability)
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
    if transfer.state != "pending":
        return None  # finished or refused already: nothing to fetch
    if is_chunked(transfer):
        with transfer_cache(room.db):
            return _download_opened(room, client, transfer, progress, interrupt)
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


# -- format 2: sealed on demand, opened once ----------------------------------------------


def _upload_sealed(
    room: Mailroom,
    client: RelayClient,
    transfer: BlobTransfer,
    progress: BytesProgress | None,
    interrupt: Interrupt | None,
    capability: DepositCapability | None,
) -> bool:
    """Upload from the relay's offset, sealing each chunk from the vault's plaintext."""
    store = TransferStore(room.db)
    blob_id = transfer.blob_id
    source = SealedSource(room.db, transfer)
    for _attempt in range(MAX_OFFSET_RETRIES):
        status = client.blob_status(blob_id)
        offset = status.size if status is not None else 0
        if status is not None and status.complete:
            store.complete(blob_id, TransferDirection.UP)
            return True
        if offset > transfer.total:
            raise RelayProtocolError(_("The relay rejected the upload."))
        store.set_uploaded(blob_id, offset)
        try:
            pieces = source.pieces(offset)
            _send(client, store, transfer, offset, pieces, progress, interrupt, capability)
        except AttachmentSourceError as exc:
            store.fail(blob_id, TransferDirection.UP, str(exc))
            log.warning("Blob upload failed: its attachment changed or is gone")
            return False
        except BlobOffsetError as exc:
            log.info("Blob upload offset moved; asking the relay again")
            if exc.offset < 0:
                raise RelayProtocolError(_("The relay rejected the upload.")) from None
            continue
        store.complete(blob_id, TransferDirection.UP)
        return True
    raise RelayProtocolError(_("The relay keeps disagreeing about an upload's progress."))


def _send(
    client: RelayClient,
    store: TransferStore,
    transfer: BlobTransfer,
    offset: int,
    pieces: Iterable[bytes],
    progress: BytesProgress | None,
    interrupt: Interrupt | None,
    capability: DepositCapability | None,
) -> None:
    """Send ``pieces`` (the upload's bytes from ``offset`` on), consecutive pieces together in
    PUTs of about PUT_BYTES, pausing between PUTs when asked, then mark the blob complete."""
    blob_id = transfer.blob_id
    pending: list[bytes] = []
    pending_size = 0
    for piece in pieces:
        if not piece:
            continue
        pending.append(piece)
        pending_size += len(piece)
        if pending_size >= PUT_BYTES:
            offset = _put(client, store, blob_id, offset, pending, progress, capability)
            pending, pending_size = [], 0
            if interrupt is not None and offset < transfer.total and interrupt():
                raise TransferPaused
    if pending:
        _put(client, store, blob_id, offset, pending, progress, capability)
    client.blob_complete(blob_id, transfer.total)


def _refuse(store: TransferStore, blob_id: str, reason: str) -> str:
    store.fail(blob_id, TransferDirection.DOWN, reason)
    log.warning("Blob download refused: %s", reason)
    return reason


def _download_opened(
    room: Mailroom,
    client: RelayClient,
    transfer: BlobTransfer,
    progress: BytesProgress | None,
    interrupt: Interrupt | None,
) -> str | None:
    """Fetch the missing chunks, open each on arrival and write it into the attachment."""
    store = TransferStore(room.db)
    blob_id = transfer.blob_id
    sink = OpenedSink(room.db, transfer)
    if sink.document_id is None:  # the document was deleted meanwhile: nothing to attach to
        store.complete(blob_id, TransferDirection.DOWN)
        return None
    try:
        if sink.done < transfer.total:
            buffer = bytearray()
            batch: list[bytes] = []
            batch_size = 0
            stream = client.blob_get(
                blob_id, sink.done, expect=transfer.total - sink.done, piece_size=READ_PIECE
            )
            for piece in read_ahead(stream):
                buffer += piece
                if sink.done + batch_size + len(buffer) > transfer.total:
                    return _refuse(store, blob_id, "the relay sent more bytes than declared")
                while (size := _next_size(sink, len(batch))) and len(buffer) >= size:
                    batch.append(bytes(buffer[:size]))
                    del buffer[:size]
                    batch_size += size
                if len(batch) >= COMMIT_CHUNKS:
                    sink.write(batch)
                    if progress is not None:
                        progress(batch_size)
                    batch, batch_size = [], 0
                    if interrupt is not None and sink.done < transfer.total and interrupt():
                        raise TransferPaused
            if batch:  # the whole chunks of a stream that ended (complete or cut)
                sink.write(batch)
                if progress is not None:
                    progress(batch_size)
    except BlobNotReadyError:
        return None  # not uploaded completely yet: try again later
    except BlobSizeError as exc:
        return _refuse(store, blob_id, str(exc))
    except CryptoError as exc:  # a chunk that does not open: altered, misplaced or foreign
        return _refuse(store, blob_id, str(exc))
    except AttachmentSourceError as exc:
        return _refuse(store, blob_id, str(exc))
    if sink.done != transfer.total:
        return None  # the stream ended early (connection cut): resume next time
    try:
        sink.finish()
    except CryptoError as exc:
        return _refuse(store, blob_id, str(exc))
    return None


def _next_size(sink: OpenedSink, queued: int) -> int:
    """Bytes of the sealed chunk after the ``queued`` ones not yet written (0: none left)."""
    index = sink.next_index + queued
    if index >= sink.sealer.count:
        return 0
    return sealed_length(index, sink.sealer.plain_size)
