"""Share a document with contacts and/or a group (Library → Share…)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from delegate_app.core.errors import DelegateError
from delegate_app.core.formatting import format_list
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.messaging.models import ConversationKind
from delegate_app.i18n import _
from delegate_app.ui.retranslate import is_language_change


class ShareDialog(QDialog):
    def __init__(
        self,
        title: str,
        contact_names: Sequence[str],
        group_names: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("shareDialog")
        self.document_title = title
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.intro.setTextFormat(Qt.TextFormat.PlainText)  # the document's title
        self.contacts = QListWidget()
        for name in contact_names:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.contacts.addItem(item)
        self.group_combo = QComboBox()
        self.group_combo.addItem("", None)
        for name in group_names:
            self.group_combo.addItem(name, name)
        self.form = QFormLayout()
        self.form.addRow(QLabel(), self.contacts)
        self.form.addRow(QLabel(), self.group_combo)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.contacts.itemChanged.connect(self._update_ok)
        self.group_combo.currentIndexChanged.connect(self._update_ok)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)
        self.retranslate_ui()

    def set_checked(self, names: Sequence[str]) -> None:
        for row in range(self.contacts.count()):
            item = self.contacts.item(row)
            checked = item.text() in names
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def chosen(self) -> tuple[list[str], str | None]:
        """(contact names, group name or None)."""
        names = [
            self.contacts.item(row).text()
            for row in range(self.contacts.count())
            if self.contacts.item(row).checkState() == Qt.CheckState.Checked
        ]
        group = self.group_combo.currentData()
        return names, group if isinstance(group, str) else None

    def _update_ok(self) -> None:
        names, group = self.chosen()
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if button is not None:
            button.setEnabled(bool(names) or group is not None)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Share document"))
        self.intro.setText(
            _("Send “{title}” end to end encrypted. Comments on it go to everyone it is shared "
              "with.").format(title=self.document_title)
        )  # fmt: skip
        self.group_combo.setItemText(0, _("No group"))
        for widget, text in ((self.contacts, _("&Contacts:")), (self.group_combo, _("&Group:"))):
            label = self.form.labelForField(widget)
            if isinstance(label, QLabel):
                label.setText(text)
                label.setBuddy(widget)
            widget.setAccessibleName(text.replace("&", "").rstrip(":"))
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if button is not None:
            button.setText(_("&Share"))
        self._update_ok()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)


def open_share_dialog(
    parent: QWidget,
    room: Mailroom,
    doc_id: int,
    title: str,
    on_done: Callable[[str], None],
) -> ShareDialog:
    """Ask whom to share with, then share through the core; ``on_done(status text)``."""
    contacts = [contact.name for contact in room.contacts.contacts() if not contact.key_changed]
    groups = [c.title for c in room.messenger.conversations()
              if c.kind is ConversationKind.GROUP and c.title]  # fmt: skip
    dialog = ShareDialog(title, contacts, groups, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def share() -> None:
        names, group = dialog.chosen()
        try:
            result = room.sharing.share(doc_id, names, group=group)
        except DelegateError as exc:
            on_done(str(exc))
            return
        on_done(
            _("Shared “{title}” with {names}.").format(
                title=title, names=format_list(list(result.recipients))
            )
        )

    dialog.accepted.connect(share)
    dialog.open()
    return dialog
