"""Length-prefixed binary fields, the building block of every signed structure here."""

from __future__ import annotations

import struct

from delegate_app.core.crypto.errors import MalformedError
from delegate_app.i18n import _


def pack_fields(*fields: bytes) -> bytes:
    """Each field as a 4-byte big-endian length then its bytes: unambiguous to sign."""
    return b"".join(struct.pack(">I", len(field)) + field for field in fields)


class Reader:
    """Reads fixed and length-prefixed fields, raising MalformedError on any shortfall."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._pos = 0

    def take(self, size: int) -> bytes:
        if size < 0 or self._pos + size > len(self._data):
            raise MalformedError(_("The data ends too early: it was truncated."))
        chunk = bytes(self._data[self._pos : self._pos + size])
        self._pos += size
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return int(struct.unpack(">H", self.take(2))[0])

    def u32(self) -> int:
        return int(struct.unpack(">I", self.take(4))[0])

    def u64(self) -> int:
        return int(struct.unpack(">Q", self.take(8))[0])

    def field(self, max_size: int = 64 * 1024 * 1024) -> bytes:
        size = self.u32()
        if size > max_size:
            raise MalformedError(_("A field is larger than allowed."))
        return self.take(size)

    def rest(self) -> bytes:
        return self.take(len(self._data) - self._pos)

    def done(self) -> None:
        if self._pos != len(self._data):
            raise MalformedError(_("Unexpected bytes follow the end of the data."))
