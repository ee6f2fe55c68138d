"""The outbox: sealed envelopes waiting to be deposited, one delivery per recipient mailbox.

An envelope is sealed once for all its recipients (the bytes are identical), so
it is stored once; each recipient's mailbox is a delivery row. A delivery leaves
the outbox when the relay accepted it (or reported it a duplicate: it was
accepted before a crash cut the answer). Enqueue runs in the caller's
transaction, so a message and its outbox entries commit together.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from delegate_app.core.messaging.models import MessageState
from delegate_app.core.messaging.store import MessageStore
from delegate_app.core.vault import Database

#: Kinds of outbox envelopes whose ``ref`` is an outgoing message uid.
MESSAGE_KIND = "message"


@dataclass(frozen=True)
class DeliveryTarget:
    relay_url: str
    mailbox_id: str
    identity_key: str


@dataclass(frozen=True)
class OutboxDelivery:
    envelope_id: str
    relay_url: str
    mailbox_id: str
    identity_key: str
    kind: str
    priority: int
    ref: str | None
    data: bytes
    attempts: int


class Outbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    def enqueue(
        self,
        *,
        envelope_id: str,
        data: bytes,
        kind: str,
        priority: int,
        targets: Sequence[DeliveryTarget],
        ref: str | None = None,
        now: float | None = None,
    ) -> None:
        now = time.time() if now is None else now
        with self.db.transaction() as db:
            db.execute(
                "INSERT INTO outbox_envelopes (envelope_id, kind, priority, ref, data, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (envelope_id, kind, priority, ref, data, now),
            )
            db.executemany(
                "INSERT OR IGNORE INTO outbox_deliveries"
                " (envelope_id, relay_url, mailbox_id, identity_key) VALUES (?, ?, ?, ?)",
                [(envelope_id, t.relay_url, t.mailbox_id, t.identity_key) for t in targets],
            )

    def pending(self, relay_url: str | None = None, *, limit: int = 500) -> list[OutboxDelivery]:
        """Deliveries still to make, most urgent first (priority, then age)."""
        sql = (
            "SELECT d.envelope_id, d.relay_url, d.mailbox_id, d.identity_key, d.attempts,"
            " e.kind, e.priority, e.ref, e.data FROM outbox_deliveries d"
            " JOIN outbox_envelopes e ON e.envelope_id = d.envelope_id"
            " WHERE d.state = 'pending'"
        )
        params: list[object] = []
        if relay_url is not None:
            sql += " AND d.relay_url = ?"
            params.append(relay_url)
        sql += " ORDER BY e.priority, e.created_at, d.envelope_id, d.mailbox_id LIMIT ?"
        params.append(limit)
        return [
            OutboxDelivery(
                envelope_id=str(r["envelope_id"]),
                relay_url=str(r["relay_url"]),
                mailbox_id=str(r["mailbox_id"]),
                identity_key=str(r["identity_key"]),
                kind=str(r["kind"]),
                priority=int(r["priority"]),
                ref=r["ref"],
                data=bytes(r["data"]),
                attempts=int(r["attempts"]),
            )
            for r in self.db.query(sql, params)
        ]

    def pending_count(self) -> int:
        row = self.db.query_one("SELECT count(*) FROM outbox_deliveries WHERE state = 'pending'")
        return int(row[0]) if row else 0

    def relays(self) -> list[str]:
        rows = self.db.query(
            "SELECT DISTINCT relay_url FROM outbox_deliveries WHERE state = 'pending'"
            " ORDER BY relay_url"
        )
        return [str(r["relay_url"]) for r in rows]

    def mark_deposited(
        self, deliveries: Iterable[OutboxDelivery], now: float | None = None
    ) -> None:
        """The relay holds these: drop them and move their messages to ``sent``."""
        now = time.time() if now is None else now
        deliveries = list(deliveries)
        with self.db.transaction() as db:
            db.executemany(
                "DELETE FROM outbox_deliveries WHERE envelope_id = ? AND mailbox_id = ?",
                [(d.envelope_id, d.mailbox_id) for d in deliveries],
            )
            MessageStore(db).advance_recipients(
                [
                    (d.ref, d.identity_key)
                    for d in deliveries
                    if d.kind == MESSAGE_KIND and d.ref is not None
                ],
                MessageState.SENT,
                now,
            )
            db.executemany(
                "DELETE FROM outbox_envelopes WHERE envelope_id = ? AND NOT EXISTS"
                " (SELECT 1 FROM outbox_deliveries d WHERE d.envelope_id = ?)",
                [(eid, eid) for eid in sorted({d.envelope_id for d in deliveries})],
            )

    def record_attempt(self, deliveries: Iterable[OutboxDelivery], error: str) -> None:
        self.db.executemany(
            "UPDATE outbox_deliveries SET attempts = attempts + 1, last_error = ?"
            " WHERE envelope_id = ? AND mailbox_id = ?",
            [(error[:200], d.envelope_id, d.mailbox_id) for d in deliveries],
        )

    def mark_failed(self, delivery: OutboxDelivery, error: str, now: float | None = None) -> None:
        """Give up on one delivery (e.g. the envelope is larger than the relay accepts)."""
        now = time.time() if now is None else now
        with self.db.transaction() as db:
            db.execute(
                "UPDATE outbox_deliveries SET state = 'failed', last_error = ?"
                " WHERE envelope_id = ? AND mailbox_id = ?",
                (error[:200], delivery.envelope_id, delivery.mailbox_id),
            )
            if delivery.kind == MESSAGE_KIND and delivery.ref:
                MessageStore(db).fail_recipient(delivery.ref, delivery.identity_key, now)
