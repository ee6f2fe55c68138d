"""Envelope and stream throughput against the bare PyNaCl primitives underneath them.

- ``envelope_seal_open``: seal + open of a 1 KiB message for one recipient, per second, against
  the bare primitives an envelope needs at minimum (a SealedBox of the content key, with its fresh
  ephemeral key, one XChaCha20-Poly1305 of the padded body, one Ed25519 signature and its
  verification). The envelope also verifies the sender's signed encryption key once per sender
  (remembered afterwards), parses, pads and checks the recipient list.
- ``stream_chunked``: MB/s of chunked secretstream encryption + decryption of a 100 MB payload
  through ``delegate_app.core.crypto.stream`` (``encrypt_chunks`` then ``StreamDecryptor``, one
  chunk at a time as a downloader writing to disk uses it) against raw secretstream push/pull in
  1 MiB chunks. Neither side joins the plaintext into one buffer.
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
from delegate_app.core.crypto.stream import (
    CHUNK_SIZE,
    StreamDecryptor,
    encrypt_chunks,
    new_stream_key,
)


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
    ours_rates, bare_rates = [], []
    for _round in range(3):  # alternate, best of three each: the machine is shared
        ours_rates.append(_rate(count, ours))
        bare_rates.append(_rate(count, bare))
    return [row("envelope_seal_open", max(ours_rates), "ops/s", max(bare_rates),
                target="ratio >= 0.7", lower_is_better=False)]  # fmt: skip


def _stream_rows() -> list[dict[str, Any]]:
    total = scaled(100 * 1024 * 1024, 4 * 1024 * 1024)
    chunks = [os.urandom(CHUNK_SIZE) for _ in range(max(1, total // CHUNK_SIZE))]
    size_mb = sum(len(c) for c in chunks) / 1e6
    key = new_stream_key()

    def ours() -> float:
        started = time.perf_counter()
        header, encrypted = encrypt_chunks(key, iter(chunks))
        stored = list(encrypted)
        decryptor = StreamDecryptor(key, header)
        for chunk in stored:
            decryptor.decrypt_chunk(chunk)
        if not decryptor.finished:
            raise RuntimeError("benchmark stream did not finish")
        return size_mb / (time.perf_counter() - started)

    def bare() -> float:
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
        return size_mb / (time.perf_counter() - started)

    # Alternate, best of three each: the machine is shared and the first pass warms the heap.
    ours_rates, bare_rates = [], []
    for _round in range(3):
        ours_rates.append(ours())
        bare_rates.append(bare())
    return [row("stream_chunked", max(ours_rates), "MB/s", max(bare_rates),
                target="ratio >= 0.7", lower_is_better=False)]  # fmt: skip


def run() -> list[dict[str, Any]]:
    return _envelope_rows() + _stream_rows()
