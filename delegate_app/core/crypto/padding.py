"""Padding to size buckets, so the relay learns only a coarse size class.

ISO/IEC 7816-4 style: the plaintext, one 0x80 byte, then zeros up to the bucket.
Buckets: 1, 4, 16, 64, 256 KiB, 1 MiB, then whole MiB.
"""

from __future__ import annotations

from delegate_app.core.crypto.errors import MalformedError
from delegate_app.i18n import _

KIB = 1024
MIB = 1024 * KIB
BUCKETS = (1 * KIB, 4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, 1 * MIB)


def bucket_size(length: int) -> int:
    """The smallest bucket that holds ``length`` bytes plus the 0x80 marker."""
    needed = length + 1
    for bucket in BUCKETS:
        if needed <= bucket:
            return bucket
    return -(-needed // MIB) * MIB


def pad(data: bytes) -> bytes:
    size = bucket_size(len(data))
    return data + b"\x80" + bytes(size - len(data) - 1)


def unpad(data: bytes) -> bytes:
    stripped = data.rstrip(b"\x00")
    if not stripped.endswith(b"\x80"):
        raise MalformedError(_("The padding is invalid."))
    return stripped[:-1]
