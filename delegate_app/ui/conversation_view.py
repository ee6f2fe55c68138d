"""One conversation: its messages (sender, time, delivery state), expiry, and the composer.

When a member's security key changed, the composer is disabled and the key-change banner
below the messages explains why and offers the decisions.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from delegate_app.core.contacts.models import Contact
from delegate_app.core.formatting import format_datetime
from delegate_app.core.messaging.models import Direction, Message, MessageState
from delegate_app.i18n import _
from delegate_app.ui.composer import ComposerWidget
from delegate_app.ui.expiry_widget import ExpiryWidget
from delegate_app.ui.key_change_banner import KeyChangeBannerWidget
from delegate_app.ui.plain_text import show_as_plain_text
from delegate_app.ui.retranslate import is_language_change

MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 1

STATE_MARKS = {  # a glyph beside the state's word, for a glance
    MessageState.QUEUED: "◷",
    MessageState.SENT: "✓",
    MessageState.DELIVERED: "✓✓",
    MessageState.READ: "✓✓",
    MessageState.FAILED: "⚠",
}


def state_text(message: Message) -> str:
    """The delivery state of an outgoing message as words ("queued", "delivered"…)."""
    return _(message.state.label)


class ConversationViewWidget(QWidget):
    send_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = QLabel()
        self.title_label.setObjectName("conversationTitle")
        self.members_label = QLabel()
        self.members_label.setWordWrap(True)
        self.expiry = ExpiryWidget()
        self.list = QListWidget()
        self.list.setObjectName("messageList")
        self.list.setWordWrap(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.banner = KeyChangeBannerWidget()
        self.error_label = QLabel()
        self.error_label.setObjectName("errorMessage")
        self.error_label.setWordWrap(True)
        show_as_plain_text(self.title_label, self.members_label, self.error_label)
        self.composer = ComposerWidget()
        self.messages: list[Message] = []
        self._names: dict[str, str] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.members_label)
        layout.addWidget(self.expiry)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.banner)
        layout.addWidget(self.error_label)
        layout.addWidget(self.composer)
        self.composer.send_requested.connect(self.send_requested.emit)
        self.show_conversation(None, None, [], {}, ())
        self.retranslate_ui()

    def show_conversation(
        self,
        title: str | None,
        members: str | None,
        messages: Sequence[Message],
        names: dict[str, str],
        blocked: Sequence[Contact],
    ) -> None:
        """Show a conversation (title None: nothing chosen). ``blocked``: members whose key
        changed; while there are any, the composer is disabled and the banner shows."""
        self.title_label.setText(title or "")
        self.members_label.setText(
            members or ("" if title else _("Choose a conversation, or start one."))
        )
        self.messages = list(messages)
        self._names = dict(names)
        self._fill()
        self.banner.show_contact(blocked[0] if blocked else None)
        self.composer.setEnabled(title is not None and not blocked)
        self.expiry.setEnabled(title is not None)
        self.error_label.clear()

    def _fill(self) -> None:
        self.list.clear()
        for message in self.messages:
            item = QListWidgetItem(self._row_text(message))
            item.setData(MESSAGE_ROLE, message.id)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, self._accessible_text(message))
            self.list.addItem(item)
        if self.list.count():
            self.list.scrollToBottom()

    def _sender(self, message: Message) -> str:
        if message.direction is Direction.OUT or message.sender_key is None:
            return _("You")
        return self._names.get(message.sender_key, message.sender_key[:12] + "…")

    def _row_text(self, message: Message) -> str:
        when = format_datetime(message.sent_at, "short")
        if message.direction is Direction.OUT:
            mark = STATE_MARKS.get(message.state, "")
            # TRANSLATORS: a sent message: who, when, the text, then the delivery state
            return _("{sender} · {time}\n{text}\n{mark} {state}").format(
                sender=self._sender(message), time=when, text=message.body,
                mark=mark, state=state_text(message),
            )  # fmt: skip
        return _("{sender} · {time}\n{text}").format(
            sender=self._sender(message), time=when, text=message.body
        )

    def _accessible_text(self, message: Message) -> str:
        when = format_datetime(message.sent_at, "short")
        if message.direction is Direction.OUT:
            return _("You wrote at {time}: {text}. State: {state}.").format(
                time=when, text=message.body, state=state_text(message)
            )
        return _("{sender} wrote at {time}: {text}").format(
            sender=self._sender(message), time=when, text=message.body
        )

    def row_of(self, message_id: int) -> QListWidgetItem | None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(MESSAGE_ROLE) == message_id:
                return item
        return None

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)

    def retranslate_ui(self) -> None:
        self.list.setAccessibleName(_("Messages"))
        self.title_label.setAccessibleName(_("Conversation"))
        if not self.title_label.text():
            self.members_label.setText(_("Choose a conversation, or start one."))
        self.composer.setAccessibleDescription(
            _("Sending is blocked until the key change is resolved.")
            if self.banner.contact is not None
            else ""
        )
        self._fill()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)
