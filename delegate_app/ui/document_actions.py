"""Document details… and Delete document…, for the library page (menu, context menu, keys).

They act on the document the user points at: the row under the context menu, the list's
current row while the list has the focus (F2 / Delete), otherwise the document open in the
reader. Deleting asks first, saying whether the document is shared, how many others hold it,
who sent it to us, and that their copies stay (docs/GUI.md).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox, QWidget

from delegate_app.core.documents import DocumentError
from delegate_app.core.documents.models import DocumentSummary
from delegate_app.core.documents.removal import describe_sharing
from delegate_app.i18n import _
from delegate_app.ui.bidi import isolate
from delegate_app.ui.document_details_dialog import DocumentDetailsDialog
from delegate_app.ui.pages import PageContext
from delegate_app.ui.plain_text import show_as_plain_text

DETAILS_SHORTCUT = "F2"


class DocumentActions(QObject):
    details_saved = Signal(object)  # DocumentSummary
    deleted = Signal(int)  # doc id
    status_message = Signal(str)

    def __init__(
        self, context: PageContext, target: Callable[[], int | None], parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.parent_widget = parent
        self.target = target  # the document the actions act on now
        self.details_action = QAction(parent)
        self.details_action.setShortcut(QKeySequence(DETAILS_SHORTCUT))
        self.details_action.triggered.connect(lambda: self.edit_details())
        self.delete_action = QAction(parent)
        self.delete_action.triggered.connect(lambda: self.confirm_delete())
        # The Delete key only where a document list has the focus: elsewhere it edits text.
        self.delete_key = QAction(parent)
        self.delete_key.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.delete_key.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.delete_key.triggered.connect(lambda: self.confirm_delete())
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.details_action.setText(_("Document &details…"))
        self.delete_action.setText(_("&Delete document…"))
        self.delete_key.setText(_("&Delete document…"))

    def set_enabled(self, enabled: bool) -> None:
        for action in (self.details_action, self.delete_action):
            action.setEnabled(enabled)

    def _summary(self, doc_id: int | None) -> DocumentSummary | None:
        session = self.context.session
        if doc_id is None or not session.is_unlocked:
            return None
        return session.library.summary(doc_id)

    def edit_details(self, doc_id: int | None = None) -> DocumentDetailsDialog | None:
        summary = self._summary(doc_id if doc_id is not None else self.target())
        if summary is None:
            return None
        dialog = DocumentDetailsDialog(self.context.session.library, summary, self.parent_widget)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._saved)
        dialog.open()
        return dialog

    def _saved(self, summary: object) -> None:
        if isinstance(summary, DocumentSummary):
            self.details_saved.emit(summary)
            self.status_message.emit(
                _("Saved the details of “{title}”.").format(title=isolate(summary.title))
            )

    def confirm_delete(self, doc_id: int | None = None) -> QMessageBox | None:
        summary = self._summary(doc_id if doc_id is not None else self.target())
        if summary is None:
            return None
        state = self.context.session.library.sharing_state(summary.id)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            _("Delete document"),
            _("Delete “{title}” from this vault?").format(title=isolate(summary.title)),
            QMessageBox.StandardButton.NoButton,
            self.parent_widget,
        )
        box.setObjectName("deleteConfirmation")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setInformativeText(
            describe_sharing(state)
            + "\n\n"
            + _("Its comments, reading position and PDF are deleted with it.")
        )
        delete = box.addButton(_("&Delete"), QMessageBox.ButtonRole.DestructiveRole)
        delete.setObjectName("confirmDelete")
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        show_as_plain_text(box)  # the title is the document's own text
        doc_id_chosen, title = summary.id, summary.title

        def clicked(button: object) -> None:
            if button is delete:
                self.delete(doc_id_chosen, title)

        box.buttonClicked.connect(clicked)
        box.open()
        return box

    def delete(self, doc_id: int, title: str) -> None:
        session = self.context.session
        if not session.is_unlocked:
            return
        try:
            session.library.delete(doc_id)
        except DocumentError as exc:  # gone meanwhile (a lock, another window): say so
            self.status_message.emit(str(exc))
            return
        self.deleted.emit(doc_id)  # the page refreshes (and shows its count) first
        self.status_message.emit(_("Deleted “{title}”.").format(title=isolate(title)))
