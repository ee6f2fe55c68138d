"""The messages page: conversations (newest first, last message, unread) and the open one.

Each conversation's unsent text is its draft, kept in the vault: it is saved a moment after
typing pauses and when another conversation is opened or the vault locks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from delegate_app.core.contacts.models import Contact
from delegate_app.core.errors import DelegateError
from delegate_app.core.formatting import format_date, format_time
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.messaging.membership import MemberState
from delegate_app.core.messaging.models import (
    Conversation,
    ConversationKind,
    Direction,
    Message,
)
from delegate_app.core.messaging.service import effective_expiry_days
from delegate_app.i18n import N_, _, ngettext
from delegate_app.ui.bidi import isolate, one_line
from delegate_app.ui.contact_actions import (
    accept_new_key,
    keep_old_key,
    open_safety_number,
    trust_text,
)
from delegate_app.ui.conversation_list_delegate import (
    PREVIEW_ROLE,
    TIME_ROLE,
    UNREAD_ROLE,
    VERIFIED_ROLE,
    ConversationItemDelegate,
)
from delegate_app.ui.conversation_view import ConversationHeader, ConversationViewWidget
from delegate_app.ui.group_members_dialog import GroupMembersDialog
from delegate_app.ui.message_model import local_day, shown_time
from delegate_app.ui.message_requests import MessageRequestsWidget
from delegate_app.ui.new_group_dialog import NewGroupDialog
from delegate_app.ui.notifications import Arrival
from delegate_app.ui.pages import PageContext, PageWidget, Section

if TYPE_CHECKING:
    from sync.client.engine import SyncReport

CONVERSATION_ROLE = Qt.ItemDataRole.UserRole + 1
MESSAGE_SECTIONS = (Section("messages", N_("Messages"), "message-circle"),)
RECENT_MESSAGES = 500  # newest messages looked at for notifications (a long backlog: the newest)
PREVIEW_CHARS = 120  # of the last message, before the list elides it to the row's width


def list_time(moment: datetime) -> str:
    """Today's messages by time, older ones by date (the conversation list)."""
    if local_day(moment) == local_day(datetime.now().astimezone()):
        return format_time(moment, "short")
    return format_date(moment, "short")


class MessagesPageWidget(PageWidget):
    message_queued = Signal(int)  # message id
    conversation_shown = Signal(int)  # conversation id
    messages_arrived = Signal(object)  # list[Arrival]: new incoming messages, oldest first
    unread_changed = Signal(int)  # unread incoming messages in all conversations

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.conversations: list[Conversation] = []
        self.current_id: int | None = None
        self._newest_incoming = 0  # id of the newest incoming message already announced
        self.list = QListWidget()
        self.list.setObjectName("conversationList")
        self.list.setItemDelegate(ConversationItemDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self._draft_for: int | None = None  # the conversation whose draft the composer shows
        self.new_button = QPushButton()
        self.group_button = QPushButton()
        self.view = ConversationViewWidget()
        self.requests = MessageRequestsWidget()
        self.dialog: QWidget | None = None
        self.members_dialog: GroupMembersDialog | None = None
        self._layout()
        self.requests.accepted.connect(self._request_accepted)
        self.requests.changed.connect(self.sync_requested)  # delivered messages owe receipts
        self.requests.status_message.connect(self.status_message)
        self.list.currentItemChanged.connect(self._current_changed)
        self.new_button.clicked.connect(self.choose_contact)
        self.group_button.clicked.connect(self.new_group)
        self.view.send_requested.connect(self.send)
        self.view.members_requested.connect(self.show_members)
        self.view.verify_requested.connect(self._verify)
        self.view.composer.draft_changed.connect(self._save_draft)
        self.view.expiry.expiry_chosen.connect(self._expiry_chosen)
        self.view.banner.compare_requested.connect(self._compare)
        self.view.banner.accept_requested.connect(self._accept_key)
        self.view.banner.keep_old_requested.connect(self._keep_key)
        self.retranslate_ui()

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.group_button)
        column = QWidget()
        column_layout = QVBoxLayout(column)
        column_layout.addWidget(self.requests)
        column_layout.addLayout(buttons)
        column_layout.addWidget(self.list, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(column)
        splitter.addWidget(self.view)
        splitter.setSizes([320, 760])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    @property
    def room(self) -> Mailroom:
        return self.session.mailroom

    # -- page hooks ---------------------------------------------------------------------------

    def sections(self) -> Sequence[Section]:
        return MESSAGE_SECTIONS

    def show_section(self, key: str) -> None:
        self.refresh()

    def vault_unlocked(self) -> None:
        try:
            recent = self.room.messenger.store.messages(limit=RECENT_MESSAGES)
        except DelegateError:
            recent = []
        self._newest_incoming = max(
            (m.id for m in recent if m.direction is Direction.IN), default=0
        )
        self.update_unread()

    def vault_locking(self) -> None:
        self.view.composer.flush_draft()
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.close()
        self.dialog = None
        if self.members_dialog is not None and shiboken6.isValid(self.members_dialog):
            self.members_dialog.close()  # names of others stay behind no lock
        self.members_dialog = None
        self.conversations = []
        self.current_id = None
        self.list.clear()
        self.requests.refresh(None)
        self._draft_for = None
        self.view.composer.clear()
        self.view.show_conversation(None, None, [], {}, ())
        self._newest_incoming = 0
        self.unread_changed.emit(0)

    def sync_reported(self, report: SyncReport) -> None:
        if report.held or report.discarded or report.requests_expired:
            self.requests.refresh(self.room)
        if not report.received and not report.sent:
            return
        if self.isVisible():
            self.refresh()
        if report.received:
            self.update_unread()
            self._announce_new()  # after the refresh: its status line is the last one shown

    def focus_chain(self) -> list[QWidget]:
        first = [self.requests.toggle_button] if self.requests.isVisible() else []
        return [*first, self.list, self.view.list, self.view.composer.edit]

    def status_text(self) -> str:
        if not self.session.is_unlocked:
            return ""
        unread = self.update_unread()
        return ngettext("{count} unread message", "{count} unread messages", unread).format(
            count=unread
        )

    def update_unread(self) -> int:
        """Count unread messages in all conversations and tell the window (the sidebar badge)."""
        unread = sum(self.room.messenger.store.unread_counts().values())
        self.unread_changed.emit(unread)
        return unread

    def retranslate_ui(self) -> None:
        self.list.setAccessibleName(_("Conversations"))
        self.new_button.setText(_("&New message…"))
        self.group_button.setText(_("New &group…"))
        for button in (self.new_button, self.group_button):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
        if self.session.is_unlocked and self.conversations:
            self._fill_list()
            self._show_current()

    # -- conversations ------------------------------------------------------------------------

    def _label(self, conversation: Conversation) -> str:
        if conversation.kind is ConversationKind.GROUP:
            return conversation.title or _("(group)")
        directory = self.room.directory
        return ", ".join(directory.display_name(key) for key in conversation.members)

    def refresh(self) -> None:
        if not self.session.is_unlocked:
            return
        self.room.messenger.sweep_expired()
        self.conversations = self.room.messenger.conversations()  # newest first
        self.requests.refresh(self.room)
        self._fill_list()
        self._show_current()
        self._update_current_item()  # the list was filled before showing marked it read
        self.status_message.emit(self.status_text())

    def _update_current_item(self) -> None:
        current, conversation = self.list.currentItem(), self.current_conversation()
        if current is not None and conversation is not None:
            self._update_item(current, conversation)  # shown now: its count is gone

    def _preview(self, last: Message | None, draft: str) -> str:
        if draft.strip():
            # TRANSLATORS: the conversation list shows the unsent text of a conversation
            return _("Draft: {text}").format(text=isolate(one_line(draft)[:PREVIEW_CHARS]))
        if last is None:
            return _("No messages yet")
        text = isolate(one_line(last.body)[:PREVIEW_CHARS])
        if last.direction is Direction.OUT:
            # TRANSLATORS: the conversation list's preview of a message we sent
            return _("You: {text}").format(text=text)
        return text

    def _set_item(
        self,
        item: QListWidgetItem,
        conversation: Conversation,
        unread: int,
        last: Message | None = None,
        draft: str = "",
    ) -> None:
        label = self._label(conversation)
        item.setText(label)
        item.setData(UNREAD_ROLE, unread)
        item.setData(PREVIEW_ROLE, self._preview(last, draft))
        item.setData(TIME_ROLE, list_time(shown_time(last)) if last is not None else "")
        verified = False
        if conversation.kind is ConversationKind.DIRECT:
            contact = self._contact(conversation)
            verified = contact is not None and (contact.verified or contact.org_verified)
            verified = verified and contact is not None and not contact.key_changed
        item.setData(VERIFIED_ROLE, verified)
        kind = _("Group") if conversation.kind is ConversationKind.GROUP else _("Conversation")
        text = label
        if unread:
            # TRANSLATORS: a conversation in the list and how many messages are unread
            text = ngettext("{name} ({count} unread)", "{name} ({count} unread)", unread).format(
                name=label, count=unread
            )
        # TRANSLATORS: spoken for a row of the conversation list: "Group: Delegation (2 unread)"
        spoken = _("{kind}: {name}").format(kind=kind, name=text)
        item.setData(
            Qt.ItemDataRole.AccessibleTextRole,
            f"{spoken}. {_('Verified')}. {item.data(PREVIEW_ROLE)}" if verified
            else f"{spoken}. {item.data(PREVIEW_ROLE)}",
        )  # fmt: skip

    def _contact(self, conversation: Conversation) -> Contact | None:
        if conversation.kind is not ConversationKind.DIRECT or not conversation.members:
            return None
        return self.room.contacts.find_by_identity_key(bytes.fromhex(conversation.members[0]))

    def _fill_list(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        store = self.room.messenger.store
        unread = store.unread_counts()  # one query each for the whole list
        last = store.last_messages()
        drafts = self.room.messenger.drafts
        with_draft = drafts.with_drafts()
        for conversation in self.conversations:
            item = QListWidgetItem()
            item.setData(CONVERSATION_ROLE, conversation.id)
            draft = drafts.draft(conversation.id) if conversation.id in with_draft else ""
            self._set_item(
                item, conversation, unread.get(conversation.id, 0), last.get(conversation.id),
                draft,
            )  # fmt: skip
            self.list.addItem(item)
            if conversation.id == self.current_id:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)

    def _current_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        self.current_id = None if current is None else int(current.data(CONVERSATION_ROLE))
        self._show_current()
        self._update_current_item()
        self.status_message.emit(self.status_text())

    def open_conversation(self, conversation_id: int) -> None:
        self.current_id = conversation_id
        self.refresh()

    def current_conversation(self) -> Conversation | None:
        return next((c for c in self.conversations if c.id == self.current_id), None)

    def _blocked_members(self, conversation: Conversation) -> list[Contact]:
        book = self.room.contacts
        found = (book.find_by_identity_key(bytes.fromhex(key)) for key in conversation.members)
        return [contact for contact in found if contact is not None and contact.key_changed]

    def _show_current(self) -> None:
        conversation = self.current_conversation()
        self._switch_draft(conversation)
        if conversation is None:
            self.view.show_conversation(None, None, [], {}, ())
            return
        messenger = self.room.messenger
        if self.isVisible() and messenger.mark_read(conversation.id):
            self.sync_requested.emit()  # read receipts are owed
        directory = self.room.directory
        names = {key: directory.display_name(key) for key in conversation.members}
        group = conversation.kind is ConversationKind.GROUP
        members = self._members_line(conversation, names) if group else None
        messages = messenger.messages(conversation.id)
        for key in {m.sender_key for m in messages if m.sender_key} - names.keys():
            names[key] = directory.display_name(key)  # e.g. a key from before a key change
        warnings = {
            message_id: messenger.describe_warning(warning)
            for message_id, warning in messenger.audience_warnings(conversation.id).items()
        } if group else {}  # fmt: skip
        self.view.show_conversation(
            self._label(conversation), members, messages, names,
            self._blocked_members(conversation),
            group=group, warnings=warnings, can_send=not conversation.self_removed,
            header=self._header(conversation),
        )  # fmt: skip
        forced = self.session.policy.value("forced_message_expiry_days")
        days = effective_expiry_days(conversation.expiry_days, self.session.policy)
        self.view.expiry.set_state(conversation.expiry_days, days if forced is not None else None)
        if group:
            self._fill_members(conversation)  # an open members dialog follows sync
        self.conversation_shown.emit(conversation.id)

    def _header(self, conversation: Conversation) -> ConversationHeader | None:
        contact = self._contact(conversation)
        if contact is None:
            return None
        verified = (contact.verified or contact.org_verified) and not contact.key_changed
        return ConversationHeader(contact.organisation, trust_text(contact), verified, contact.id)

    def _verify(self, contact_id: int) -> None:
        book = self.room.contacts
        self.dialog = open_safety_number(
            self, book, book.get_by_id(contact_id), banner=self.view.banner,
            on_verified=lambda _contact: self.refresh(),
        )  # fmt: skip

    # -- drafts ---------------------------------------------------------------------------------

    def _switch_draft(self, conversation: Conversation | None) -> None:
        """Keep the draft of the conversation left, show the draft of the one opened."""
        wanted = None if conversation is None else conversation.id
        if wanted == self._draft_for:
            return
        self.view.composer.flush_draft()  # saved under the conversation it was typed in
        self._draft_for = wanted
        drafts = self.room.messenger.drafts
        self.view.composer.set_draft("" if wanted is None else drafts.draft(wanted))

    def _save_draft(self, text: str) -> None:
        if self._draft_for is None or not self.session.is_unlocked:
            return
        try:
            self.room.messenger.drafts.save(self._draft_for, text)
        except DelegateError as exc:
            self.view.show_error(str(exc))
            return
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(CONVERSATION_ROLE) == self._draft_for:
                conversation = next(c for c in self.conversations if c.id == self._draft_for)
                self._update_item(item, conversation)

    def _update_item(self, item: QListWidgetItem, conversation: Conversation) -> None:
        store = self.room.messenger.store
        self._set_item(
            item, conversation, store.unread_counts().get(conversation.id, 0),
            store.last_messages().get(conversation.id),
            self.room.messenger.drafts.draft(conversation.id),
        )  # fmt: skip

    def _members_line(self, conversation: Conversation, names: dict[str, str]) -> str:
        if conversation.self_removed:
            return _("You were removed from this group by its creator: you cannot send to it.")
        pending = set(self.room.messenger.pending_members(conversation))
        shown = [
            # TRANSLATORS: a group member we have no card for, in the list of members
            _("{name} (pending)").format(name=name) if key in pending else name
            for key, name in sorted(names.items(), key=lambda kv: (kv[0] in pending, kv[1]))
        ]  # by name, pending members last
        return _("Members: {names}").format(names=", ".join(shown))

    # -- group members ------------------------------------------------------------------------

    def show_members(self) -> GroupMembersDialog | None:
        """The members dialog of the open group (one at a time, kept up to date)."""
        conversation = self.current_conversation()
        if conversation is None or conversation.kind is not ConversationKind.GROUP:
            return None
        if self.members_dialog is None or not shiboken6.isValid(self.members_dialog):
            dialog = GroupMembersDialog(self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.remove_requested.connect(self._remove_member)
            dialog.finished.connect(self._members_closed)
            self.members_dialog = dialog
        self._fill_members(conversation)
        self.members_dialog.open()
        return self.members_dialog

    def _members_closed(self) -> None:
        self.members_dialog = None

    def _fill_members(self, conversation: Conversation) -> None:
        dialog = self.members_dialog
        if dialog is None or not shiboken6.isValid(dialog):
            return
        messenger = self.room.messenger
        members = messenger.group_members(conversation)
        book = self.room.contacts
        trust = {}
        for member in members:
            if member.is_you or member.state is MemberState.PENDING:
                continue
            contact = book.find_by_identity_key(bytes.fromhex(member.key))
            if contact is not None:
                trust[member.key] = trust_text(contact)
        creator = conversation.creator_key
        dialog.set_members(
            self._label(conversation), members, trust,
            creator_known=creator is not None,
            can_remove=not conversation.self_removed
            and creator in (None, messenger.sender.key),
        )  # fmt: skip

    def _remove_member(self, key: str) -> None:
        conversation = self.current_conversation()
        if conversation is None:
            return
        try:
            updated = self.room.messenger.remove_member(conversation, key)
        except DelegateError as exc:
            self.view.show_error(str(exc))
            return
        self.refresh()
        self._fill_members(updated)
        self.sync_requested.emit()  # the new membership goes to every member

    def _request_accepted(self, name: str) -> None:
        """The sender of an accepted request is a contact now: show what they sent."""
        self.open_conversation(self.room.messenger.direct_conversation(name).id)

    # -- starting conversations ---------------------------------------------------------------

    def _contact_names(self) -> list[str]:
        return [contact.name for contact in self.room.contacts.contacts()]

    def choose_contact(self) -> None:
        names = self._contact_names()
        if not names:
            self.status_message.emit(_("Import a contact's card first (Contacts)."))
            return
        name, ok = QInputDialog.getItem(self, _("New message"), _("&To:"), names, 0, False)
        if ok and name:
            self.start_direct(name)

    def start_direct(self, name: str) -> Conversation:
        conversation = self.room.messenger.direct_conversation(name)
        self.open_conversation(conversation.id)
        self.view.composer.edit.setFocus(Qt.FocusReason.OtherFocusReason)
        return conversation

    def new_group(self) -> NewGroupDialog:
        dialog = NewGroupDialog(self._contact_names(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._create_group(*dialog.chosen()))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _create_group(self, title: str, names: list[str]) -> None:
        try:
            group = self.room.messenger.create_group(title, names)
        except DelegateError as exc:
            self.status_message.emit(str(exc))
            return
        self.open_conversation(group.id)

    # -- sending and settings -----------------------------------------------------------------

    def send(self, text: str) -> None:
        conversation = self.current_conversation()
        if conversation is None:
            return
        try:
            message = self.room.messenger.send_in(conversation, text, quoting=self.view.quoting)
        except DelegateError as exc:
            self.view.show_error(str(exc))
            return
        self.view.cancel_reply()
        self.view.composer.clear()
        self.refresh()
        self.message_queued.emit(message.id)
        self.sync_requested.emit()

    def _expiry_chosen(self, days: object) -> None:
        conversation = self.current_conversation()
        if conversation is None or self.session.policy.value("forced_message_expiry_days"):
            return
        try:
            self.room.messenger.set_expiry(conversation.id, days if isinstance(days, int) else None)
        except DelegateError as exc:
            self.view.show_error(str(exc))
        self.refresh()

    # -- key changes --------------------------------------------------------------------------

    def _compare(self, contact_id: int) -> None:
        book = self.room.contacts
        self.dialog = open_safety_number(
            self, book, book.get_by_id(contact_id), banner=self.view.banner
        )

    def _accept_key(self, contact_id: int, identity_key: bytes) -> None:
        conversation = self.current_conversation()
        try:
            contact = accept_new_key(self.room, contact_id, identity_key)
        except DelegateError as exc:
            self.view.show_error(str(exc))
            self.refresh()
            return
        if conversation is not None and conversation.kind is ConversationKind.DIRECT:
            # Conversations are keyed by identity: the new key has a conversation of its own
            # (the earlier one stays, with the messages exchanged under the old key).
            self.current_id = self.room.messenger.direct_conversation(contact.name).id
        self.refresh()

    def _keep_key(self, contact_id: int) -> None:
        keep_old_key(self.room.contacts, contact_id)
        self.refresh()

    # -- notifications ------------------------------------------------------------------------

    def _announce_new(self) -> None:
        fresh = [
            m for m in self.room.messenger.store.messages(limit=RECENT_MESSAGES)
            if m.direction is Direction.IN and m.id > self._newest_incoming
        ]  # fmt: skip
        if not fresh:
            return
        self._newest_incoming = max(m.id for m in fresh)
        directory = self.room.directory
        arrivals = [Arrival(directory.display_name(m.sender_key or ""), m.body) for m in fresh]
        self.messages_arrived.emit(arrivals)
