"""Attachment chunk format 2 (docs/PROTOCOL.md §5.2): the test vectors, and the attacks it stops.

The reference below is written from the document alone (libsodium through PyNaCl and
``struct``, nothing of ``delegate_app.core.crypto``); the vectors are the ones printed in the
document, which this test also reads, so the code, the text and the vectors cannot drift apart.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import nacl.bindings as sodium
import pytest

from delegate_app.core.crypto.chunks import (
    CHUNK_SIZE,
    ChunkError,
    ChunkSealer,
    new_chunk_key,
    sealed_size,
)
from delegate_app.core.errors import CryptoError

PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "PROTOCOL.md"
KEY = bytes(range(32))  # 000102…1f
BLOB = bytes(range(0x20, 0x40))  # 202122…3f
VECTORS = [
    # (index, count, plain_size, plaintext, sealed chunk)
    (0, 1, 12, b"known answer", "e74f99d5da7113ca5c75e569536f1ad312ff2d1b4bbcdca205257ce9"),
    (1, 2, CHUNK_SIZE + 5, bytes(range(5)), "afa0f2a0706e8d513ac62187c28e5bafc8d64283c7"),
]


def reference_seal(
    key: bytes, blob: bytes, index: int, count: int, size: int, plain: bytes
) -> bytes:
    nonce = b"dlg-att2" + bytes(8) + struct.pack(">Q", index)
    ad = b"dlg-att2" + blob + struct.pack(">QQQ", index, count, size)
    return bytes(sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plain, ad, nonce, key))


@pytest.mark.parametrize(("index", "count", "size", "plain", "sealed"), VECTORS)
def test_vectors_match_the_code_the_reference_and_the_document(
    index: int, count: int, size: int, plain: bytes, sealed: str
) -> None:
    sealer = ChunkSealer(KEY, BLOB, size)
    assert sealer.count == count
    assert sealer.seal(index, plain).hex() == sealed
    assert reference_seal(KEY, BLOB, index, count, size, plain).hex() == sealed
    assert sealer.open(index, bytes.fromhex(sealed)) == plain
    text = re.sub(r"\s+", " ", PROTOCOL.read_text(encoding="utf-8"))
    assert sealed in text


def test_sealing_again_gives_the_same_bytes() -> None:
    """What lets a resumed upload continue mid-chunk: the chunk is sealed again identically."""
    key, blob = new_chunk_key(), bytes(32)
    sealer = ChunkSealer(key, blob, 3 * CHUNK_SIZE)
    chunk = bytes(CHUNK_SIZE)
    assert sealer.seal(1, chunk) == ChunkSealer(key, blob, 3 * CHUNK_SIZE).seal(1, chunk)


def _sealed(size: int, key: bytes = KEY, blob: bytes = BLOB) -> list[bytes]:
    sealer = ChunkSealer(key, blob, size)
    data = bytes(i % 251 for i in range(size))
    return [
        sealer.seal(i, data[i * CHUNK_SIZE : (i + 1) * CHUNK_SIZE]) for i in range(sealer.count)
    ]


def test_a_chunk_opens_only_at_its_place_in_its_attachment_and_total() -> None:
    size = 3 * CHUNK_SIZE + 9
    chunks = _sealed(size)
    sealer = ChunkSealer(KEY, BLOB, size)
    with pytest.raises(ChunkError):  # reordered: chunk 1 offered as chunk 0
        sealer.open(0, chunks[1])
    with pytest.raises(ChunkError):  # same key, another blob id: substituted between attachments
        ChunkSealer(KEY, bytes(32), size).open(0, chunks[0])
    with pytest.raises(ChunkError):  # another total, same count and chunk lengths
        ChunkSealer(KEY, BLOB, size + 1).open(0, chunks[0])
    with pytest.raises(ChunkError):  # extended: one chunk more than it was sealed with
        ChunkSealer(KEY, BLOB, size + CHUNK_SIZE).open(1, chunks[1])
    with pytest.raises(ChunkError):  # truncated: the final chunk offered as a shorter end
        ChunkSealer(KEY, BLOB, 3 * CHUNK_SIZE).open(2, chunks[2])
    with pytest.raises(ChunkError):  # a chunk cut short
        sealer.open(3, chunks[3][:-1])
    altered = bytearray(chunks[2])
    altered[7] ^= 1
    with pytest.raises(ChunkError):
        sealer.open(2, bytes(altered))
    with pytest.raises(ChunkError):  # beyond the last chunk
        sealer.open(4, chunks[3])
    assert [sealer.open(i, c) for i, c in enumerate(chunks)] == [
        bytes(i % 251 for i in range(size))[i * CHUNK_SIZE : (i + 1) * CHUNK_SIZE] for i in range(4)
    ]
    assert sum(map(len, chunks)) == sealed_size(size)


def test_bad_parameters_are_typed_errors() -> None:
    with pytest.raises(CryptoError):
        ChunkSealer(KEY[:31], BLOB, 1)
    with pytest.raises(CryptoError):
        ChunkSealer(KEY, BLOB, -1)
    with pytest.raises(CryptoError):
        ChunkSealer(KEY, BLOB, 10).seal(0, b"short")
