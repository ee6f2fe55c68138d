"""A group message fanned out to 20 members through a real relay.

``relay_fanout_20``: envelopes deposited per second when a profile sends group messages to a
group of 20 members: seal (once per message, a slot per member), queue, and deposit by the sync
engine into each member's mailbox. Baseline: the same envelopes — the same bytes, the same
mailboxes, the same batches and deposit tokens — posted with ``requests`` straight to the same
relay (no sealing, no vault, no engine). Both halves talk to one relay process on loopback; the
relay's own work (parse, verify the token, store) is in both, so the ratio shows what the client
adds to a fan-out.
"""

from __future__ import annotations

import base64
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from benchmarks.bench_sync import _introduce, _profile, _sync, relay
from benchmarks.common import row, scaled
from delegate_app.core.contacts.book import ContactBook
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.messaging.outbox import Outbox
from delegate_app.core.policy import Policy
from sync.client.engine import MAX_BATCH

MEMBERS = 20


Batch = tuple[str, str, bytes | None, list[tuple[str, bytes]]]


def _bare_deposits(batches: list[Batch]) -> float:
    """Seconds to post ``batches`` (relay, mailbox, token, envelopes) with plain ``requests``."""
    session = requests.Session()
    started = time.perf_counter()
    for relay_url, mailbox, token, envelopes in batches:
        body = {
            "envelopes": [{"id": i, "data": base64.b64encode(d).decode()} for i, d in envelopes]
        }
        headers = {} if token is None else {"X-Delegate-Deposit-Token": token.hex()}
        response = session.post(
            f"{relay_url}/v1/mailboxes/{mailbox}/envelopes", json=body, headers=headers, timeout=60
        )
        response.raise_for_status()
    elapsed = time.perf_counter() - started
    session.close()
    return elapsed


def run() -> list[dict[str, Any]]:
    policy = Policy.from_raw(None)
    count = scaled(200, 10)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with relay(root / "relay") as url:
            sender = _profile(root / "sender", "Sender", url, policy)
            members = [_profile(root / f"m{i}", f"Member {i}", url, policy) for i in range(MEMBERS)]
            for member in members:
                _introduce(member, [sender], policy)
            room = Mailroom.open(sender.db, policy)
            group = room.messenger.create_group("Fan-out", [f"Member {i}" for i in range(MEMBERS)])
            _sync(room)  # the membership update goes first, outside the measurement
            started = time.perf_counter()
            with sender.db.transaction():  # queued by a script: one commit for the lot
                for n in range(count):
                    room.messenger.send_in(group, f"Group message {n}: the plenary moved.")
            outbox = Outbox(sender.db)
            queued = outbox.pending(limit=count * MEMBERS + 10)
            _sync(room)
            elapsed = time.perf_counter() - started
            if outbox.pending(limit=10):
                raise RuntimeError("fan-out: deliveries left in the outbox")
            # The same envelopes again, under fresh ids, in the engine's batches per mailbox.
            tokens = {
                c.identity_key.hex(): c.card.deposit_token
                for c in ContactBook(sender.db, policy).contacts()
            }
            per_mailbox: dict[tuple[str, str, str], list[tuple[str, bytes]]] = {}
            for delivery in queued:
                key = (delivery.relay_url, delivery.mailbox_id, delivery.identity_key)
                fresh_id = bytes(reversed(bytes.fromhex(delivery.envelope_id))).hex()
                per_mailbox.setdefault(key, []).append((fresh_id, delivery.data))
            batches = [
                (relay_url, mailbox, tokens.get(identity), envelopes[i : i + MAX_BATCH])
                for (relay_url, mailbox, identity), envelopes in per_mailbox.items()
                for i in range(0, len(envelopes), MAX_BATCH)
            ]
            baseline = _bare_deposits(batches)
            deposited = len(queued)
            sender.lock()
            for member in members:
                member.lock()
    return [
        row(
            "relay_fanout_20",
            deposited / elapsed,
            "envelopes/s",
            deposited / baseline,
            target="reported (20 members, seal + queue + deposit)",
            lower_is_better=False,
        )
    ]


if __name__ == "__main__":
    for result in run():
        print(result)
