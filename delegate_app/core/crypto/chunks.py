"""Attachment chunks, format 2: each chunk an independent XChaCha20-Poly1305 AEAD.

Chunk ``i`` of an attachment is sealed with libsodium's
``crypto_aead_xchacha20poly1305_ietf`` under the attachment's random key, with a nonce
derived from ``i`` and associated data binding the blob id, ``i``, the chunk count and the
plaintext length (docs/PROTOCOL.md §5.2, ADR 0024). Because nothing depends on the chunks
before it, any chunk can be sealed again from the stored plaintext (the sender keeps no
ciphertext) and opened on arrival (the receiver keeps no ciphertext either). Truncation,
reordering, a chunk of another attachment and a different total all fail to open.
"""

from __future__ import annotations

import math
import struct

import nacl.bindings as sodium
import nacl.exceptions
import nacl.utils

from delegate_app.core.crypto.errors import StreamError
from delegate_app.i18n import _

FORMAT = 2
CHUNK_SIZE = 1024 * 1024  # plaintext bytes per chunk (the last one may be shorter or empty)
ABYTES = sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES  # 16
KEY_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES  # 32
NONCE_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES  # 24
BLOB_ID_BYTES = 32
SEALED_CHUNK = CHUNK_SIZE + ABYTES
MAGIC = b"dlg-att2"  # 8 bytes: starts both the nonce and the associated data
MAX_PLAIN = 1 << 40


class ChunkError(StreamError):
    """An attachment chunk did not open: altered, misplaced, from another attachment or total."""


def new_chunk_key() -> bytes:
    """A fresh key for one attachment (never used for a second one)."""
    return bytes(nacl.utils.random(KEY_BYTES))


def chunk_count(plain_size: int) -> int:
    return max(1, math.ceil(plain_size / CHUNK_SIZE))


def sealed_size(plain_size: int) -> int:
    """Bytes on the relay for ``plain_size`` plaintext bytes."""
    return plain_size + chunk_count(plain_size) * ABYTES


def plain_length(index: int, plain_size: int) -> int:
    """Plaintext bytes of chunk ``index`` of an attachment of ``plain_size`` bytes."""
    return max(0, min(CHUNK_SIZE, plain_size - index * CHUNK_SIZE))


def nonce(index: int) -> bytes:
    """``"dlg-att2" || 8 zero bytes || u64be(index)``: unique per chunk under one key."""
    return MAGIC + bytes(8) + struct.pack(">Q", index)


def associated_data(blob_id: bytes, index: int, count: int, plain_size: int) -> bytes:
    """``"dlg-att2" || blob id (32) || u64be(index) || u64be(count) || u64be(plain_size)``."""
    return MAGIC + blob_id + struct.pack(">QQQ", index, count, plain_size)


class ChunkSealer:
    """Seals and opens the chunks of one attachment (key, blob id and plaintext size fixed)."""

    def __init__(self, key: bytes, blob_id: bytes, plain_size: int) -> None:
        if len(key) != KEY_BYTES or len(blob_id) != BLOB_ID_BYTES:
            raise StreamError(_("The attachment key or id has the wrong length."))
        if not 0 <= plain_size <= MAX_PLAIN:
            raise StreamError(_("The attachment size is out of range."))
        self.key = key
        self.blob_id = blob_id
        self.plain_size = plain_size
        self.count = chunk_count(plain_size)

    def _ad(self, index: int) -> bytes:
        return associated_data(self.blob_id, index, self.count, self.plain_size)

    def seal(self, index: int, plain: bytes) -> bytes:
        if not 0 <= index < self.count or len(plain) != plain_length(index, self.plain_size):
            raise StreamError(_("Chunk {index} has the wrong size.").format(index=index))
        return bytes(
            sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
                plain, self._ad(index), nonce(index), self.key
            )
        )

    def open(self, index: int, sealed: bytes) -> bytes:
        """The plaintext of chunk ``index``; raises ChunkError if it is not exactly that chunk."""
        expected = plain_length(index, self.plain_size) + ABYTES
        if not 0 <= index < self.count or len(sealed) != expected:
            raise ChunkError(_("Chunk {index} has the wrong size.").format(index=index))
        try:
            plain = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
                sealed, self._ad(index), nonce(index), self.key
            )
        except (nacl.exceptions.CryptoError, ValueError, TypeError):
            raise ChunkError(
                _("Chunk {index} is corrupt or out of order.").format(index=index)
            ) from None
        return bytes(plain)
