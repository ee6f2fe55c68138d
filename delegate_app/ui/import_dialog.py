"""Import documents…: the details every file of the batch gets, asked before importing.

Opened after the file picker and for files dropped on the library. Kind (the current section's
first), classification (the policy's ``default_classification`` first; with
``require_classification`` none is preselected and **Import** stays disabled until one is
picked), event, tags and language. The import itself then runs on the worker thread (ADR 0019)
with its progress in the status bar; files refused are listed at the end, each file is stored
whole or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import DocumentKind, ImportOptions
from delegate_app.i18n import _, ngettext
from delegate_app.ui.bidi import isolate
from delegate_app.ui.document_form import DocumentForm
from delegate_app.ui.retranslate import is_language_change

NAMES_SHOWN = 3


class ImportDialog(QDialog):
    def __init__(
        self, library: Library, paths: Sequence[Path], kind: DocumentKind, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.paths = list(paths)
        self.required = library.classification_required
        self.files_label = QLabel()
        self.files_label.setObjectName("importFiles")
        self.files_label.setWordWrap(True)
        self.files_label.setTextFormat(Qt.TextFormat.PlainText)
        self.form = DocumentForm(
            markings=library.classifications(), events=library.events(), with_title=False
        )
        self.form.set_kind(kind)
        self.form.set_classification(
            None if self.required else library.default_classification, must_choose=self.required
        )
        self.required_label = QLabel()  # why Import is disabled
        self.required_label.setObjectName("classificationRequired")
        self.required_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.import_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.form.changed.connect(self._update_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.files_label)
        layout.addWidget(self.form)
        layout.addWidget(self.required_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)
        self.retranslate_ui()
        self._update_button()

    def retranslate_ui(self) -> None:
        count = len(self.paths)
        self.setWindowTitle(
            ngettext("Import {count} document", "Import {count} documents", count).format(
                count=count
            )
        )
        # One name a line: a list of names in several scripts stays readable in either
        # direction, and no name is broken across lines by its neighbours.
        lines = [isolate(path.name) for path in self.paths[:NAMES_SHOWN]]
        if count > NAMES_SHOWN:
            more = count - NAMES_SHOWN
            lines.append(
                ngettext("and {count} more file", "and {count} more files", more).format(count=more)
            )
        if count > 1:
            lines.append(_("These details apply to every file."))
        self.files_label.setText("\n".join(lines))
        self.required_label.setText(
            _("Your organisation requires a classification for every document.")
        )
        self.import_button.setText(_("&Import"))
        self.form.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    def _update_button(self) -> None:
        missing = self.required and self.form.classification() is None
        self.import_button.setEnabled(not missing)
        self.required_label.setVisible(missing)

    def options(self) -> ImportOptions:
        """What every file of the batch is imported with."""
        return ImportOptions(
            kind=self.form.kind(),
            event=self.form.event_name() or None,
            classification=self.form.classification(),
            tags=self.form.tags(),
            language=self.form.language() or None,
        )
