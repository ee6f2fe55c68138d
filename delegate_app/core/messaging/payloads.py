"""Application payloads carried inside envelopes: messages, receipts, group updates (JSON).

The envelope (docs/PROTOCOL.md) authenticates the sender, the recipients, the
time and the content type; these bodies say what the content means. Parsing is
strict: each object has exactly the keys of its table below (docs/PROTOCOL.md §10),
and anything unexpected raises :class:`PayloadError`, never a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from delegate_app.core.messaging.errors import PayloadError
from delegate_app.core.messaging.schema import OPTIONAL, REQUIRED, Schema, decode, encode

MESSAGE_TYPE = "delegate/message"
RECEIPT_TYPE = "delegate/receipt"
GROUP_UPDATE_TYPE = "delegate/group-update"
MAX_TEXT = 64 * 1024
MAX_TITLE = 200
MAX_MEMBERS = 1000
MAX_RECEIPT_IDS = 10_000
MAX_EPOCH = 2**31 - 1
MAX_EXCERPT = 280  # a quote's excerpt of the quoted message
UID_RE = re.compile(r"[0-9a-f]{32}")
KEY_RE = re.compile(r"[0-9a-f]{64}")

# The exact keys of each object (one line per field; docs/PROTOCOL.md §10 lists the same).
MESSAGE = Schema(
    "message",
    {
        "v": REQUIRED,
        "conversation": REQUIRED,
        "message": REQUIRED,
        "text": REQUIRED,
        "expiry_days": OPTIONAL,
        "quote": OPTIONAL,
    },
)
QUOTE = Schema(
    "quote",
    {
        "message": REQUIRED,
        "excerpt": REQUIRED,
    },
)
CONVERSATION = Schema(
    "conversation",
    {
        "uid": REQUIRED,
        "kind": REQUIRED,
        "title": OPTIONAL,
        "members": REQUIRED,
    },
)
RECEIPT = Schema(
    "receipt",
    {
        "v": REQUIRED,
        "receipt": REQUIRED,
        "messages": REQUIRED,
    },
)
GROUP_UPDATE = Schema(
    "group update",
    {
        "v": REQUIRED,
        "group": REQUIRED,
        "nonce": REQUIRED,
        "title": REQUIRED,
        "members": REQUIRED,
        "epoch": REQUIRED,
    },
)


def uid_field(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not UID_RE.fullmatch(value):
        raise PayloadError(f"Field {key} is not an id.")
    return value


def text_field(data: dict[str, Any], key: str, *, limit: int, optional: bool = False) -> str | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or len(value) > limit or not _is_unicode(value):
        raise PayloadError(f"Field {key} is not valid text.")
    return value


def _is_unicode(value: str) -> bool:
    """False for a lone surrogate (JSON's ``"\\ud800"``), which no UTF-8 text can hold."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def int_field(
    data: dict[str, Any], key: str, *, low: int, high: int, optional: bool = False
) -> int | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PayloadError(f"Field {key} is out of range.")
    return value


def keys_field(data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if (
        not isinstance(value, list)
        or len(value) > MAX_MEMBERS
        or not all(isinstance(k, str) and KEY_RE.fullmatch(k) for k in value)
    ):
        raise PayloadError(f"Field {key} is not a list of keys.")
    return tuple(value)


@dataclass(frozen=True)
class ConversationRef:
    uid: str
    kind: str  # "direct" | "group"
    title: str | None
    members: tuple[str, ...]  # every participant's identity key, the sender included


@dataclass(frozen=True)
class QuoteRef:
    """The message a reply quotes: its id (in the same conversation) and a short excerpt.

    Both are the sender's claim: the id may name nothing the receiver has, and the excerpt
    may differ from the message it names; receivers show the excerpt as plain text."""

    message_uid: str
    excerpt: str


@dataclass(frozen=True)
class MessagePayload:
    conversation: ConversationRef
    message_uid: str
    text: str
    expiry_days: int | None
    quote: QuoteRef | None = None

    def to_bytes(self) -> bytes:
        # ``quote`` is written only when there is one, so that readers of the table without
        # it still read every message that quotes nothing (docs/PROTOCOL.md §10.2).
        quote = {} if self.quote is None else {
            "quote": {"message": self.quote.message_uid, "excerpt": self.quote.excerpt}
        }  # fmt: skip
        return encode(
            MESSAGE,
            {
                "conversation": {
                    "uid": self.conversation.uid,
                    "kind": self.conversation.kind,
                    "title": self.conversation.title,
                    "members": list(self.conversation.members),
                },
                "message": self.message_uid,
                "text": self.text,
                "expiry_days": self.expiry_days,
                **quote,
            },
        )

    @classmethod
    def from_bytes(cls, body: bytes) -> MessagePayload:
        data = decode(MESSAGE, body)
        conv = CONVERSATION.check(data["conversation"])
        kind = conv.get("kind")
        if kind not in ("direct", "group"):
            raise PayloadError("Unknown conversation kind.")
        return cls(
            conversation=ConversationRef(
                uid=uid_field(conv, "uid"),
                kind=str(kind),
                title=text_field(conv, "title", limit=MAX_TITLE, optional=True),
                members=keys_field(conv, "members"),
            ),
            message_uid=uid_field(data, "message"),
            text=text_field(data, "text", limit=MAX_TEXT) or "",
            expiry_days=int_field(data, "expiry_days", low=1, high=3650, optional=True),
            quote=_quote(data.get("quote")),
        )


def _quote(value: Any) -> QuoteRef | None:
    if value is None:
        return None
    quote = QUOTE.check(value)
    return QuoteRef(
        message_uid=uid_field(quote, "message"),
        excerpt=text_field(quote, "excerpt", limit=MAX_EXCERPT) or "",
    )


@dataclass(frozen=True)
class ReceiptPayload:
    kind: str  # "delivered" | "read"
    message_uids: tuple[str, ...]

    def to_bytes(self) -> bytes:
        return encode(RECEIPT, {"receipt": self.kind, "messages": list(self.message_uids)})

    @classmethod
    def from_bytes(cls, body: bytes) -> ReceiptPayload:
        data = decode(RECEIPT, body)
        kind = data.get("receipt")
        if kind not in ("delivered", "read"):
            raise PayloadError("Unknown receipt kind.")
        messages = data.get("messages")
        if (
            not isinstance(messages, list)
            or not messages
            or len(messages) > MAX_RECEIPT_IDS
            or not all(isinstance(m, str) and UID_RE.fullmatch(m) for m in messages)
        ):
            raise PayloadError("The receipt lists no valid message ids.")
        return cls(str(kind), tuple(messages))


@dataclass(frozen=True)
class GroupUpdatePayload:
    """The creator's signed statement of a group's whole membership (the creator included)."""

    group_uid: str
    nonce: str
    title: str
    members: tuple[str, ...]
    epoch: int

    def to_bytes(self) -> bytes:
        return encode(
            GROUP_UPDATE,
            {
                "group": self.group_uid,
                "nonce": self.nonce,
                "title": self.title,
                "members": sorted(self.members),
                "epoch": self.epoch,
            },
        )

    @classmethod
    def from_bytes(cls, body: bytes) -> GroupUpdatePayload:
        data = decode(GROUP_UPDATE, body)
        members = keys_field(data, "members")
        if not members or len(set(members)) != len(members):
            raise PayloadError("The group update's members are empty or repeated.")
        title = text_field(data, "title", limit=MAX_TITLE) or ""
        if not title.strip():
            raise PayloadError("The group update has no title.")
        return cls(
            group_uid=uid_field(data, "group"),
            nonce=uid_field(data, "nonce"),
            title=title,
            members=members,
            epoch=int_field(data, "epoch", low=1, high=MAX_EPOCH) or 0,
        )
