"""Inbox bookkeeping: per-relay cursors, acknowledgements owed, held and rejected envelopes.

Receiving is fetch → verify → decrypt → commit → acknowledge. The commit writes,
in ONE transaction, the content, the seen-envelope id, the new cursor and the
ack owed to the relay; the ack is sent afterwards and then forgotten. A crash
before the commit re-fetches (nothing lost); a crash after it finds the id seen
(nothing shown twice) and re-sends the ack.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from delegate_app.core.vault import Database


@dataclass(frozen=True)
class HeldEnvelope:
    envelope_id: str
    data: bytes
    reason: str
    received_at: datetime


@dataclass(frozen=True)
class Rejection:
    envelope_id: str
    reason: str
    rejected_at: datetime


#: ``inbox_rejected`` keeps at most this many rows (the newest) ...
MAX_REJECTED = 500
#: ... and forgets a reported rejection after this many days.
REJECTED_KEEP_DAYS = 30
#: Envelopes refused before their sender could be known (undecodable, altered, not for us):
#: counted here since the user was last told, never stored one by one.
UNREADABLE_SETTING = "inbox.unreadable"


class InboxState:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- cursors ---------------------------------------------------------------------------

    def cursor(self, relay_url: str, mailbox_id: str) -> int:
        row = self.db.query_one(
            "SELECT cursor FROM relay_cursors WHERE relay_url = ? AND mailbox_id = ?",
            (relay_url, mailbox_id),
        )
        return 0 if row is None else int(row["cursor"])

    def set_cursor(self, relay_url: str, mailbox_id: str, cursor: int) -> None:
        """Move the cursor forward (never back)."""
        self.db.execute(
            "INSERT INTO relay_cursors (relay_url, mailbox_id, cursor, updated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (relay_url, mailbox_id) DO UPDATE SET"
            " cursor = max(cursor, excluded.cursor), updated_at = excluded.updated_at",
            (relay_url, mailbox_id, int(cursor), time.time()),
        )

    def reset_cursor(self, relay_url: str, mailbox_id: str) -> None:
        """Start over from the relay's oldest envelope (e.g. the relay lost its database)."""
        self.db.execute(
            "DELETE FROM relay_cursors WHERE relay_url = ? AND mailbox_id = ?",
            (relay_url, mailbox_id),
        )

    # -- acknowledgements owed ---------------------------------------------------------------

    def owe_ack(self, relay_url: str, mailbox_id: str, envelope_id: str) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO pending_acks (relay_url, mailbox_id, envelope_id)"
            " VALUES (?, ?, ?)",
            (relay_url, mailbox_id, envelope_id),
        )

    def owe_acks(self, relay_url: str, mailbox_id: str, envelope_ids: list[str]) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO pending_acks (relay_url, mailbox_id, envelope_id)"
            " VALUES (?, ?, ?)",
            [(relay_url, mailbox_id, eid) for eid in envelope_ids],
        )

    def owed_acks(self, relay_url: str, mailbox_id: str, *, limit: int = 500) -> list[str]:
        rows = self.db.query(
            "SELECT envelope_id FROM pending_acks WHERE relay_url = ? AND mailbox_id = ?"
            " ORDER BY envelope_id LIMIT ?",
            (relay_url, mailbox_id, limit),
        )
        return [str(r["envelope_id"]) for r in rows]

    def acked(self, relay_url: str, mailbox_id: str, envelope_ids: list[str]) -> None:
        """Forget acks the relay confirmed (one statement per 500 ids)."""
        with self.db.transaction() as db:
            for start in range(0, len(envelope_ids), 500):
                batch = envelope_ids[start : start + 500]
                marks = ",".join("?" * len(batch))
                sql = (
                    "DELETE FROM pending_acks WHERE relay_url = ? AND mailbox_id = ?"  # noqa: S608 - placeholders only
                    f" AND envelope_id IN ({marks})"
                )
                db.execute(sql, (relay_url, mailbox_id, *batch))

    # -- envelopes we could not take yet, or never will ------------------------------------

    def hold(self, envelope_id: str, data: bytes, reason: str) -> None:
        """Keep a raw envelope, as versions before message requests did for strangers.

        Nothing calls this any more: ``Receiver.convert_held`` empties what earlier versions
        left here (ADR 0016). Kept so that conversion can be tested.
        """
        self.db.execute(
            "INSERT OR IGNORE INTO inbox_held (envelope_id, data, reason, received_at)"
            " VALUES (?, ?, ?, ?)",
            (envelope_id, data, reason, time.time()),
        )

    def held(self) -> list[HeldEnvelope]:
        rows = self.db.query(
            "SELECT envelope_id, data, reason, received_at FROM inbox_held ORDER BY received_at"
        )
        return [
            HeldEnvelope(
                str(r["envelope_id"]),
                bytes(r["data"]),
                str(r["reason"]),
                datetime.fromtimestamp(float(r["received_at"]), tz=UTC),
            )
            for r in rows
        ]

    def is_held(self, envelope_id: str) -> bool:
        row = self.db.query_one("SELECT 1 FROM inbox_held WHERE envelope_id = ?", (envelope_id,))
        return row is not None

    def release(self, envelope_id: str) -> None:
        self.db.execute("DELETE FROM inbox_held WHERE envelope_id = ?", (envelope_id,))

    def reject(self, envelope_id: str, reason: str, now: float | None = None) -> None:
        """Record a refused envelope; the table stays bounded (``MAX_REJECTED``, and reported
        rows older than ``REJECTED_KEEP_DAYS`` days are forgotten)."""
        now = time.time() if now is None else now
        self.db.execute(
            "INSERT OR IGNORE INTO inbox_rejected (envelope_id, reason, rejected_at)"
            " VALUES (?, ?, ?)",
            (envelope_id, reason[:200], now),
        )
        self.db.execute(
            "DELETE FROM inbox_rejected WHERE reported = 1 AND rejected_at < ?",
            (now - REJECTED_KEEP_DAYS * 86_400,),
        )
        self.db.execute(
            "DELETE FROM inbox_rejected WHERE envelope_id IN (SELECT envelope_id FROM"
            " inbox_rejected ORDER BY rejected_at DESC, envelope_id DESC LIMIT -1 OFFSET ?)",
            (MAX_REJECTED,),
        )

    def count_unreadable(self) -> None:
        self.db.set_setting(UNREADABLE_SETTING, str(self.unreadable() + 1))

    def unreadable(self) -> int:
        """Envelopes refused unread (no sender known) since :meth:`clear_unreadable`."""
        value = self.db.get_setting(UNREADABLE_SETTING, "0") or "0"
        return int(value) if value.isdigit() else 0

    def clear_unreadable(self) -> None:
        self.db.set_setting(UNREADABLE_SETTING, "0")

    def rejections(self, *, unreported_only: bool = False) -> list[Rejection]:
        sql = "SELECT envelope_id, reason, rejected_at FROM inbox_rejected"
        if unreported_only:
            sql += " WHERE reported = 0"
        sql += " ORDER BY rejected_at, envelope_id"
        return [
            Rejection(
                str(r["envelope_id"]),
                str(r["reason"]),
                datetime.fromtimestamp(float(r["rejected_at"]), tz=UTC),
            )
            for r in self.db.query(sql)
        ]

    def mark_reported(self, envelope_ids: list[str]) -> None:
        self.db.executemany(
            "UPDATE inbox_rejected SET reported = 1 WHERE envelope_id = ?",
            [(eid,) for eid in envelope_ids],
        )
