"""Document details…: change a document's title, kind, classification, event, tags, language.

Saved in the vault through the library (the search index follows at once); a refused value
(an empty title, an over-long tag) is shown in the dialog and nothing is changed.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from delegate_app.core.documents import DocumentError
from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import DocumentSummary
from delegate_app.i18n import _
from delegate_app.ui.document_form import DocumentForm
from delegate_app.ui.retranslate import is_language_change


class DocumentDetailsDialog(QDialog):
    saved = Signal(object)  # the DocumentSummary as saved

    def __init__(self, library: Library, summary: DocumentSummary, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("documentDetails")
        self.library = library
        self.doc_id = summary.id
        self.form = DocumentForm(
            markings=library.classifications(), events=library.events(), with_title=True
        )
        self.form.set_title(summary.title)
        self.form.set_kind(summary.kind)
        self.form.set_classification(summary.classification, must_choose=False)
        self.form.set_event_name(summary.event)
        self.form.set_tags(summary.tags)
        self.form.set_language(summary.language)
        self.error_label = QLabel()
        self.error_label.setObjectName("detailsError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setStyleSheet("color: #c50f1f;")
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.form.changed.connect(self._update_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Document details"))
        self.save_button.setText(_("&Save"))
        self.form.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    def _update_button(self) -> None:
        self.save_button.setEnabled(bool(self.form.title()))

    def save(self) -> None:
        try:
            summary = self.library.edit_details(
                self.doc_id,
                title=self.form.title(),
                kind=self.form.kind(),
                classification=self.form.classification(),
                event=self.form.event_name(),
                tags=self.form.tags(),
                language=self.form.language(),
            )
        except DocumentError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        self.saved.emit(summary)
        self.accept()
