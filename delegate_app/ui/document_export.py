"""File → Export document…: the open document to a file the user chooses, if policy allows.

The save dialog offers a name made from the title; the write runs as a task on the app's
thread pool over its own vault connection (a PDF may be large and the chosen folder may be a
network share or a slow USB stick). When the organisation's policy forbids export the action
stays disabled and says "Set by your organisation"; the core refuses as well, so no other
path around the menu exports either. A document marked at or above the policy's
``export_warning_level`` is exported only after a confirmation naming its marking.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox, QWidget

from delegate_app.core.documents.library import export_allowed
from delegate_app.i18n import _
from delegate_app.ui import file_dialogs
from delegate_app.ui.bidi import isolate
from delegate_app.ui.pages import PageContext
from delegate_app.ui.plain_text import show_as_plain_text
from delegate_app.ui.workers import Task, TaskControl

EXPORT_SHORTCUT = "Ctrl+E"


class ExportWorker(Task):
    """Writes one document to ``path`` on a worker thread; the result is ``path``."""

    def __init__(self, context: PageContext, doc_id: int, path: Path) -> None:
        self.session = context.session
        self.doc_id = doc_id
        self.path = path
        super().__init__(self._export)

    def _export(self, control: TaskControl) -> Path:
        control.check_cancelled()
        library, connection = self.session.open_worker_library()
        try:
            # The save dialog already asked before replacing an existing file.
            library.export(self.doc_id, self.path, overwrite=True)
        finally:
            connection.close()
        return self.path


class DocumentExporter(QObject):
    """Owns the Export document… action for the page showing a document."""

    status_message = Signal(str)
    export_finished = Signal(str)  # the file written
    export_failed = Signal(str)  # the message shown

    def __init__(self, context: PageContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.context = context
        self.parent_widget = parent
        self.doc_id: int | None = None
        self._directory: Path | None = None  # where the last export went, this session only
        self.action = QAction(parent)
        self.action.setShortcut(QKeySequence(EXPORT_SHORTCUT))
        self.action.triggered.connect(self.export_current)
        self.set_document(None)
        self.retranslate_ui()

    @property
    def allowed(self) -> bool:
        return export_allowed(self.context.session.policy)

    def set_document(self, doc_id: int | None) -> None:
        """The document now open (None: none); enables the action when policy allows."""
        self.doc_id = doc_id
        self.action.setEnabled(doc_id is not None and self.allowed)

    def retranslate_ui(self) -> None:
        self.action.setText(_("&Export document…"))
        tip = "" if self.allowed else _("Set by your organisation")
        self.action.setToolTip(tip)  # empty: Qt shows the action's text
        self.action.setStatusTip(tip)

    def export_current(self) -> ExportWorker | None:
        """Ask where to save the open document, then write it there on a worker thread. For
        a document at or above the export warning level, ask first (and return None: the
        export goes on once the user confirms)."""
        session = self.context.session
        if self.doc_id is None or not session.is_unlocked or not self.allowed:
            return None
        level = session.library.export_warning(self.doc_id)
        if level is not None:
            self._warn(self.doc_id, level)
            return None
        return self._choose_and_export(self.doc_id)

    def _warn(self, doc_id: int, level: str) -> QMessageBox:
        summary = self.context.session.library.summary(doc_id)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            _("Export a classified document?"),
            _("“{title}” is marked {marking}.").format(
                title=isolate(summary.title), marking=isolate(summary.classification)
            ),
            QMessageBox.StandardButton.NoButton,
            self.parent_widget,
        )
        box.setObjectName("exportWarning")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setInformativeText(
            _(
                "Your organisation asks you to confirm before exporting documents marked"
                " {level} or higher. The exported file is not protected by the vault."
            ).format(level=isolate(level))
        )
        export = box.addButton(_("&Export anyway"), QMessageBox.ButtonRole.AcceptRole)
        export.setObjectName("confirmExport")
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        show_as_plain_text(box)  # the title is the document's own text

        def clicked(button: object) -> None:
            if button is export and self.doc_id == doc_id and self.context.session.is_unlocked:
                self._choose_and_export(doc_id)

        box.buttonClicked.connect(clicked)
        box.open()
        return box

    def _choose_and_export(self, doc_id: int) -> ExportWorker | None:
        session = self.context.session
        name = session.library.suggested_export_name(doc_id)
        chosen = file_dialogs.save_file(
            self.parent_widget,
            _("Export document"),
            str(self._start_directory() / name),
            _("Documents ({patterns})").format(patterns="*" + Path(name).suffix),
        )
        if not chosen:
            return None
        path = Path(chosen)
        self._directory = path.parent
        worker = ExportWorker(self.context, doc_id, path)
        worker.signals.succeeded.connect(self._exported)
        worker.signals.failed.connect(self._failed)
        self.status_message.emit(_("Exporting to {path}…").format(path=path))
        self.context.tasks.start(worker)
        return worker

    def _start_directory(self) -> Path:
        if self._directory is not None:
            return self._directory
        documents = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        )
        return Path(documents) if documents else Path.home()

    def _exported(self, result: object) -> None:
        if not isinstance(result, Path) or not self.context.session.is_unlocked:
            return
        self.status_message.emit(_("Exported to {path}.").format(path=result))
        self.export_finished.emit(str(result))

    def _failed(self, error: object) -> None:
        if not self.context.session.is_unlocked:
            return
        message = str(error)
        self.status_message.emit(_("The export failed: {reason}").format(reason=message))
        box = QMessageBox(
            QMessageBox.Icon.Warning, _("The document was not exported"), message,
            QMessageBox.StandardButton.Close, self.parent_widget,
        )  # fmt: skip
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setObjectName("exportError")
        show_as_plain_text(box)  # the path and the reason
        box.open()
        self.export_failed.emit(message)
