"""The sharing and comments panel under the reader, folded to one line unless there is
something to see: the document is shared (by us or with us) or has comments, a conflict, an
ignored change of audience or a missing attachment. The user can unfold it at any time (to
quote a passage, or to comment on an unshared document) and fold it again; that choice lasts
until another document is opened, and activity arriving by sync unfolds it unless the user
folded it for this document."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QSplitter, QToolButton, QVBoxLayout, QWidget

from delegate_app.core.sharing.attachment_status import AttachmentState
from delegate_app.i18n import _
from delegate_app.ui.document_sharing import DocumentSharingWidget
from delegate_app.ui.retranslate import is_language_change

EXPANDED_HEIGHT = 240


def has_activity(panel: DocumentSharingWidget) -> bool:
    """Whether the open document is shared or has anything to discuss or decide."""
    attachment = panel.attachment
    return bool(
        panel.provenance is not None
        or panel.comments
        or panel.conflict is not None
        or panel.notices
        or panel.holder_names
        or (attachment is not None and attachment.state is not AttachmentState.RECEIVED)
    )


class CommentPanel(QWidget):
    expanded_changed = Signal(bool)

    def __init__(self, panel: DocumentSharingWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("commentPanel")
        self.panel = panel
        self.expanded = False
        self._doc_id: int | None = None
        self._user_choice: bool | None = None  # for the open document
        self._expanded_height = EXPANDED_HEIGHT
        self.toggle = QToolButton()
        self.toggle.setObjectName("commentPanelToggle")
        self.toggle.setCheckable(True)
        self.toggle.setAutoRaise(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeading)
        layout.addWidget(panel, 1)
        self.toggle.clicked.connect(self._toggled_by_user)
        panel.reloaded.connect(self._panel_reloaded)
        self._panel_reloaded()

    def _panel_reloaded(self) -> None:
        doc_id = self.panel.doc_id
        if doc_id != self._doc_id:
            self._doc_id = doc_id
            self._user_choice = None
        self.setVisible(doc_id is not None)
        wanted = self._user_choice if self._user_choice is not None else has_activity(self.panel)
        self.set_expanded(wanted)
        self._update_text()

    def _toggled_by_user(self, checked: bool) -> None:
        self._user_choice = checked
        self.set_expanded(checked)
        if checked:
            self.panel.comment_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def set_expanded(self, expanded: bool) -> None:
        splitter = self.parentWidget()
        if not expanded and self.expanded and self.height() > self._collapsed_height():
            self._expanded_height = self.height()  # unfold to the height the user left
        changed = expanded != self.expanded
        self.expanded = expanded
        self.toggle.setChecked(expanded)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.UpArrow)
        self.panel.setVisible(expanded and self.panel.doc_id is not None)
        self.setMaximumHeight(16_777_215 if expanded else self._collapsed_height())
        if isinstance(splitter, QSplitter) and splitter.count() == 2:
            total = sum(splitter.sizes())
            if total > 0:  # the reader above takes what the panel does not
                mine = min(self._expanded_height, total * 2 // 3) if expanded else 0
                splitter.setSizes([total - mine, mine])
        self._update_text()
        if changed:
            self.expanded_changed.emit(expanded)

    def _collapsed_height(self) -> int:
        return self.toggle.sizeHint().height() + 4

    def _update_text(self) -> None:
        count = len(self.panel.comments)
        if count:
            text = _("Sharing and comments ({count})").format(count=count)
        else:
            text = _("Sharing and comments")
        self.toggle.setText(text)
        self.toggle.setAccessibleName(text)
        self.toggle.setToolTip(
            _("Hide sharing and comments") if self.expanded else _("Show sharing and comments")
        )

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self._update_text()
        super().changeEvent(event)
