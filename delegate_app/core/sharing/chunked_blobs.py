"""The vault's side of a format 2 blob transfer: chunks sealed on demand, opened once.

Upload (:class:`SealedSource`): chunk ``i`` is sealed from the attachment's plaintext chunk row
``i`` when it is sent, so the sender keeps no ciphertext; a resumed upload seals again from the
chunk the relay's offset falls in (the same bytes: same key, nonce, associated data and
plaintext, since chunk rows never change).

Download (:class:`OpenedSink`): each chunk is opened as it arrives and its plaintext is written
as the next chunk row of an incomplete attachment, in the transaction that records the progress;
a resumed download continues at the next chunk. Only when every chunk is there, the total
matches and the SHA-256 the sender signed matches is the row marked complete (and shown).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence

from delegate_app.core.crypto.chunks import (
    ABYTES,
    SEALED_CHUNK,
    ChunkSealer,
    plain_length,
)
from delegate_app.core.documents.attachment_store import AttachmentStore
from delegate_app.core.errors import CryptoError
from delegate_app.core.messaging.transfers import BlobTransfer, TransferDirection, TransferStore
from delegate_app.core.sharing.payloads import CHUNKED_FORMAT, BlobDescriptor
from delegate_app.core.sharing.service import SharingError
from delegate_app.core.sharing.store import SharingStore
from delegate_app.core.vault import Database
from delegate_app.i18n import _


class AttachmentSourceError(SharingError):
    """The plaintext an upload seals from is gone or no longer what the descriptor describes."""


class IncompleteAttachmentError(CryptoError):
    """Every chunk opened, but together they are not the attachment the sender signed."""


def is_chunked(transfer: BlobTransfer) -> bool:
    return descriptor_of(transfer).format == CHUNKED_FORMAT


def descriptor_of(transfer: BlobTransfer) -> BlobDescriptor:
    return BlobDescriptor.from_dict(json.loads(transfer.descriptor))


def _sealer(descriptor: BlobDescriptor) -> ChunkSealer:
    return ChunkSealer(
        bytes.fromhex(descriptor.key), bytes.fromhex(descriptor.blob_id), descriptor.plain_size
    )


def sealed_length(index: int, plain_size: int) -> int:
    return plain_length(index, plain_size) + ABYTES


class SealedSource:
    """The ciphertext of an outgoing format 2 attachment, sealed chunk by chunk when asked."""

    def __init__(self, db: Database, transfer: BlobTransfer) -> None:
        self.sealer = _sealer(descriptor_of(transfer))
        self.attachments = AttachmentStore(db)
        self.attachment_id = transfer.attachment_id

    def pieces(self, offset: int) -> Iterator[bytes]:
        """The ciphertext from byte ``offset`` on, one sealed chunk (or its tail) at a time."""
        index, skip = divmod(offset, SEALED_CHUNK)
        for i in range(index, self.sealer.count):
            plain = None if self.attachment_id is None else self.attachments.chunk(
                self.attachment_id, i
            )  # fmt: skip
            if plain is None or len(plain) != plain_length(i, self.sealer.plain_size):
                raise AttachmentSourceError(
                    _("The attachment is no longer in the vault as it was shared.")
                )
            yield self.sealer.seal(i, plain)[skip:]
            skip = 0


class OpenedSink:
    """Opens the chunks of an incoming format 2 attachment and writes them into the vault."""

    def __init__(self, db: Database, transfer: BlobTransfer) -> None:
        self.db = db
        self.blob_id = transfer.blob_id
        self.ref = transfer.ref
        self.descriptor = descriptor_of(transfer)
        self.sealer = _sealer(self.descriptor)
        self.transfers = TransferStore(db)
        self.attachments = AttachmentStore(db)
        self.attachment_id = transfer.attachment_id
        self.done = transfer.done
        self._hash = hashlib.sha256()
        if self.done and self.attachment_id is not None:
            # Resumed: the digest so far is that of the chunks already stored (read, not copied).
            for plain in self.attachments.chunks(self.attachment_id):
                self._hash.update(plain)

    @property
    def next_index(self) -> int:
        return self.done // SEALED_CHUNK

    @property
    def document_id(self) -> int | None:
        return SharingStore(self.db).document_id(self.ref)

    def next_length(self) -> int:
        """Bytes of the next sealed chunk expected (0 when all have arrived)."""
        if self.next_index >= self.sealer.count:
            return 0
        return sealed_length(self.next_index, self.sealer.plain_size)

    def write(self, sealed: Sequence[bytes]) -> int:
        """Open the next chunks and commit their plaintext with the progress; bytes consumed.

        Raises ``ChunkError`` (nothing of that batch is kept) when a chunk does not open.
        """
        index = self.next_index
        opened = [self.sealer.open(index + k, chunk) for k, chunk in enumerate(sealed)]
        done = self.done + sum(len(chunk) for chunk in sealed)
        with self.db.transaction():
            attachment_id = self.attachment_id
            if attachment_id is None or self.attachments.get(attachment_id) is None:
                doc_id = self.document_id
                if doc_id is None or index != 0:
                    raise AttachmentSourceError(_("The partly received attachment is gone."))
                attachment_id = self.attachments.begin(
                    doc_id, self.descriptor.filename, self.descriptor.plain_size
                )
            for k, plain in enumerate(opened):
                self.attachments.add_chunk(attachment_id, index + k, plain)
            self.transfers.record_opened(self.blob_id, done, attachment_id)
        self.attachment_id, self.done = attachment_id, done
        for plain in opened:
            self._hash.update(plain)
        return done

    def finish(self) -> None:
        """Mark the attachment complete (it replaces the document's PDF) and the transfer done.

        Raises :class:`IncompleteAttachmentError` when chunks are missing, the total differs or
        the plaintext is not the one the sender signed.
        """
        if self.attachment_id is None:
            raise IncompleteAttachmentError(_("The attachment arrived truncated."))
        count, size = self.attachments.stored(self.attachment_id)
        if count != self.sealer.count or size != self.sealer.plain_size:
            raise IncompleteAttachmentError(_("The attachment arrived truncated."))
        if self._hash.hexdigest() != self.descriptor.sha256:
            raise IncompleteAttachmentError(_("The attachment does not match its signed checksum."))
        with self.db.transaction():
            self.attachments.finish(self.attachment_id, self.descriptor.sha256)
            self.transfers.complete(self.blob_id, TransferDirection.DOWN)
