"""Chunked encryption of large content with libsodium's secretstream (XChaCha20-Poly1305).

Each chunk is authenticated together with the state of every chunk before it, and
the last one carries the FINAL tag: truncation, reordering, duplication and
tampering are all detected. The chunk index is also bound as associated data so
an error names the chunk. Resuming a download re-creates the decryptor from the
header and replays the chunks already stored (cheap compared with the network).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator

import nacl.bindings as sodium
import nacl.exceptions
import nacl.utils

from delegate_app.core.crypto.errors import StreamError
from delegate_app.i18n import _

CHUNK_SIZE = 1024 * 1024
ABYTES = sodium.crypto_secretstream_xchacha20poly1305_ABYTES
HEADER_BYTES = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES
KEY_BYTES = sodium.crypto_secretstream_xchacha20poly1305_KEYBYTES
TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL


def new_stream_key() -> bytes:
    return bytes(nacl.utils.random(KEY_BYTES))


def encrypted_chunk_size(plain_size: int) -> int:
    return plain_size + ABYTES


def _ad(index: int) -> bytes:
    return b"dlg-chunk" + struct.pack(">Q", index)


class StreamEncryptor:
    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise StreamError(_("A stream key has 32 bytes."))
        self._state = sodium.crypto_secretstream_xchacha20poly1305_state()
        self.header = bytes(
            sodium.crypto_secretstream_xchacha20poly1305_init_push(self._state, key)
        )
        self._index = 0
        self._finished = False

    def encrypt_chunk(self, data: bytes, *, final: bool) -> bytes:
        if self._finished:
            raise StreamError(_("The stream is already finished."))
        tag = TAG_FINAL if final else TAG_MESSAGE
        chunk = sodium.crypto_secretstream_xchacha20poly1305_push(
            self._state, data, _ad(self._index), tag
        )
        self._index += 1
        self._finished = final
        return bytes(chunk)


class StreamDecryptor:
    """Decrypts the chunks of one stream, in order. ``index`` is the next chunk expected."""

    def __init__(self, key: bytes, header: bytes) -> None:
        if len(key) != KEY_BYTES or len(header) != HEADER_BYTES:
            raise StreamError(_("The stream key or header has the wrong length."))
        self._state = sodium.crypto_secretstream_xchacha20poly1305_state()
        try:
            sodium.crypto_secretstream_xchacha20poly1305_init_pull(self._state, header, key)
        except (nacl.exceptions.CryptoError, ValueError):
            raise StreamError(_("The stream header is invalid.")) from None
        self.index = 0
        self.finished = False

    def decrypt_chunk(self, data: bytes) -> tuple[bytes, bool]:
        """Plaintext of the next chunk and whether it was the final one."""
        if self.finished:
            raise StreamError(_("Data follows the end of the stream."))
        try:
            plain, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(
                self._state, data, _ad(self.index)
            )
        except (nacl.exceptions.CryptoError, ValueError, TypeError):
            raise StreamError(
                _("Chunk {index} is corrupt or out of order.").format(index=self.index)
            ) from None
        self.index += 1
        self.finished = tag == TAG_FINAL
        return bytes(plain), self.finished

    @classmethod
    def resume(cls, key: bytes, header: bytes, stored: Iterable[bytes]) -> StreamDecryptor:
        """A decryptor positioned after the encrypted chunks ``stored`` (verified again).

        secretstream state cannot be saved, so resuming a transfer re-creates the state
        from the header and replays the chunks already on disk; the next call to
        :meth:`decrypt_chunk` takes chunk number ``len(stored)``.
        """
        decryptor = cls(key, header)
        for chunk in stored:
            decryptor.decrypt_chunk(chunk)
        return decryptor


def encrypt_chunks(key: bytes, chunks: Iterable[bytes]) -> tuple[bytes, Iterator[bytes]]:
    """Header and encrypted chunks for plaintext ``chunks`` (the last one is marked final)."""
    encryptor = StreamEncryptor(key)

    def generate() -> Iterator[bytes]:
        previous: bytes | None = None
        for chunk in chunks:
            if previous is not None:
                yield encryptor.encrypt_chunk(previous, final=False)
            previous = chunk
        yield encryptor.encrypt_chunk(previous or b"", final=True)

    return encryptor.header, generate()


def decrypt_all(key: bytes, header: bytes, chunks: Iterable[bytes]) -> bytes:
    """The whole plaintext; raises StreamError when the stream is truncated or altered."""
    decryptor = StreamDecryptor(key, header)
    parts = [decryptor.decrypt_chunk(chunk)[0] for chunk in chunks]
    if not decryptor.finished:
        raise StreamError(_("The stream was truncated."))
    return b"".join(parts)
