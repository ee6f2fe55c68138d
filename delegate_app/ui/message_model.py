"""The rows of a conversation for a ``QListView``: day separators and messages, grouped by sender.

One model row per message or day, painted by :mod:`delegate_app.ui.message_delegate`: no widget
per message, so a conversation of ten thousand messages scrolls as smoothly as one of ten. The
model holds plain data only; the words (dates, states) are made here in the interface language.

A message is placed and dated by the time it reached this computer when it is incoming: the
``sent_at`` of an incoming message is the sender's claim and could name any day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from delegate_app.core.formatting import format_date, format_time
from delegate_app.core.messaging.models import Direction, Message, MessageState
from delegate_app.i18n import N_, _
from delegate_app.ui.bidi import isolate, one_line

Index = QModelIndex | QPersistentModelIndex
MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 1  # the message id (None on a day row)
ROW_ROLE = Qt.ItemDataRole.UserRole + 2  # the DayRow or MessageRow
WARNING_MARK = "⚠"
QUOTE_CHARS = 140  # of a quoted message, on one line (the bubble elides it to its width)

STATE_MARKS = {  # a glyph for a glance; the words are in the tooltip and the spoken text
    MessageState.QUEUED: "◷",
    MessageState.SENT: "✓",
    MessageState.DELIVERED: "✓✓",
    MessageState.READ: "✓✓",
    MessageState.FAILED: "⚠",
}
_STATE_EXPLANATIONS = {
    MessageState.QUEUED: N_("Queued: waiting for the relay; it goes out by itself when online."),
    MessageState.SENT: N_("Sent: the relay holds it; their device has not confirmed it yet."),
    MessageState.DELIVERED: N_("Delivered: their device confirmed it with a signed receipt."),
    MessageState.READ: N_("Read: they opened the conversation after it arrived."),
    MessageState.FAILED: N_("Not sent: it could not be encrypted or queued for them."),
}


def state_text(message: Message) -> str:
    """The delivery state of an outgoing message as words ("queued", "delivered"…)."""
    return _(message.state.label)


def state_explanation(message: Message) -> str:
    """What the state of an outgoing message means (the mark's tooltip)."""
    text = _STATE_EXPLANATIONS.get(message.state)
    return _(text) if text else ""


def shown_time(message: Message) -> datetime:
    """When the message is shown as written: ours when sent, theirs when it reached us."""
    if message.direction is Direction.IN and message.received_at is not None:
        return message.received_at
    return message.sent_at


def local_day(moment: datetime) -> date:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone().date()


@dataclass(frozen=True)
class DayRow:
    day: date
    label: str  # the date in the interface language, isolated


@dataclass(frozen=True)
class QuoteView:
    """What a reply shows of the message it quotes.

    ``sender`` is None when the quoted id names no message of this conversation (unknown, or
    another conversation's): then only the sender's excerpt is shown, as plain text."""

    sender: str | None
    excerpt: str


@dataclass(frozen=True)
class MessageRow:
    message: Message
    sender: str  # the display name ("You" for ours)
    show_sender: bool  # first of a run of an incoming group member's messages
    first_in_group: bool  # a new run of one sender's messages starts here
    time: str  # the local time, isolated
    warning: str | None  # why a group message did not go to everyone
    quote: QuoteView | None = None

    @property
    def outgoing(self) -> bool:
        return self.message.direction is Direction.OUT


Row = DayRow | MessageRow


class MessageListModel(QAbstractListModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []
        self._messages: list[Message] = []
        self._names: dict[str, str] = {}
        self._warnings: dict[int, str] = {}
        self._group = False

    # -- filling --------------------------------------------------------------------------------

    def set_messages(
        self,
        messages: Sequence[Message],
        names: dict[str, str],
        warnings: dict[int, str],
        *,
        group: bool,
    ) -> None:
        self._messages = list(messages)
        self._names = dict(names)
        self._warnings = dict(warnings)
        self._group = group
        self.rebuild()

    def rebuild(self) -> None:
        """Make the rows again (new messages, or the interface language changed)."""
        self.beginResetModel()
        self.rows = list(self._build())
        self.endResetModel()

    def _build(self) -> list[Row]:
        rows: list[Row] = []
        by_uid = {m.uid: m for m in self._messages}  # this conversation's messages only
        last_day: date | None = None
        last_sender: tuple[Direction, str | None] | None = None
        for message in self._messages:
            moment = shown_time(message)
            day = local_day(moment)
            if day != last_day:
                rows.append(DayRow(day, isolate(format_date(moment, "long"))))
                last_day, last_sender = day, None
            sender = (message.direction, message.sender_key)
            first = sender != last_sender
            last_sender = sender
            rows.append(
                MessageRow(
                    message=message,
                    sender=self.sender_name(message),
                    show_sender=first and self._group and message.direction is Direction.IN,
                    first_in_group=first,
                    time=isolate(format_time(moment, "short")),
                    warning=self._warnings.get(message.id),
                    quote=self._quote(message, by_uid),
                )
            )
        return rows

    def _quote(self, message: Message, by_uid: dict[str, Message]) -> QuoteView | None:
        if message.quote_uid is None:
            return None
        quoted = by_uid.get(message.quote_uid)
        if quoted is None or quoted.id == message.id:
            return QuoteView(None, one_line(message.quote_excerpt or "")[:QUOTE_CHARS])
        return QuoteView(self.sender_name(quoted), one_line(quoted.body)[:QUOTE_CHARS])

    def sender_name(self, message: Message) -> str:
        if message.direction is Direction.OUT or message.sender_key is None:
            return _("You")
        return self._names.get(message.sender_key, message.sender_key[:12] + "…")

    # -- reading --------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == ROW_ROLE:
            return row
        if isinstance(row, DayRow):
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return row.label
            return None
        if role == MESSAGE_ROLE:
            return row.message.id
        if role == Qt.ItemDataRole.DisplayRole:
            return self.row_text(row)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.accessible_text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return state_explanation(row.message) if row.outgoing else None
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        row = self.rows[index.row()] if index.isValid() else None
        if isinstance(row, MessageRow):
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return Qt.ItemFlag.ItemIsEnabled  # a day separator is not a message to select

    def row_of(self, message_id: int) -> int | None:
        for number, row in enumerate(self.rows):
            if isinstance(row, MessageRow) and row.message.id == message_id:
                return number
        return None

    def message_rows(self) -> list[tuple[int, MessageRow]]:
        return [(n, row) for n, row in enumerate(self.rows) if isinstance(row, MessageRow)]

    # -- words ----------------------------------------------------------------------------------

    @staticmethod
    def quote_text(quote: QuoteView) -> str:
        if quote.sender is None:
            # TRANSLATORS: a reply to a message that is not in this conversation
            return _("Quoting: {excerpt}").format(excerpt=isolate(quote.excerpt))
        # TRANSLATORS: a reply, above its text: who wrote the quoted message, and its start
        return _("Replying to {sender}: {excerpt}").format(
            sender=isolate(quote.sender), excerpt=isolate(quote.excerpt)
        )

    @staticmethod
    def row_text(row: MessageRow) -> str:
        """The message as plain lines: who and when, (a quote,) the text, the state."""
        message = row.message
        if row.quote is not None:
            quoted = replace(row, quote=None)
            head, _sep, rest = MessageListModel.row_text(quoted).partition("\n")
            return f"{head}\n↪ {MessageListModel.quote_text(row.quote)}\n{rest}"
        if row.outgoing:
            # TRANSLATORS: a sent message: who, when, the text, then the delivery state
            text = _("{sender} · {time}\n{text}\n{mark} {state}").format(
                sender=row.sender, time=row.time, text=message.body,
                mark=STATE_MARKS.get(message.state, ""), state=state_text(message),
            )  # fmt: skip
        else:
            text = _("{sender} · {time}\n{text}").format(
                sender=isolate(row.sender), time=row.time, text=message.body
            )
        return text if row.warning is None else f"{text}\n{WARNING_MARK} {row.warning}"

    @staticmethod
    def accessible_text(row: MessageRow) -> str:
        message = row.message
        if row.outgoing:
            text = _("You wrote at {time}: {text}. State: {state}.").format(
                time=row.time, text=message.body, state=state_text(message)
            )
        else:
            text = _("{sender} wrote at {time}: {text}").format(
                sender=isolate(row.sender), time=row.time, text=message.body
            )
        if row.warning is None:
            return text
        # TRANSLATORS: spoken after a group message that did not go to the whole group
        return _("{text} Warning: {warning}").format(text=text, warning=row.warning)
