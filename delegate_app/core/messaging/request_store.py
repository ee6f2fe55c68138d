"""SQL for message requests: content from senders who are not contacts, and blocked senders.

Each request is one sender; its items are the envelopes they sent, stored as the signed
content they carried (opened once on arrival, never again). Admission checks the bounds in
the same transaction as the insert, so no order of arrivals can exceed them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from delegate_app.core.crypto.identity import PublicIdentity
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Database

KB = 1024
DAY = 86_400.0
DISCARDED_SETTING = "requests.discarded"


@dataclass(frozen=True)
class RequestLimits:
    """The policy's bounds (docs/SYNC.md "Message requests")."""

    per_sender: int
    bytes_per_sender: int
    total: int
    bytes_total: int
    expiry_days: int

    @classmethod
    def from_policy(cls, policy: Policy) -> RequestLimits:
        return cls(
            per_sender=int(policy.value("requests_per_sender")),
            bytes_per_sender=int(policy.value("requests_kb_per_sender")) * KB,
            total=int(policy.value("requests_total")),
            bytes_total=int(policy.value("requests_kb_total")) * KB,
            expiry_days=int(policy.value("requests_expiry_days")),
        )


class Admission(StrEnum):
    KEPT = "kept"
    DUPLICATE = "duplicate"  # this envelope is already kept
    OVER_LIMIT = "over_limit"  # dropped and counted for the user
    BLOCKED = "blocked"  # dropped silently


@dataclass(frozen=True)
class RequestItem:
    """One envelope's content from a sender who is not a contact."""

    envelope_id: str
    request_id: int
    recipients: tuple[str, ...]  # identity keys (hex)
    timestamp: int
    content_type: str
    body: bytes
    preview: str | None
    size: int
    received_at: float


@dataclass(frozen=True)
class RequestRow:
    id: int
    sender: PublicIdentity
    first_at: float
    last_at: float
    count: int
    size: int
    preview: str | None  # the first message's text, when the first item is a message

    @property
    def sender_key(self) -> str:
        return self.sender.identity_key.hex()


class RequestStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        row = self.db.query_one(sql, params)
        if row is None:  # an aggregate or a row just inserted: always there
            raise LookupError(sql)
        return row

    # -- admission -------------------------------------------------------------------------

    def admit(
        self,
        *,
        envelope_id: str,
        sender: PublicIdentity,
        recipients: tuple[bytes, ...],
        timestamp: int,
        content_type: str,
        body: bytes,
        preview: str | None,
        limits: RequestLimits,
        now: float | None = None,
    ) -> Admission:
        """Keep one item if the bounds allow it; count it as discarded if they do not."""
        now = time.time() if now is None else now
        with self.db.transaction() as db:
            if self.is_blocked(sender.identity_key):
                return Admission.BLOCKED
            if db.query_one(
                "SELECT 1 FROM message_request_items WHERE envelope_id = ?", (envelope_id,)
            ):
                return Admission.DUPLICATE
            size = len(body) + 32 * len(recipients)  # what the row adds, but for fixed fields
            total = self._one(
                "SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM message_request_items"
            )
            mine = self._one(
                "SELECT count(*) AS n, coalesce(sum(i.size), 0) AS bytes"
                " FROM message_request_items i JOIN message_requests r ON r.id = i.request_id"
                " WHERE r.sender_key = ?",
                (sender.identity_key,),
            )
            if (
                int(total["n"]) + 1 > limits.total
                or int(total["bytes"]) + size > limits.bytes_total
                or int(mine["n"]) + 1 > limits.per_sender
                or int(mine["bytes"]) + size > limits.bytes_per_sender
            ):
                self.count_discarded(1)
                return Admission.OVER_LIMIT
            db.execute(
                "INSERT OR IGNORE INTO message_requests (sender_key, sender_identity, first_at)"
                " VALUES (?, ?, ?)",
                (sender.identity_key, sender.to_bytes(), now),
            )
            row = self._one(
                "SELECT id FROM message_requests WHERE sender_key = ?", (sender.identity_key,)
            )
            db.execute(
                "INSERT INTO message_request_items (envelope_id, request_id, recipients,"
                " timestamp, content_type, body, preview, size, received_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (envelope_id, int(row["id"]), b"".join(recipients), timestamp, content_type,
                 body, preview, size, now),
            )  # fmt: skip
            return Admission.KEPT

    def count_discarded(self, count: int) -> None:
        self.db.set_setting(DISCARDED_SETTING, str(self.discarded() + count))

    def discarded(self) -> int:
        """Envelopes from strangers dropped (over the bounds, or content we cannot use) since
        the user was last told."""
        value = self.db.get_setting(DISCARDED_SETTING, "0") or "0"
        return int(value) if value.isdigit() else 0

    def clear_discarded(self) -> None:
        self.db.set_setting(DISCARDED_SETTING, "0")

    # -- reading ---------------------------------------------------------------------------

    def requests(self) -> list[RequestRow]:
        rows = self.db.query(
            "SELECT r.id, r.sender_identity, r.first_at, max(i.received_at) AS last_at,"
            " count(i.envelope_id) AS n, coalesce(sum(i.size), 0) AS bytes,"
            " (SELECT preview FROM message_request_items f WHERE f.request_id = r.id"
            "  ORDER BY f.timestamp, f.received_at, f.envelope_id LIMIT 1) AS preview"
            " FROM message_requests r JOIN message_request_items i ON i.request_id = r.id"
            " GROUP BY r.id ORDER BY last_at DESC, r.id"
        )
        return [self._row(r) for r in rows]

    def request(self, request_id: int) -> RequestRow | None:
        return next((r for r in self.requests() if r.id == request_id), None)

    @staticmethod
    def _row(r: Any) -> RequestRow:
        return RequestRow(
            id=int(r["id"]),
            sender=PublicIdentity.from_bytes(bytes(r["sender_identity"])),
            first_at=float(r["first_at"]),
            last_at=float(r["last_at"]),
            count=int(r["n"]),
            size=int(r["bytes"]),
            preview=None if r["preview"] is None else str(r["preview"]),
        )

    def items(self, request_id: int) -> list[RequestItem]:
        """The request's items in the order they were sent (then received)."""
        rows = self.db.query(
            "SELECT * FROM message_request_items WHERE request_id = ?"
            " ORDER BY timestamp, received_at, envelope_id",
            (request_id,),
        )
        return [
            RequestItem(
                envelope_id=str(r["envelope_id"]),
                request_id=int(r["request_id"]),
                recipients=tuple(
                    bytes(r["recipients"])[i : i + 32].hex()
                    for i in range(0, len(bytes(r["recipients"])), 32)
                ),
                timestamp=int(r["timestamp"]),
                content_type=str(r["content_type"]),
                body=bytes(r["body"]),
                preview=None if r["preview"] is None else str(r["preview"]),
                size=int(r["size"]),
                received_at=float(r["received_at"]),
            )
            for r in rows
        ]

    def from_contacts(self) -> list[int]:
        """Ids of requests whose sender has since become a contact (with no key change)."""
        rows = self.db.query(
            "SELECT r.id FROM message_requests r JOIN contacts c ON c.identity_key = r.sender_key"
            " WHERE c.pending_card IS NULL ORDER BY r.id"
        )
        return [int(r["id"]) for r in rows]

    def totals(self) -> tuple[int, int]:
        """(items, bytes) kept from all strangers."""
        row = self._one(
            "SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM message_request_items"
        )
        return int(row["n"]), int(row["bytes"])

    # -- removing --------------------------------------------------------------------------

    def remove_item(self, envelope_id: str) -> None:
        self.db.execute("DELETE FROM message_request_items WHERE envelope_id = ?", (envelope_id,))

    def delete(self, request_id: int) -> bool:
        """Remove the request and everything it holds; False when there was none."""
        with self.db.transaction() as db:
            db.execute("DELETE FROM message_request_items WHERE request_id = ?", (request_id,))
            cursor = db.execute("DELETE FROM message_requests WHERE id = ?", (request_id,))
            return bool(cursor.rowcount)

    def drop_empty(self) -> None:
        self.db.execute(
            "DELETE FROM message_requests WHERE id NOT IN"
            " (SELECT DISTINCT request_id FROM message_request_items)"
        )

    def sweep(self, expiry_days: int, now: float | None = None) -> int:
        """Delete items older than ``expiry_days``; the number deleted."""
        cutoff = (time.time() if now is None else now) - expiry_days * DAY
        with self.db.transaction() as db:
            cursor = db.execute(
                "DELETE FROM message_request_items WHERE received_at < ?", (cutoff,)
            )
            self.drop_empty()
            return int(cursor.rowcount)

    # -- blocking --------------------------------------------------------------------------

    def block(self, identity_key: bytes, now: float | None = None) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO blocked_senders (identity_key, blocked_at) VALUES (?, ?)",
            (identity_key, time.time() if now is None else now),
        )

    def is_blocked(self, identity_key: bytes) -> bool:
        row = self.db.query_one(
            "SELECT 1 FROM blocked_senders WHERE identity_key = ?", (identity_key,)
        )
        return row is not None
