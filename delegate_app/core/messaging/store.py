"""SQL for conversations, messages and per-recipient delivery states.

Methods run inside the caller's transaction when there is one (``Database.transaction``
nests as savepoints), so a message, its outbox entry and its seen-envelope record
can commit together.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from delegate_app.core.messaging.errors import ConversationNotFoundError
from delegate_app.core.messaging.models import (
    Conversation,
    ConversationKind,
    Direction,
    Message,
    MessageState,
    RecipientState,
)
from delegate_app.core.vault import Database
from delegate_app.i18n import _

MESSAGE_COLUMNS = (
    "id, uid, conversation_id, direction, sender_key, body, sent_at, received_at, state,"
    " is_read, expires_at, quote_uid, quote_excerpt"
)


def new_uid() -> str:
    """A random 128-bit id as 32 hex chars (conversations, messages, comments)."""
    return secrets.token_hex(16)


def _time(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(float(value), tz=UTC)


def _message(row: Any) -> Message:
    sent = _time(row["sent_at"])
    if sent is None:  # pragma: no cover - NOT NULL column
        raise ValueError("sent_at")
    return Message(
        id=int(row["id"]),
        uid=str(row["uid"]),
        conversation_id=int(row["conversation_id"]),
        direction=Direction(row["direction"]),
        sender_key=row["sender_key"],
        body=str(row["body"]),
        sent_at=sent,
        received_at=_time(row["received_at"]),
        state=MessageState(row["state"]),
        is_read=bool(row["is_read"]),
        expires_at=_time(row["expires_at"]),
        quote_uid=row["quote_uid"],
        quote_excerpt=row["quote_excerpt"],
    )


class MessageStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- conversations -------------------------------------------------------------------

    def _conversation(self, row: Any) -> Conversation:
        members = tuple(
            str(r["identity_key"])
            for r in self.db.query(
                "SELECT identity_key FROM conversation_members WHERE conversation_id = ?"
                " ORDER BY identity_key",
                (row["id"],),
            )
        )
        created, updated = _time(row["created_at"]), _time(row["updated_at"])
        if created is None or updated is None:  # pragma: no cover - NOT NULL columns
            raise ValueError("timestamps")
        return Conversation(
            id=int(row["id"]),
            uid=str(row["uid"]),
            kind=ConversationKind(row["kind"]),
            title=row["title"],
            members=members,
            expiry_days=row["expiry_days"],
            created_at=created,
            updated_at=updated,
            creator_key=row["creator_key"],
            membership_epoch=int(row["membership_epoch"]),
            self_removed=bool(row["self_removed"]),
        )

    def conversation(self, conversation_id: int) -> Conversation:
        row = self.db.query_one("SELECT * FROM conversations WHERE id = ?", (conversation_id,))
        if row is None:
            raise ConversationNotFoundError(
                _("No conversation with id {id}.").format(id=conversation_id)
            )
        return self._conversation(row)

    def conversation_by_uid(self, uid: str) -> Conversation | None:
        row = self.db.query_one("SELECT * FROM conversations WHERE uid = ?", (uid,))
        return None if row is None else self._conversation(row)

    def conversations(self) -> list[Conversation]:
        rows = self.db.query("SELECT * FROM conversations ORDER BY updated_at DESC, id DESC")
        return [self._conversation(row) for row in rows]

    def groups_named(self, title: str) -> list[Conversation]:
        rows = self.db.query(
            "SELECT * FROM conversations WHERE kind = 'group' AND title = ? ORDER BY id",
            (title,),
        )
        return [self._conversation(row) for row in rows]

    def direct_with(self, identity_key: str) -> Conversation | None:
        row = self.db.query_one(
            "SELECT c.* FROM conversations c JOIN conversation_members m"
            " ON m.conversation_id = c.id WHERE c.kind = 'direct' AND m.identity_key = ?"
            " ORDER BY c.id LIMIT 1",
            (identity_key,),
        )
        return None if row is None else self._conversation(row)

    def create_conversation(
        self,
        *,
        kind: ConversationKind,
        members: Iterable[str],
        title: str | None = None,
        uid: str | None = None,
        expiry_days: int | None = None,
        now: float | None = None,
        creator_key: str | None = None,
        group_nonce: str | None = None,
        membership_epoch: int = 0,
    ) -> Conversation:
        now = time.time() if now is None else now
        row = (uid or new_uid(), kind.value, title, expiry_days, now, now, creator_key)
        with self.db.transaction() as db:
            cursor = db.execute(
                "INSERT INTO conversations (uid, kind, title, expiry_days, created_at, updated_at,"
                " creator_key, group_nonce, membership_epoch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*row, group_nonce, membership_epoch),
            )
            conversation_id = int(cursor.lastrowid)
            db.executemany(
                "INSERT OR IGNORE INTO conversation_members (conversation_id, identity_key)"
                " VALUES (?, ?)",
                [(conversation_id, key) for key in sorted(set(members))],
            )
        return self.conversation(conversation_id)

    def add_members(self, conversation_id: int, members: Iterable[str]) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO conversation_members (conversation_id, identity_key)"
            " VALUES (?, ?)",
            [(conversation_id, key) for key in sorted(set(members))],
        )

    def replace_member_key(self, old_key: str, new_key: str) -> int:
        """Conversations with ``old_key`` now have ``new_key`` instead (an accepted key change);
        returns how many conversations changed. Messages keep the key that signed them."""
        with self.db.transaction() as db:
            moved = db.execute(
                "UPDATE OR IGNORE conversation_members SET identity_key = ? WHERE identity_key = ?",
                (new_key, old_key),
            ).rowcount
            db.execute("DELETE FROM conversation_members WHERE identity_key = ?", (old_key,))
            db.execute(
                "UPDATE conversations SET creator_key = ? WHERE creator_key = ?", (new_key, old_key)
            )
        return int(moved)

    def set_expiry(self, conversation_id: int, days: int | None) -> None:
        cursor = self.db.execute(
            "UPDATE conversations SET expiry_days = ? WHERE id = ?", (days, conversation_id)
        )
        if cursor.rowcount != 1:
            raise ConversationNotFoundError(
                _("No conversation with id {id}.").format(id=conversation_id)
            )

    def touch(self, conversation_id: int, now: float) -> None:
        self.db.execute(
            "UPDATE conversations SET updated_at = max(updated_at, ?) WHERE id = ?",
            (now, conversation_id),
        )

    # -- messages ------------------------------------------------------------------------

    def insert_outgoing(
        self,
        *,
        conversation_id: int,
        uid: str,
        body: str,
        sent_at: float,
        expires_at: float | None,
        recipients: Sequence[str],
        quote: tuple[str, str] | None = None,
    ) -> int:
        quote_uid, quote_excerpt = quote or (None, None)
        with self.db.transaction() as db:
            cursor = db.execute(
                "INSERT INTO messages (uid, conversation_id, direction, sender_key, body, sent_at,"
                " state, is_read, expires_at, quote_uid, quote_excerpt)"
                " VALUES (?, ?, 'out', NULL, ?, ?, 'queued', 1, ?, ?, ?)",
                (uid, conversation_id, body, sent_at, expires_at, quote_uid, quote_excerpt),
            )
            message_id = int(cursor.lastrowid)
            db.executemany(
                "INSERT INTO message_recipients (message_id, identity_key, state, updated_at)"
                " VALUES (?, ?, 'queued', ?)",
                [(message_id, key, sent_at) for key in sorted(set(recipients))],
            )
            self.touch(conversation_id, sent_at)
        return message_id

    def insert_incoming(
        self,
        *,
        conversation_id: int,
        uid: str,
        sender_key: str,
        body: str,
        sent_at: float,
        received_at: float,
        expires_at: float | None,
        quote: tuple[str, str] | None = None,
    ) -> int | None:
        """Store a received message; None when a message with this uid is already here.
        ``quote``: the (message id, excerpt) a reply names, stored as given."""
        quote_uid, quote_excerpt = quote or (None, None)
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO messages (uid, conversation_id, direction, sender_key, body,"
            " sent_at, received_at, state, is_read, expires_at, quote_uid, quote_excerpt)"
            " VALUES (?, ?, 'in', ?, ?, ?, ?, 'received', 0, ?, ?, ?)",
            (
                uid, conversation_id, sender_key, body, sent_at, received_at, expires_at,
                quote_uid, quote_excerpt,
            ),
        )  # fmt: skip
        if cursor.rowcount != 1:
            return None
        self.touch(conversation_id, received_at)
        return int(cursor.lastrowid)

    def message_by_uid(self, uid: str) -> Message | None:
        row = self.db.query_one(
            f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE uid = ?",  # noqa: S608
            (uid,),
        )
        return None if row is None else _message(row)

    def messages(
        self, conversation_id: int | None = None, *, limit: int | None = None
    ) -> list[Message]:
        where, params = "", []
        if conversation_id is not None:
            where, params = " WHERE conversation_id = ?", [conversation_id]
        inner = f"SELECT {MESSAGE_COLUMNS} FROM messages{where}"  # noqa: S608
        if limit is None:
            sql = f"{inner} ORDER BY coalesce(received_at, sent_at), id"
        else:
            sql = (
                f"SELECT * FROM ({inner} ORDER BY coalesce(received_at, sent_at) DESC, id DESC"  # noqa: S608
                " LIMIT ?) ORDER BY coalesce(received_at, sent_at), id"
            )
            params.append(limit)
        return [_message(row) for row in self.db.query(sql, params)]

    def last_messages(self) -> dict[int, Message]:
        """The newest message of each conversation, by conversation id (one query)."""
        rows = self.db.query(
            f"SELECT {MESSAGE_COLUMNS} FROM (SELECT *, row_number() OVER ("  # noqa: S608
            " PARTITION BY conversation_id ORDER BY coalesce(received_at, sent_at) DESC, id DESC"
            ") AS newest FROM messages) WHERE newest = 1"
        )
        return {message.conversation_id: message for message in map(_message, rows)}

    def count(self) -> int:
        row = self.db.query_one("SELECT count(*) FROM messages")
        return int(row[0]) if row else 0

    def recipient_states(self, message_id: int) -> list[RecipientState]:
        rows = self.db.query(
            "SELECT identity_key, state, updated_at FROM message_recipients"
            " WHERE message_id = ? ORDER BY identity_key",
            (message_id,),
        )
        return [
            RecipientState(
                identity_key=str(r["identity_key"]),
                state=MessageState(r["state"]),
                updated_at=datetime.fromtimestamp(float(r["updated_at"]), tz=UTC),
            )
            for r in rows
        ]

    def advance_recipient(
        self, message_uid: str, identity_key: str, state: MessageState, now: float
    ) -> bool:
        """Move one recipient's state forward (never back); recompute the message's state."""
        return self.advance_recipients([(message_uid, identity_key)], state, now) > 0

    def advance_recipients(
        self, items: Sequence[tuple[str, str]], state: MessageState, now: float
    ) -> int:
        """Move (message uid, recipient key) pairs forward to ``state`` — only on outgoing
        messages, only for that recipient, never backwards — in two set-based statements."""
        if not items:
            return 0
        with self.db.transaction() as db:
            cursor = db.executemany(
                "UPDATE message_recipients SET state = ?, updated_at = ? WHERE identity_key = ?"
                " AND (CASE state WHEN 'failed' THEN -1 WHEN 'queued' THEN 0 WHEN 'sent' THEN 1"
                " WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 ELSE 0 END) < ? AND message_id ="
                " (SELECT id FROM messages WHERE uid = ? AND direction = 'out')",
                [(state.value, now, key, state.rank, uid) for uid, key in items],
            )
            changed = int(cursor.rowcount)
            if changed:
                db.executemany(
                    # The lowest-ranked recipient state is the message's (failed ranks lowest).
                    "UPDATE messages SET state = (SELECT r.state FROM message_recipients r"
                    " WHERE r.message_id = messages.id ORDER BY (CASE r.state"
                    " WHEN 'failed' THEN -1 WHEN 'queued' THEN 0 WHEN 'sent' THEN 1"
                    " WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 ELSE 0 END) LIMIT 1)"
                    " WHERE uid = ? AND direction = 'out'",
                    [(uid,) for uid in sorted({uid for uid, _key in items})],
                )
        return changed

    def fail_recipient(self, message_uid: str, identity_key: str, now: float) -> None:
        row = self.db.query_one("SELECT id FROM messages WHERE uid = ?", (message_uid,))
        if row is None:
            return
        with self.db.transaction() as db:
            db.execute(
                "UPDATE message_recipients SET state = 'failed', updated_at = ?"
                " WHERE message_id = ? AND identity_key = ? AND state = 'queued'",
                (now, int(row["id"]), identity_key),
            )
            self._recompute_state(int(row["id"]))

    def _recompute_state(self, message_id: int) -> None:
        states = [
            MessageState(r["state"])
            for r in self.db.query(
                "SELECT state FROM message_recipients WHERE message_id = ?", (message_id,)
            )
        ]
        if not states:
            return
        if MessageState.FAILED in states:
            overall = MessageState.FAILED
        else:
            overall = min(states, key=lambda s: s.rank)
        self.db.execute("UPDATE messages SET state = ? WHERE id = ?", (overall.value, message_id))

    def unread_incoming(self, conversation_id: int) -> list[Message]:
        rows = self.db.query(
            f"SELECT {MESSAGE_COLUMNS} FROM messages"  # noqa: S608
            " WHERE conversation_id = ? AND direction = 'in' AND is_read = 0"
            " ORDER BY coalesce(received_at, sent_at), id",
            (conversation_id,),
        )
        return [_message(row) for row in rows]

    def unread_counts(self) -> dict[int, int]:
        """Unread incoming messages per conversation id (conversations with none are absent)."""
        rows = self.db.query(
            "SELECT conversation_id, count(*) AS unread FROM messages"
            " WHERE direction = 'in' AND is_read = 0 GROUP BY conversation_id"
        )
        return {int(r["conversation_id"]): int(r["unread"]) for r in rows}

    def set_read(self, message_ids: Sequence[int]) -> None:
        self.db.executemany(
            "UPDATE messages SET is_read = 1 WHERE id = ?", [(mid,) for mid in message_ids]
        )

    def sweep_expired(self, now: float) -> int:
        """Delete messages whose expiry passed. Returns how many were deleted."""
        cursor = self.db.execute(
            "DELETE FROM messages WHERE expires_at IS NOT NULL AND expires_at <= ?", (now,)
        )
        return int(cursor.rowcount)
