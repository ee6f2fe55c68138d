"""Envelope and stream throughput against the bare PyNaCl primitives underneath them.

- ``envelope_seal_open``: seal + open of a 1 KiB message for one recipient, per second, against
  the bare primitives an envelope needs at minimum (a SealedBox of the content key, with its fresh
  ephemeral key, one XChaCha20-Poly1305 of the padded body, one Ed25519 signature and its
  verification). The envelope also verifies the sender's signed encryption key, one more Ed25519
  verification the bare figure does not pay.
- ``stream_chunked``: MB/s of chunked secretstream encryption + decryption of a 100 MB payload
  through ``delegate_app.core.crypto.stream`` against raw secretstream push/pull in 1 MiB chunks.
Ratios are throughput ratios (higher is better; target >= 0.7).
"""

from __future__ import annotations

import os
import time
from typing import Any

import nacl.bindings as sodium
import nacl.public
import nacl.signing

from benchmarks.common import row, scaled
from delegate_app.core.crypto.envelope import open_envelope, seal
from delegate_app.core.crypto.identity import LocalIdentity
from delegate_app.core.crypto.stream import CHUNK_SIZE, decrypt_all, encrypt_chunks, new_stream_key


def _rate(count: int, func: Any) -> float:
    started = time.perf_counter()
    for _ in range(count):
        func()
    return count / (time.perf_counter() - started)


def _envelope_rows() -> list[dict[str, Any]]:
    sender, recipient = LocalIdentity.generate(), LocalIdentity.generate()
    public = recipient.public()
    message = os.urandom(1024)

    def ours() -> None:
        envelope = seal(sender, [public], "message/v1", message, timestamp=1_800_000_000)
        open_envelope(recipient, envelope.data)

    signing = nacl.signing.SigningKey.generate()
    verify = signing.verify_key
    sealer = nacl.public.SealedBox(nacl.public.PublicKey(public.encryption_key))
    opener = nacl.public.SealedBox(recipient.private_key)
    key = os.urandom(32)
    padded = message + b"\x80" + bytes(2048 - len(message) - 1)

    def bare() -> None:
        wrapped = sealer.encrypt(key)  # fresh ephemeral key, as every envelope needs
        nonce = os.urandom(24)
        ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(padded, b"", nonce, key)
        signature = signing.sign(message).signature
        opener.decrypt(wrapped)
        sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(ct, b"", nonce, key)
        verify.verify(message, signature)

    count = scaled(2000, 100)
    ours()
    bare()
    ours_rate, bare_rate = _rate(count, ours), _rate(count, bare)
    return [row("envelope_seal_open", ours_rate, "ops/s", bare_rate, target="ratio >= 0.7",
                lower_is_better=False)]  # fmt: skip


def _stream_rows() -> list[dict[str, Any]]:
    total = scaled(100 * 1024 * 1024, 4 * 1024 * 1024)
    chunks = [os.urandom(CHUNK_SIZE) for _ in range(max(1, total // CHUNK_SIZE))]
    size_mb = sum(len(c) for c in chunks) / 1e6
    key = new_stream_key()

    started = time.perf_counter()
    header, encrypted = encrypt_chunks(key, iter(chunks))
    decrypt_all(key, header, list(encrypted))
    ours = size_mb / (time.perf_counter() - started)

    started = time.perf_counter()
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    head = sodium.crypto_secretstream_xchacha20poly1305_init_push(state, key)
    raw = [
        sodium.crypto_secretstream_xchacha20poly1305_push(
            state, c, None,
            sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL if i == len(chunks) - 1
            else sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE,
        )
        for i, c in enumerate(chunks)
    ]  # fmt: skip
    pull = sodium.crypto_secretstream_xchacha20poly1305_state()
    sodium.crypto_secretstream_xchacha20poly1305_init_pull(pull, head, key)
    for c in raw:
        sodium.crypto_secretstream_xchacha20poly1305_pull(pull, c, None)
    bare = size_mb / (time.perf_counter() - started)
    return [row("stream_chunked", ours, "MB/s", bare, target="ratio >= 0.7",
                lower_is_better=False)]  # fmt: skip


def run() -> list[dict[str, Any]]:
    return _envelope_rows() + _stream_rows()
