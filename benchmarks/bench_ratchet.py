"""Envelope v2 (Olm) throughput against the bare vodozemac session underneath it.

- ``ratchet_v2_seal_open``: seal_v2 + open_slot_v2 + Olm decrypt + finish_open_v2 of a 1 KiB
  message for one recipient over an established session, per second, against bare vodozemac
  ``Session.encrypt`` + ``decrypt`` of the same 1 KiB, one direction (one sending chain).
- ``ratchet_v2_vs_v1``: the one-direction v2 rate against envelope v1 (``seal`` +
  ``open_envelope``, no ratchet) of the same message in the same run: what forward secrecy
  costs over the format it replaces.
- ``ratchet_v2_seal_open_conversation``: the same, the two sides taking turns (each message
  starts a new ratchet step, one X25519 key pair and agreement on each side), as a
  conversation runs.
The envelope adds to Olm what it needs beyond it: the sealed-sender slot (an X25519 box each
way), the AEAD over the padded body, the Ed25519 signature and its verification, and the check
of the sender's session-key binding (a second verification). Ratios are throughput ratios
(higher is better; target >= 0.7, ADR 0029 discusses the figure).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import vodozemac

from benchmarks.common import row, scaled
from delegate_app.core.crypto.envelope import open_envelope, seal
from delegate_app.core.crypto.envelope_v2 import (
    V2Recipient,
    finish_open_v2,
    open_slot_v2,
    seal_v2,
)
from delegate_app.core.crypto.identity import LocalIdentity
from delegate_app.core.crypto.ratchet import RatchetAccount, RatchetSession

MESSAGE = os.urandom(1024)


def _rate(count: int, func: Callable[[], None]) -> float:
    started = time.perf_counter()
    for _ in range(count):
        func()
    return count / (time.perf_counter() - started)


class _Side:
    def __init__(self) -> None:
        self.identity = LocalIdentity.generate()
        self.account = RatchetAccount.create()
        self.binding = self.account.binding(self.identity)
        self.session: RatchetSession | None = None


def _ours(conversation: bool) -> Callable[[], None]:
    a, b = _Side(), _Side()
    prekey = b.account.new_one_time_keys(b.identity, 1)[0].key
    a.session = a_session = a.account.outbound(b.account.session_key, prekey)
    first = seal_v2(a.identity, a.binding, [V2Recipient(b.identity.public(), a_session)],
                    "message/v1", MESSAGE).data  # fmt: skip
    slot = open_slot_v2(b.identity, first)
    b.session, secret = b.account.inbound(slot.session_key, slot.ciphertext)
    finish_open_v2(b.identity, first, slot, secret)
    turn = [a, b]

    def one() -> None:
        sender, receiver = turn
        assert sender.session is not None and receiver.session is not None
        recipient = V2Recipient(receiver.identity.public(), sender.session)
        data = seal_v2(sender.identity, sender.binding, [recipient], "message/v1", MESSAGE).data
        got = open_slot_v2(receiver.identity, data)
        plaintext = receiver.session.decrypt(got.olm_type, got.ciphertext)
        finish_open_v2(receiver.identity, data, got, plaintext)
        if conversation:
            turn.reverse()

    one()
    one()
    return one


def _bare(conversation: bool) -> Callable[[], None]:
    a, b = vodozemac.Account(), vodozemac.Account()
    b.generate_one_time_keys(1)
    prekey = next(iter(b.one_time_keys.values()))
    a_session = a.create_outbound_session(b.curve25519_key, prekey)
    first = a_session.encrypt(MESSAGE).to_pre_key()
    assert first is not None
    b_session, _plaintext = b.create_inbound_session(a.curve25519_key, first)
    turn = [a_session, b_session]

    def one() -> None:
        sender, receiver = turn
        receiver.decrypt(sender.encrypt(MESSAGE))
        if conversation:
            turn.reverse()

    one()
    one()
    return one


def _v1() -> Callable[[], None]:
    sender, recipient = LocalIdentity.generate(), LocalIdentity.generate()
    public = recipient.public()

    def one() -> None:
        open_envelope(recipient, seal(sender, [public], "message/v1", MESSAGE).data)

    one()
    return one


def run() -> list[dict[str, Any]]:
    count = scaled(2000, 100)
    rows = []
    ours, v1 = _ours(False), _v1()
    ours_rates, v1_rates = [], []
    for _round in range(3):
        ours_rates.append(_rate(count, ours))
        v1_rates.append(_rate(count, v1))
    rows.append(row("ratchet_v2_vs_v1", max(ours_rates), "ops/s", max(v1_rates),
                    target="ratio >= 0.7", lower_is_better=False))  # fmt: skip
    for name, conversation in (("ratchet_v2_seal_open", False),
                               ("ratchet_v2_seal_open_conversation", True)):  # fmt: skip
        ours, bare = _ours(conversation), _bare(conversation)
        ours_rates, bare_rates = [], []
        for _round in range(3):  # alternate, best of three each: the machine is shared
            ours_rates.append(_rate(count, ours))
            bare_rates.append(_rate(count, bare))
        rows.append(row(name, max(ours_rates), "ops/s", max(bare_rates),
                        target="ratio >= 0.7", lower_is_better=False))  # fmt: skip
    return rows
