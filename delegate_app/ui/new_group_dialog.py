"""Create a group conversation (a delegation) from contacts: a name and members to tick."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from delegate_app.i18n import _
from delegate_app.ui.retranslate import is_language_change


class NewGroupDialog(QDialog):
    def __init__(self, contact_names: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newGroupDialog")
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(200)
        self.members = QListWidget()
        for name in contact_names:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.members.addItem(item)
        self.form = QFormLayout()
        self.form.addRow(QLabel(), self.name_edit)
        self.form.addRow(QLabel(), self.members)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)
        self.name_edit.textChanged.connect(self._update_ok)
        self.members.itemChanged.connect(self._update_ok)
        self.retranslate_ui()

    def set_checked(self, names: Sequence[str]) -> None:
        for row in range(self.members.count()):
            item = self.members.item(row)
            checked = item.text() in names
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def chosen(self) -> tuple[str, list[str]]:
        """(group name, member names)."""
        names = [
            self.members.item(row).text()
            for row in range(self.members.count())
            if self.members.item(row).checkState() == Qt.CheckState.Checked
        ]
        return self.name_edit.text().strip(), names

    def _update_ok(self) -> None:
        title, names = self.chosen()
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if button is not None:
            button.setEnabled(bool(title and names))

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("New group"))
        for widget, text in ((self.name_edit, _("Group &name:")), (self.members, _("&Members:"))):
            label = self.form.labelForField(widget)
            if isinstance(label, QLabel):
                label.setText(text)
                label.setBuddy(widget)
            widget.setAccessibleName(text.replace("&", "").rstrip(":"))
        self._update_ok()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)
