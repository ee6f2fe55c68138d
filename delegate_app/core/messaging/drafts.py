"""Drafts: the text typed into a conversation and not sent yet, one per conversation.

Drafts are kept in the vault (they are as secret as messages), bounded like a message, and
an empty draft is no row at all.
"""

from __future__ import annotations

import time

from delegate_app.core.messaging.errors import MessagingError
from delegate_app.core.messaging.payloads import MAX_TEXT
from delegate_app.core.vault import Database
from delegate_app.i18n import _


class DraftStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def draft(self, conversation_id: int) -> str:
        """The conversation's draft ("" when there is none)."""
        row = self.db.query_one(
            "SELECT body FROM message_drafts WHERE conversation_id = ?", (conversation_id,)
        )
        return "" if row is None else str(row["body"])

    def save(self, conversation_id: int, text: str, *, now: float | None = None) -> None:
        """Keep ``text`` as the draft (blank text removes it); refused over a message's limit."""
        if len(text) > MAX_TEXT:
            raise MessagingError(_("The message is too long."))
        if not text.strip():
            self.db.execute(
                "DELETE FROM message_drafts WHERE conversation_id = ?", (conversation_id,)
            )
            return
        self.db.execute(
            "INSERT INTO message_drafts (conversation_id, body, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (conversation_id) DO UPDATE SET body = excluded.body,"
            " updated_at = excluded.updated_at",
            (conversation_id, text, time.time() if now is None else now),
        )

    def with_drafts(self) -> set[int]:
        """Ids of the conversations that have a draft."""
        return {
            int(r["conversation_id"])
            for r in self.db.query("SELECT conversation_id FROM message_drafts")
        }
