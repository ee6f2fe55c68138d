"""Conversations, messages and receipts as the rest of the app sees them: frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from delegate_app.i18n import N_


class ConversationKind(StrEnum):
    DIRECT = "direct"
    GROUP = "group"


class Direction(StrEnum):
    OUT = "out"
    IN = "in"


class MessageState(StrEnum):
    """Outgoing: queued → sent (relay accepted) → delivered (signed receipt) → read.

    Incoming messages are ``received`` (and ``is_read`` once the user saw them).
    """

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    RECEIVED = "received"
    FAILED = "failed"

    @property
    def label(self) -> str:
        """The untranslated label; pass it through ``_()`` to show it."""
        return _STATE_LABELS[self]

    @property
    def rank(self) -> int:
        return _STATE_RANK[self]


_STATE_LABELS = {
    MessageState.QUEUED: N_("queued"),
    MessageState.SENT: N_("sent"),
    MessageState.DELIVERED: N_("delivered"),
    MessageState.READ: N_("read"),
    MessageState.RECEIVED: N_("received"),
    MessageState.FAILED: N_("not sent"),
}
_STATE_RANK = {
    MessageState.FAILED: -1,
    MessageState.QUEUED: 0,
    MessageState.SENT: 1,
    MessageState.DELIVERED: 2,
    MessageState.READ: 3,
    MessageState.RECEIVED: 0,
}


class Priority:
    """Order of work when the link is thin: lower goes first."""

    MESSAGE = 0
    RECEIPT = 1
    DOCUMENT = 2
    ATTACHMENT = 3


@dataclass(frozen=True)
class Conversation:
    id: int
    uid: str
    kind: ConversationKind
    title: str | None
    members: tuple[str, ...]  # identity keys (hex) of everyone but this profile
    expiry_days: int | None
    created_at: datetime
    updated_at: datetime
    creator_key: str | None = None  # groups: who may change membership (None: not known)
    membership_epoch: int = 0  # groups: the creator's latest membership update applied
    self_removed: bool = False  # groups: the creator removed this profile


@dataclass(frozen=True)
class Message:
    id: int
    uid: str
    conversation_id: int
    direction: Direction
    sender_key: str | None  # None: sent by this profile
    body: str
    sent_at: datetime
    received_at: datetime | None
    state: MessageState
    is_read: bool
    expires_at: datetime | None
    quote_uid: str | None = None  # a reply: the id of the message it quotes (the sender's claim)
    quote_excerpt: str | None = None  # and the excerpt the sender gave (plain text, bounded)


@dataclass(frozen=True)
class RecipientState:
    identity_key: str
    state: MessageState
    updated_at: datetime
