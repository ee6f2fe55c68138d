"""The exact set of keys of each JSON object in a payload, and strict JSON decoding.

Each payload object has one :class:`Schema` table (in ``messaging/payloads.py`` and
``sharing/payloads.py``); docs/PROTOCOL.md §10 lists the same tables, and
``tests/crypto/test_payload_doc.py`` checks that the two agree. A key that is not in the
table, a required key that is absent, a key given twice or a non-finite number is refused
with :class:`PayloadError`: two implementations must never read one payload differently.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from delegate_app.core.messaging.errors import PayloadError

PAYLOAD_VERSION = 1


class Presence(StrEnum):
    REQUIRED = "required"  # present, with a value of the documented type (never null)
    OPTIONAL = "optional"  # absent or null (both mean "none"), or a value of the type


REQUIRED = Presence.REQUIRED
OPTIONAL = Presence.OPTIONAL


@dataclass(frozen=True)
class Schema:
    """One JSON object's keys: ``name`` as in the docs, each key required or optional."""

    name: str
    keys: Mapping[str, Presence]

    @property
    def required(self) -> frozenset[str]:
        return frozenset(k for k, p in self.keys.items() if p is REQUIRED)

    @property
    def optional(self) -> frozenset[str]:
        return frozenset(k for k, p in self.keys.items() if p is OPTIONAL)

    def check(self, data: Any) -> dict[str, Any]:
        """``data`` itself when it is an object with exactly this table's keys."""
        if not isinstance(data, dict):
            raise PayloadError(f"The {self.name} is not an object.")
        if any(key not in self.keys for key in data):
            # The key itself is not quoted: it is the sender's text, and errors get printed.
            raise PayloadError(f"The {self.name} has a field this version does not know.")
        for key, presence in self.keys.items():
            if presence is REQUIRED and key not in data:
                raise PayloadError(f"The {self.name} lacks the field {key}.")
        return data


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise PayloadError("The payload gives a field twice.")
    return data


def _no_constant(name: str) -> Any:
    raise PayloadError("The payload holds a number that is not finite.")


def loads(body: bytes) -> Any:
    """JSON text as Python values; duplicate keys, NaN and Infinity are refused."""
    try:
        return json.loads(
            body.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constant
        )
    except (ValueError, RecursionError):
        # ValueError covers undecodable UTF-8, bad JSON and integers over Python's 4,300-digit
        # limit; RecursionError a deeply nested array (found by fuzzing: it escaped the
        # receiver and wedged the inbox, the same envelope failing every pass).
        raise PayloadError("The payload is not JSON.") from None


def encode(schema: Schema, payload: dict[str, Any]) -> bytes:
    """Compact JSON of ``{"v": 1, **payload}``; it must fit ``schema`` (a bug otherwise)."""
    data = {"v": PAYLOAD_VERSION, **payload}
    schema.check(data)
    return json.dumps(data, separators=(",", ":")).encode("utf-8")


def decode(schema: Schema, body: bytes) -> dict[str, Any]:
    """The top-level object of ``body``, checked against ``schema`` and the version."""
    data = loads(body)
    if not isinstance(data, dict):
        raise PayloadError("The payload is not an object.")
    version = data.get("v")
    if type(version) is not int or version != PAYLOAD_VERSION:  # true and 1.0 are not 1
        raise PayloadError("The payload version is not supported.")
    return schema.check(data)
