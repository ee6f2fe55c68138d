"""A group's members as this profile knows them: creator, pending and removed members, trust.

Only the group's creator can remove a member for everyone (docs/adr/0018); the page decides
whether removing is offered and does it through the messenger. Removing asks first. Names come
from cards and payloads, so every label here is plain text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from delegate_app.core.messaging.membership import GroupMember, MemberState
from delegate_app.i18n import _
from delegate_app.ui.plain_text import show_as_plain_text
from delegate_app.ui.retranslate import is_language_change

KEY_ROLE = Qt.ItemDataRole.UserRole + 1


class GroupMembersDialog(QDialog):
    remove_requested = Signal(str)  # the identity key of the member to remove (confirmed)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("groupMembersDialog")
        self.title = ""
        self.members: list[GroupMember] = []
        self.trust: dict[str, str] = {}
        self.creator_known = False
        self.can_remove = False
        self.creator_label = QLabel()
        self.creator_label.setObjectName("groupCreator")
        self.creator_label.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("groupMemberList")
        self.list.setWordWrap(True)
        self.pending_label = QLabel()
        self.pending_label.setObjectName("pendingExplanation")
        self.pending_label.setWordWrap(True)
        self.remove_button = QPushButton()
        self.remove_button.setObjectName("removeMember")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.confirmation: QMessageBox | None = None
        show_as_plain_text(self.creator_label, self.pending_label)
        layout = QVBoxLayout(self)
        layout.addWidget(self.creator_label)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.pending_label)
        layout.addWidget(self.remove_button)
        layout.addWidget(self.buttons)
        self.list.currentItemChanged.connect(lambda *_args: self._update_remove())
        self.remove_button.clicked.connect(self.confirm_removal)
        self.retranslate_ui()

    def set_members(
        self,
        title: str,
        members: Sequence[GroupMember],
        trust: Mapping[str, str],
        *,
        creator_known: bool,
        can_remove: bool,
    ) -> None:
        """Show ``members`` (``trust``: a contact's trust words by key, for those we have)."""
        self.title = title
        self.members = list(members)
        self.trust = dict(trust)
        self.creator_known = creator_known
        self.can_remove = can_remove
        self.retranslate_ui()

    def _row_text(self, member: GroupMember) -> str:
        parts = [_(member.state.label)]
        if member.is_creator:
            parts.append(_("creator"))
        if member.key in self.trust and member.state is not MemberState.REMOVED:
            parts.append(self.trust[member.key])
        # TRANSLATORS: a group member's name, then their state, role and verification
        return _("{name} — {details}").format(name=member.name, details="; ".join(parts))

    def _fill(self) -> None:
        current = self.selected()
        self.list.clear()
        for member in self.members:
            item = QListWidgetItem(self._row_text(member))
            item.setData(KEY_ROLE, member.key)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, self._row_text(member))
            self.list.addItem(item)
            if current is not None and member.key == current.key:
                self.list.setCurrentItem(item)
        self._update_remove()

    def selected(self) -> GroupMember | None:
        item = self.list.currentItem()
        if item is None:
            return None
        key = item.data(KEY_ROLE)
        return next((m for m in self.members if m.key == key), None)

    def select(self, key: str) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(KEY_ROLE) == key:
                self.list.setCurrentRow(row)

    def _update_remove(self) -> None:
        member = self.selected()
        removable = (
            member is not None and not member.is_you and member.state is not MemberState.REMOVED
        )
        self.remove_button.setVisible(self.can_remove)
        self.remove_button.setEnabled(self.can_remove and removable)

    def confirm_removal(self) -> QMessageBox | None:
        """Ask before removing the selected member; Yes emits ``remove_requested``."""
        member = self.selected()
        if member is None or not self.remove_button.isEnabled():
            return None
        if self.creator_known:
            text = _(
                "Remove {name} from {group}? Every member is told, {name} too, and nothing "
                "sent to the group from now on reaches {name}."
            )
        else:
            text = _(
                "Remove {name} from {group}? Its creator is not known, so only you stop "
                "sending to {name}; the other members are not told."
            )
        box = QMessageBox(
            QMessageBox.Icon.Question, _("Remove from group"),
            text.format(name=member.name, group=self.title),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self,
        )  # fmt: skip
        box.setObjectName("confirmRemoveMember")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        show_as_plain_text(box)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        key = member.key

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Yes:
                self.remove_requested.emit(key)

        box.finished.connect(answered)
        self.confirmation = box
        box.open()
        return box

    def retranslate_ui(self) -> None:
        # TRANSLATORS: the title of the dialog listing a group's members
        self.setWindowTitle(_("Members of {group}").format(group=self.title))
        creator = next((m for m in self.members if m.is_creator), None)
        if creator is None:
            self.creator_label.setText(
                _(
                    "The creator of this group is not known: removing a member only stops you "
                    "sending to them."
                )
            )
        elif creator.is_you:
            self.creator_label.setText(_("You created this group: only you can remove members."))
        else:
            self.creator_label.setText(
                _("Created by {name}: only they can change who is in it.").format(name=creator.name)
            )
        pending = any(m.state is MemberState.PENDING for m in self.members)
        self.pending_label.setText(
            _(
                "Pending members are waiting for their card: import it (Contacts) and they "
                "receive what you send from then on. Until then nothing is sent to them."
            )
            if pending
            else ""
        )
        self.pending_label.setVisible(pending)
        self.remove_button.setText(_("&Remove from group…"))
        self.remove_button.setAccessibleName(_("Remove from group"))
        self.list.setAccessibleName(_("Members"))
        self._fill()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)
