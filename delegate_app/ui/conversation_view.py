"""One conversation: a header, its messages as bubbles, search, expiry and the composer.

The header names the contact's organisation and verification state with a *Verify…*
shortcut. Messages are rows of a model painted by a delegate (see ``message_model`` and
``message_delegate``), with day separators and a delivery mark on each of ours. Ctrl+F finds
in the conversation; Ctrl+C and the context menu copy the selected messages as plain text.
When a member's security key changed, the composer is disabled and the key-change banner
explains why. In a group, *Members…* opens the members dialog, and a message that did not go
to the whole group shows why under its text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QGuiApplication, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from delegate_app.core.contacts.models import Contact
from delegate_app.core.messaging.models import Message
from delegate_app.i18n import _
from delegate_app.ui.bidi import in_direction, isolate, one_line
from delegate_app.ui.composer import ComposerWidget
from delegate_app.ui.conversation_search import ConversationSearchWidget
from delegate_app.ui.expiry_widget import ExpiryWidget
from delegate_app.ui.key_change_banner import KeyChangeBannerWidget
from delegate_app.ui.message_delegate import MessageBubbleDelegate
from delegate_app.ui.message_model import (
    MESSAGE_ROLE,
    QUOTE_CHARS,
    WARNING_MARK,
    MessageListModel,
    MessageRow,
    state_text,
)
from delegate_app.ui.plain_text import show_as_plain_text
from delegate_app.ui.retranslate import is_language_change

__all__ = ["MESSAGE_ROLE", "WARNING_MARK", "ConversationHeader", "ConversationViewWidget"]
__all__ += ["state_text"]

VERIFIED_MARK = "✔"


@dataclass(frozen=True)
class ConversationHeader:
    """What the header says about the other person of a direct conversation."""

    organisation: str
    trust: str  # "Verified", "Not verified", "Key changed — sending blocked"…
    verified: bool
    contact_id: int


class MessageListView(QListView):
    """The messages: Ctrl+C and the context menu copy the selected ones as plain text."""

    copy_requested = Signal()
    reply_requested = Signal(int)  # message id

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_requested.emit()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 - Qt override
        index = self.indexAt(event.pos())
        if index.isValid() and index.data(MESSAGE_ROLE) is not None:
            if not self.selectionModel().isSelected(index):
                self.setCurrentIndex(index)
            menu = QMenu(self)
            message_id = int(index.data(MESSAGE_ROLE))
            menu.addAction(_("&Reply"), lambda: self.reply_requested.emit(message_id))
            menu.addAction(_("&Copy"), self.copy_requested.emit)
            menu.exec(event.globalPos())


class ConversationViewWidget(QWidget):
    send_requested = Signal(str)
    members_requested = Signal()
    verify_requested = Signal(int)  # contact id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = QLabel()
        self.title_label.setObjectName("conversationTitle")
        title_font = self.title_label.font()
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.15)
        self.title_label.setFont(title_font)
        self.subtitle_label = QLabel()
        self.subtitle_label.setObjectName("conversationSubtitle")
        self.verify_button = QPushButton()
        self.verify_button.setObjectName("verifyContact")
        self.verify_button.clicked.connect(self._verify)
        self.members_label = QLabel()
        self.members_label.setWordWrap(True)
        self.members_button = QPushButton()
        self.members_button.setObjectName("groupMembers")
        self.members_button.clicked.connect(self.members_requested.emit)
        self.expiry = ExpiryWidget()
        self.search = ConversationSearchWidget()
        self.model = MessageListModel()
        self.delegate = MessageBubbleDelegate(self)
        self.list = MessageListView()
        self.list.setObjectName("messageList")
        self.list.setModel(self.model)
        self.list.setItemDelegate(self.delegate)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMouseTracking(True)  # the delivery mark's tooltip
        self.list.copy_requested.connect(self.copy_selected)
        self.list.reply_requested.connect(self.reply_to)
        self.empty_label = QLabel()
        self.empty_label.setObjectName("conversationEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.list)
        self.stack.addWidget(self.empty_label)
        self.reply_label = QLabel()
        self.reply_label.setObjectName("replyingTo")
        self.reply_cancel = QPushButton()
        self.reply_cancel.setObjectName("cancelReply")
        self.reply_cancel.clicked.connect(self.cancel_reply)
        self.reply_bar = QWidget()
        reply_layout = QHBoxLayout(self.reply_bar)
        reply_layout.setContentsMargins(0, 0, 0, 0)
        reply_layout.addWidget(self.reply_label, 1)
        reply_layout.addWidget(self.reply_cancel)
        self.reply_bar.setVisible(False)
        self.quoting: Message | None = None  # the message the next one replies to
        self.banner = KeyChangeBannerWidget()
        self.error_label = QLabel()
        self.error_label.setObjectName("errorMessage")
        self.error_label.setWordWrap(True)
        show_as_plain_text(
            self.title_label, self.subtitle_label, self.members_label, self.error_label,
            self.empty_label, self.reply_label,
        )  # fmt: skip
        self.composer = ComposerWidget()
        self.messages: list[Message] = []
        self.header: ConversationHeader | None = None
        self._hits: list[int] = []  # model rows matching the search
        self._hit = -1
        self._layout()
        self.composer.send_requested.connect(self.send_requested.emit)
        self.search.query_changed.connect(self._search_changed)
        self.search.next_requested.connect(lambda: self._step(1))
        self.search.previous_requested.connect(lambda: self._step(-1))
        self.search.closed.connect(self.list.setFocus)
        self.find_shortcut = QShortcut(QKeySequence.StandardKey.Find, self)
        self.find_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.find_shortcut.activated.connect(self.open_search)
        self.show_conversation(None, None, [], {}, ())
        self.retranslate_ui()

    def _layout(self) -> None:
        layout = QVBoxLayout(self)
        header = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.title_label)
        titles.addWidget(self.subtitle_label)
        header.addLayout(titles, 1)
        header.addWidget(self.verify_button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(header)
        members = QHBoxLayout()
        members.addWidget(self.members_label, 1)
        members.addWidget(self.members_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(members)
        layout.addWidget(self.expiry)
        layout.addWidget(self.search)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.banner)
        layout.addWidget(self.error_label)
        layout.addWidget(self.reply_bar)
        layout.addWidget(self.composer)

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
        header: ConversationHeader | None = None,
    ) -> None:
        """Show a conversation (title None: nothing chosen). ``blocked``: members whose key
        changed; while there are any, the composer is disabled and the banner shows.
        ``warnings``: by message id, why a group message did not go to the whole group."""
        self.title_label.setText(title or "")
        self.members_label.setText(members or "")
        self.members_label.setVisible(bool(members))
        self.members_button.setVisible(group)
        self.header = header if title is not None else None
        self._show_header()
        at_bottom = self._at_bottom()
        selected = self.selected_ids()
        self.messages = list(messages)
        self.model.set_messages(self.messages, names, dict(warnings or {}), group=group)
        if self.quoting is not None and all(m.id != self.quoting.id for m in self.messages):
            self.cancel_reply()  # another conversation, or the message expired
        self._show_empty_state(title)
        for message_id in selected:
            row = self.model.row_of(message_id)
            if row is not None:
                self.list.selectionModel().select(
                    self.model.index(row), QItemSelectionModel.SelectionFlag.Select
                )
        if at_bottom or not selected:
            self.list.scrollToBottom()
        self._search_changed(self.search.field.text(), move=False)
        self.banner.show_contact(blocked[0] if blocked else None)
        self.composer.setEnabled(title is not None and not blocked and can_send)
        self.expiry.setEnabled(title is not None)
        self.error_label.clear()

    def _at_bottom(self) -> bool:
        bar = self.list.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4

    def _show_header(self) -> None:
        header = self.header
        self.verify_button.setVisible(header is not None)
        if header is None:
            self.subtitle_label.clear()
            self.subtitle_label.setVisible(False)
            return
        self.subtitle_label.setText(self.subtitle_text(header))
        self.subtitle_label.setVisible(True)
        self.verify_button.setText(_("Safety number…") if header.verified else _("&Verify…"))

    def subtitle_text(self, header: ConversationHeader) -> str:
        """Organisation and trust, each isolated, in the interface's direction."""
        mark = f"{VERIFIED_MARK} " if header.verified else ""
        parts = [isolate(header.organisation)] if header.organisation else []
        parts.append(mark + isolate(header.trust))
        return in_direction(" · ".join(parts), right_to_left=self.isRightToLeft())

    def _show_empty_state(self, title: str | None) -> None:
        if title is None:
            self.empty_label.setText(
                _("Choose a conversation, or start one.")
                + "\n\n"
                + _("Messages are end-to-end encrypted: the relay never sees what you write.")
            )
        else:
            self.empty_label.setText(
                _("No messages yet.")
                + "\n\n"
                + _("Write below: messages are end-to-end encrypted and wait in the outbox "
                    "while you are offline.")
            )  # fmt: skip
        self.stack.setCurrentWidget(self.empty_label if not self.messages else self.list)

    def _verify(self) -> None:
        if self.header is not None:
            self.verify_requested.emit(self.header.contact_id)

    # -- selection and copy ---------------------------------------------------------------------

    def selected_ids(self) -> list[int]:
        rows = sorted(index.row() for index in self.list.selectionModel().selectedIndexes())
        ids = [self.model.index(row).data(MESSAGE_ROLE) for row in rows]
        return [int(i) for i in ids if i is not None]

    def copy_selected(self) -> str:
        """Put the selected messages' text (plain, oldest first) on the clipboard."""
        wanted = set(self.selected_ids())
        text = "\n\n".join(m.body for m in self.messages if m.id in wanted)
        if text:
            QGuiApplication.clipboard().setText(text)
        return text

    def select_message(self, message_id: int) -> bool:
        """Select one message of the conversation shown and scroll to it (a search hit)."""
        row = self.model.row_of(message_id)
        if row is None:
            return False
        self._select_row(row)
        self.list.setFocus()
        return True

    def _select_row(self, row: int) -> None:
        index = self.model.index(row)
        self.list.setCurrentIndex(index)
        self.list.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    def row_of(self, message_id: int) -> int | None:
        return self.model.row_of(message_id)

    def message_index(self, number: int) -> QModelIndex:
        """The model index of the ``number``-th message (day separators not counted)."""
        return self.model.index(self.model.message_rows()[number][0])

    def row_texts(self) -> list[str]:
        """Each message as plain lines (who, when, text, state), oldest first."""
        return [self.model.row_text(row) for _n, row in self.model.message_rows()]

    # -- replies --------------------------------------------------------------------------------

    def reply_to(self, message_id: int) -> bool:
        """The next message sent quotes this one (shown above the composer until sent)."""
        message = next((m for m in self.messages if m.id == message_id), None)
        if message is None:
            return False
        self.quoting = message
        # TRANSLATORS: above the composer while writing a reply
        self.reply_label.setText(
            _("Replying to {sender}: {excerpt}").format(
                sender=isolate(self.model.sender_name(message)),
                excerpt=isolate(one_line(message.body)[:QUOTE_CHARS]),
            )
        )
        self.reply_bar.setVisible(True)
        self.composer.edit.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def cancel_reply(self) -> None:
        self.quoting = None
        self.reply_label.clear()
        self.reply_bar.setVisible(False)

    # -- search ---------------------------------------------------------------------------------

    def open_search(self) -> None:
        self.search.open()

    def _search_changed(self, text: str, *, move: bool = True) -> None:
        query = text.strip()
        self.delegate.query = query
        needle = query.casefold()
        rows: list[tuple[int, MessageRow]] = self.model.message_rows()
        self._hits = [n for n, row in rows if needle and needle in row.message.body.casefold()]
        if move:
            self._hit = len(self._hits) - 1 if self._hits else -1  # the newest hit first
            if self._hit >= 0:
                self._select_row(self._hits[self._hit])
        else:
            self._hit = min(self._hit, len(self._hits) - 1)
        self.search.show_count(self._hit + 1, len(self._hits))
        self.list.viewport().update()

    def _step(self, by: int) -> None:
        if not self._hits:
            return
        self._hit = (self._hit + by) % len(self._hits)
        self._select_row(self._hits[self._hit])
        self.search.show_count(self._hit + 1, len(self._hits))

    # -- the rest -------------------------------------------------------------------------------

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)

    def retranslate_ui(self) -> None:
        self.list.setAccessibleName(_("Messages"))
        self.members_button.setText(_("&Members…"))
        self.members_button.setAccessibleName(_("Members of this group"))
        self.verify_button.setToolTip(_("Compare safety numbers with this contact"))
        self.reply_cancel.setText(_("Cancel reply"))
        self.title_label.setAccessibleName(_("Conversation"))
        self.composer.setAccessibleDescription(
            _("Sending is blocked until the key change is resolved.")
            if self.banner.contact is not None
            else ""
        )
        self._show_header()
        self._show_empty_state(self.title_label.text() or None)
        self.delegate.clear_cache()
        self.model.rebuild()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)
