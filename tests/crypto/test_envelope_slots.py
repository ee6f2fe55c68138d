"""Recipient slots cost a receiver an X25519 operation each: their number is bounded before any.

The seam is libsodium's ``crypto_box_beforenm`` (the scalar multiplication of trying a slot) and
``crypto_box_open_easy_afternm`` (opening it), counted for every call PyNaCl makes.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from typing import Any

import nacl.bindings
import pytest

from delegate_app.core.crypto.envelope import (
    ENVELOPE_ID_BYTES,
    MAGIC,
    MAX_RECIPIENTS,
    NONCE_BYTES,
    SLOT_BYTES,
    VERSION,
    open_envelope,
    seal,
)
from delegate_app.core.crypto.errors import EnvelopeMalformedError, NotForMeError, SealError
from delegate_app.core.crypto.identity import LocalIdentity


def _counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    calls: list[int] = []
    original: Callable[..., Any] = getattr(nacl.bindings, name)

    def counted(*args: Any) -> Any:
        calls.append(1)
        return original(*args)

    monkeypatch.setattr(nacl.bindings, name, counted)
    return calls


@pytest.fixture
def box_calls(monkeypatch: pytest.MonkeyPatch) -> tuple[list[int], list[int]]:
    return _counting(monkeypatch, "crypto_box_beforenm"), _counting(
        monkeypatch, "crypto_box_open_easy_afternm"
    )


def _junk_envelope(slots: int) -> bytes:
    """What a stranger can deposit for free: a valid header and random slots."""
    header = MAGIC + bytes([VERSION]) + os.urandom(ENVELOPE_ID_BYTES) + struct.pack(">H", slots)
    return header + os.urandom(slots * SLOT_BYTES + NONCE_BYTES + 64)


@pytest.mark.parametrize("slots", [257, 1000, 65535])  # 256 is the documented bound
def test_an_envelope_of_too_many_junk_slots_is_refused_before_any_box_is_tried(
    slots: int, box_calls: tuple[list[int], list[int]]
) -> None:
    me = LocalIdentity.generate()
    with pytest.raises(EnvelopeMalformedError):
        open_envelope(me, _junk_envelope(slots))
    beforenm, opened = box_calls
    assert (len(beforenm), len(opened)) == (0, 0)


def test_junk_slots_within_the_bound_are_each_tried_once(
    box_calls: tuple[list[int], list[int]],
) -> None:
    me = LocalIdentity.generate()
    with pytest.raises(NotForMeError):
        open_envelope(me, _junk_envelope(MAX_RECIPIENTS))
    beforenm, _opened = box_calls
    assert len(beforenm) == MAX_RECIPIENTS


def test_trial_decryption_stops_at_our_slot(box_calls: tuple[list[int], list[int]]) -> None:
    sender = LocalIdentity.generate()
    others = [LocalIdentity.generate() for _ in range(9)]
    me = LocalIdentity.generate()
    recipients = [o.public() for o in others[:2]] + [me.public()] + [o.public() for o in others[2:]]
    sealed = seal(sender, recipients, "text/plain", b"item 4")
    beforenm, opened = box_calls
    beforenm.clear()  # sealing computes shared keys too; count only the opening
    assert open_envelope(me, sealed.data).body == b"item 4"
    assert len(beforenm) == 3  # two slots of others, then ours; the seven after it untouched
    assert len(opened) == 3


def test_writers_keep_to_the_same_bound() -> None:
    sender = LocalIdentity.generate()
    last = LocalIdentity.generate()
    recipients = [LocalIdentity.generate().public() for _ in range(MAX_RECIPIENTS - 1)]
    recipients.append(last.public())
    sealed = seal(sender, recipients, "text/plain", b"x")
    assert open_envelope(last, sealed.data).body == b"x"  # the largest group opens, last slot too
    with pytest.raises(SealError):
        seal(sender, [*recipients, LocalIdentity.generate().public()], "text/plain", b"x")
