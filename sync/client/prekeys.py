"""What the relay's prekey endpoints carry (docs/RELAY.md, "Prekeys"), parsed as hostile input.

The bytes are opaque here (the crypto core seals and opens them); this module only checks
that an answer has the documented shape and sizes, and turns anything else into
:class:`RelayProtocolError`. The limits are the protocol's, the same as the relay's.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from delegate_app.i18n import _
from sync.client.errors import RelayProtocolError

MAX_BUNDLE_BYTES = 1024
MAX_ITEM_BYTES = 256
MAX_ITEMS = 100  # per request, and stored per mailbox
#: Answers larger than these are refused unread (a claim is about 1.8 KiB, a status 3.6 KiB).
MAX_CLAIM_ANSWER_BYTES = 8 * 1024
MAX_STATUS_ANSWER_BYTES = 16 * 1024
_ITEM_ID = re.compile(r"[0-9a-f]{32}")
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class OneTimePrekey:
    """One opaque one-time item and its id (32 lowercase hex, chosen by the owner)."""

    key_id: str
    data: bytes

    def __post_init__(self) -> None:
        if not _ITEM_ID.fullmatch(self.key_id) or not 1 <= len(self.data) <= MAX_ITEM_BYTES:
            raise ValueError("a one-time prekey needs a 32-hex id and 1..256 bytes")


@dataclass(frozen=True)
class PrekeyStatus:
    """What ``GET …/prekeys`` says about our own mailbox."""

    published: bool
    ids: tuple[str, ...]  # the one-time items still stored, in the order they will be claimed

    @property
    def count(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class ClaimedPrekeys:
    """A claim's answer: the bundle header and one one-time item (None: none was left)."""

    bundle: bytes
    one_time_key: OneTimePrekey | None


def _unexpected() -> RelayProtocolError:
    return RelayProtocolError(_("The relay sent an unexpected answer."))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(value: object, limit: int) -> bytes:
    """Canonical unpadded base64url of 1..``limit`` bytes, or RelayProtocolError."""
    if (
        not isinstance(value, str)
        or len(value) > (limit * 4 + 2) // 3
        or not _B64URL.fullmatch(value)
        or len(value) % 4 == 1
    ):
        raise _unexpected()
    try:
        data = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise _unexpected() from None
    if b64url(data) != value or not 1 <= len(data) <= limit:
        raise _unexpected()
    return data


def upload_body(
    bundle: bytes, one_time_keys: Sequence[OneTimePrekey], *, replace: bool
) -> dict[str, Any]:
    """The JSON body of ``PUT …/prekeys``; ValueError for what the relay would refuse."""
    if not 1 <= len(bundle) <= MAX_BUNDLE_BYTES:
        raise ValueError("a prekey bundle header is 1..1024 bytes")
    if len(one_time_keys) > MAX_ITEMS or len({k.key_id for k in one_time_keys}) < len(
        one_time_keys
    ):
        raise ValueError("at most 100 one-time prekeys per request, each id once")
    body: dict[str, Any] = {
        "bundle": b64url(bundle),
        "one_time_keys": [{"id": k.key_id, "key": b64url(k.data)} for k in one_time_keys],
    }
    if replace:
        body["replace_one_time_keys"] = True
    return body


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ITEMS:
        raise _unexpected()
    return value


def parse_stored(data: Mapping[str, Any]) -> int:
    """``{"one_time_keys": n}`` of a publish."""
    return _count(data.get("one_time_keys"))


def parse_status(data: Mapping[str, Any]) -> PrekeyStatus:
    published, ids = data.get("published"), data.get("ids")
    count = _count(data.get("one_time_keys"))
    if not isinstance(published, bool) or not isinstance(ids, list) or len(ids) != count:
        raise _unexpected()
    if not all(isinstance(i, str) and _ITEM_ID.fullmatch(i) for i in ids) or len(set(ids)) < count:
        raise _unexpected()
    if ids and not published:
        raise _unexpected()
    return PrekeyStatus(published, tuple(ids))


def parse_claim(data: Mapping[str, Any]) -> ClaimedPrekeys:
    bundle = unb64url(data.get("bundle"), MAX_BUNDLE_BYTES)
    if "one_time_key" not in data:
        raise _unexpected()
    item = data["one_time_key"]
    if item is None:
        return ClaimedPrekeys(bundle, None)
    if not isinstance(item, dict):
        raise _unexpected()
    key_id = item.get("id")
    if not isinstance(key_id, str) or not _ITEM_ID.fullmatch(key_id):
        raise _unexpected()
    return ClaimedPrekeys(bundle, OneTimePrekey(key_id, unb64url(item.get("key"), MAX_ITEM_BYTES)))


def parse_prekeys_version(data: Mapping[str, Any]) -> int:
    """The ``prekeys`` feature version of ``/versions`` (0: not advertised)."""
    value = data.get("prekeys", 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise _unexpected()
    return value
