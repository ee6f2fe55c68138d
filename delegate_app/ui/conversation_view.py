"""One conversation: its messages (sender, time, delivery state), expiry, and the composer.

When a member's security key changed, the composer is disabled and the key-change banner
below the messages explains why and offers the decisions. In a group, *Members…* opens the
members dialog, and a message that did not go to the whole group shows why under its text.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
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
WARNING_MARK = "⚠"

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
    members_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = QLabel()
        self.title_label.setObjectName("conversationTitle")
        self.members_label = QLabel()
        self.members_label.setWordWrap(True)
        self.members_button = QPushButton()
        self.members_button.setObjectName("groupMembers")
        self.members_button.clicked.connect(self.members_requested.emit)
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
        self.warnings: dict[int, str] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        members = QHBoxLayout()
        members.addWidget(self.members_label, 1)
        members.addWidget(self.members_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(members)
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
        *,
        group: bool = False,
        warnings: dict[int, str] | None = None,
        can_send: bool = True,
    ) -> None:
        """Show a conversation (title None: nothing chosen). ``blocked``: members whose key
        changed; while there are any, the composer is disabled and the banner shows.
        ``warnings``: by message id, why a group message did not go to the whole group."""
        self.title_label.setText(title or "")
        self.members_label.setText(
            members or ("" if title else _("Choose a conversation, or start one."))
        )
        self.members_button.setVisible(group)
        self.messages = list(messages)
        self._names = dict(names)
        self.warnings = dict(warnings or {})
        self._fill()
        self.banner.show_contact(blocked[0] if blocked else None)
        self.composer.setEnabled(title is not None and not blocked and can_send)
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

    def select_message(self, message_id: int) -> bool:
        """Select one message of the conversation shown and scroll to it (a search hit)."""
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(MESSAGE_ROLE) == message_id:
                self.list.setCurrentItem(item)
                self.list.scrollToItem(item, QAbstractItemView.ScrollHint.PositionAtCenter)
                self.list.setFocus()
                return True
        return False

    def _sender(self, message: Message) -> str:
        if message.direction is Direction.OUT or message.sender_key is None:
            return _("You")
        return self._names.get(message.sender_key, message.sender_key[:12] + "…")

    def _row_text(self, message: Message) -> str:
        when = format_datetime(message.sent_at, "short")
        if message.direction is Direction.OUT:
            mark = STATE_MARKS.get(message.state, "")
            # TRANSLATORS: a sent message: who, when, the text, then the delivery state
            row = _("{sender} · {time}\n{text}\n{mark} {state}").format(
                sender=self._sender(message), time=when, text=message.body,
                mark=mark, state=state_text(message),
            )  # fmt: skip
        else:
            row = _("{sender} · {time}\n{text}").format(
                sender=self._sender(message), time=when, text=message.body
            )
        warning = self.warnings.get(message.id)
        return row if warning is None else f"{row}\n{WARNING_MARK} {warning}"

    def _accessible_text(self, message: Message) -> str:
        when = format_datetime(message.sent_at, "short")
        if message.direction is Direction.OUT:
            text = _("You wrote at {time}: {text}. State: {state}.").format(
                time=when, text=message.body, state=state_text(message)
            )
        else:
            text = _("{sender} wrote at {time}: {text}").format(
                sender=self._sender(message), time=when, text=message.body
            )
        warning = self.warnings.get(message.id)
        # TRANSLATORS: spoken after a group message that did not go to the whole group
        return (
            text
            if warning is None
            else _("{text} Warning: {warning}").format(text=text, warning=warning)
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
        self.members_button.setText(_("&Members…"))
        self.members_button.setAccessibleName(_("Members of this group"))
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
