"""Known answers for envelope v2 (docs/PROTOCOL.md §9).

Olm is randomised inside vodozemac, so the vector carries Olm's output as data: the sender's
session key and binding signature, the Olm pre-key message, and the recipient's account pickle
from before it arrived. Given those, fixed identities and the counter randomness, every other
byte is pinned (outer layout, slot layer, AEAD, signature); and the recorded state opens it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

from delegate_app.core.crypto.envelope_v2 import (
    finish_open_v2,
    olm_plaintext,
    open_slot_v2,
    seal_v2_with,
)
from delegate_app.core.crypto.identity import LocalIdentity
from delegate_app.core.crypto.ratchet import RatchetAccount, SessionBinding

VECTOR: dict[str, Any] = json.loads(
    (Path(__file__).parent / "envelope_v2_vector.json").read_text(encoding="utf-8")
)
ENVELOPE_SHA256 = "b192d9497bcfdf397ae0f198edc1facaa5d24e70535943b3f365e1cfce26e372"


def _identity(n: int) -> LocalIdentity:
    seed = hashlib.sha256(f"identity-{n}".encode()).digest()
    return LocalIdentity(
        seed, hashlib.sha256(seed + b"enc").digest(), hashlib.sha256(seed + b"mb").digest()
    )


def _counter_rng() -> Callable[[int], bytes]:
    counter = itertools.count()

    def rng(size: int) -> bytes:
        out = b""
        while len(out) < size:
            out += hashlib.sha256(struct.pack(">Q", next(counter))).digest()
        return out[:size]

    return rng


def _block(i: int) -> bytes:
    return hashlib.sha256(struct.pack(">Q", i)).digest()


def test_the_deterministic_layers_give_the_pinned_bytes() -> None:
    sender, recipient = _identity(1), _identity(2)
    binding = SessionBinding(
        bytes.fromhex(VECTOR["sender_session_key"]), bytes.fromhex(VECTOR["binding_signature"])
    )
    olm = (int(VECTOR["olm_type"]), bytes.fromhex(VECTOR["olm_ciphertext"]))
    given: list[bytes] = []

    def recorded_olm(secret: bytes) -> tuple[int, bytes]:
        given.append(secret)
        return olm

    sealed = seal_v2_with(sender, binding, [(recipient.public(), recorded_olm)], "message/v1",
                          b"known answer", timestamp=1_800_000_000, rng=_counter_rng())  # fmt: skip
    assert given == [olm_plaintext(_block(0)[:16], _block(1))]
    assert sealed.data.hex() == VECTOR["envelope"]
    assert hashlib.sha256(sealed.data).hexdigest() == ENVELOPE_SHA256 == VECTOR["envelope_sha256"]
    assert len(sealed.data) == 1398


def test_the_recorded_state_opens_the_vector() -> None:
    recipient = _identity(2)
    data = bytes.fromhex(VECTOR["envelope"])
    slot = open_slot_v2(recipient, data)
    assert slot.session_key.hex() == VECTOR["sender_session_key"]
    assert (slot.olm_type, slot.ciphertext.hex()) == (VECTOR["olm_type"], VECTOR["olm_ciphertext"])
    account = RatchetAccount.from_pickle(
        VECTOR["recipient_account_pickle"], bytes.fromhex(VECTOR["pickle_key"])
    )
    _session, secret = account.inbound(slot.session_key, slot.ciphertext)
    assert secret == b"dlg-v2-key" + _block(0)[:16] + _block(1)
    opened = finish_open_v2(recipient, data, slot, secret)
    assert opened.sender == _identity(1).public()
    assert (opened.content_type, opened.body, opened.timestamp) == (
        "message/v1", b"known answer", 1_800_000_000,
    )  # fmt: skip
