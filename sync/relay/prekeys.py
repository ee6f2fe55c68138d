"""Prekey bundles at the relay (docs/RELAY.md, "Prekeys"): the request bodies and their checks.

The relay stays blind: a bundle header and its one-time items are opaque bytes (encrypted by
the owner under a key only card holders can derive). It checks only their form and sizes, and
that nothing beyond the caps is ever stored.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, Field, StrictBool

MAX_BUNDLE_BYTES = 1024  # a decoded bundle header
MAX_ITEM_BYTES = 256  # a decoded one-time item
MAX_ITEMS_PER_REQUEST = 100
MAX_ITEMS_STORED = 100  # per mailbox
ITEM_ID = r"^[0-9a-f]{32}$"
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


class PrekeyInputError(Exception):
    """A prekey request the relay refuses: ``status`` 413 or 422, nothing stored."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class OneTimeKeyIn(BaseModel):
    id: Annotated[str, Field(pattern=ITEM_ID, description="16 random bytes, 32 lowercase hex")]
    key: str = Field(description="base64url without padding of the opaque item, 1..256 bytes")


class PrekeysRequest(BaseModel):
    bundle: str = Field(
        description="base64url without padding of the opaque bundle header, 1..1024 bytes"
    )
    one_time_keys: list[OneTimeKeyIn] = Field(default_factory=list)
    replace_one_time_keys: StrictBool = Field(
        False, description="true: delete the stored one-time keys first (same transaction)"
    )


class PrekeysStored(BaseModel):
    one_time_keys: int


class PrekeyStatusResponse(BaseModel):
    published: bool
    one_time_keys: int
    ids: list[str]


class OneTimeKeyOut(BaseModel):
    id: str
    key: str


class ClaimResponse(BaseModel):
    bundle: str
    one_time_key: OneTimeKeyOut | None


@dataclass(frozen=True)
class PrekeyUpload:
    """A validated PUT: the header and the items, decoded."""

    bundle: bytes
    items: tuple[tuple[str, bytes], ...]
    replace: bool


def b64url_decode(text: str, limit: int, what: str) -> bytes:
    """Canonical base64url without padding, decoded to 1..``limit`` bytes, else PrekeyInputError.

    Padding, other alphabets, white space and non-zero trailing bits are refused (422): one
    value has exactly one spelling.
    """
    if len(text) > (limit * 4 + 2) // 3:
        raise PrekeyInputError(413, f"{what} too large")
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise PrekeyInputError(422, f"{what} is not base64url without padding")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):  # pragma: no cover - excluded by the checks above
        raise PrekeyInputError(422, f"{what} is not base64url without padding") from None
    if b64url_encode(data) != text:
        raise PrekeyInputError(422, f"{what} is not base64url without padding")
    if len(data) > limit:
        raise PrekeyInputError(413, f"{what} too large")
    return data


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def parse_upload(payload: PrekeysRequest) -> PrekeyUpload:
    """The checks of ``PUT …/prekeys`` that need no storage (counts, sizes, encodings, ids)."""
    if len(payload.one_time_keys) > MAX_ITEMS_PER_REQUEST:
        raise PrekeyInputError(413, "too many one-time keys")
    bundle = b64url_decode(payload.bundle, MAX_BUNDLE_BYTES, "bundle")
    items: list[tuple[str, bytes]] = []
    seen: set[str] = set()
    for item in payload.one_time_keys:
        if item.id in seen:
            raise PrekeyInputError(422, "duplicate one-time key id")
        seen.add(item.id)
        items.append((item.id, b64url_decode(item.key, MAX_ITEM_BYTES, "one-time key")))
    return PrekeyUpload(bundle, tuple(items), payload.replace_one_time_keys)
