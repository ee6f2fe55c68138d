"""The main window: sections, a filterable document list, the reader, search and import."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from delegate_app.core.documents.models import DocumentSummary, ImportOptions
from delegate_app.i18n import _, ngettext
from delegate_app.ui.document_model import DocumentListModel
from delegate_app.ui.import_worker import ImportTask
from delegate_app.ui.language import LanguageManager
from delegate_app.ui.reader import ReaderWidget
from delegate_app.ui.retranslate import is_language_change
from delegate_app.ui.search_results import SearchResultsWidget
from delegate_app.ui.session import Session
from delegate_app.ui.settings_dialog import SettingsDialog
from delegate_app.ui.sidebar import Section, SidebarWidget
from delegate_app.ui.workers import run_task

IMPORT_FILTER_SUFFIXES = "*.md *.markdown *.html *.htm *.txt *.pdf"


class MainWindow(QMainWindow):
    lock_requested = Signal()
    import_finished = Signal(int, int)  # imported, failed
    document_opened = Signal(int)

    def __init__(self, session: Session, languages: LanguageManager) -> None:
        super().__init__()
        self.session = session
        self.languages = languages
        self.setAcceptDrops(True)
        self.setMinimumSize(960, 600)

        self.sidebar = SidebarWidget()
        self.search_edit = QLineEdit()
        self.search_edit.setClearButtonEnabled(True)
        self.event_filter = QComboBox()
        self.classification_filter = QComboBox()
        self.model = DocumentListModel()
        self.list_view = QListView()
        self.list_view.setModel(self.model)
        self.list_view.setSpacing(2)
        self.list_view.setAlternatingRowColors(True)
        self.list_view.setWordWrap(True)
        self.results = SearchResultsWidget()
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.list_view)
        self.list_stack.addWidget(self.results)
        self.reader = ReaderWidget()

        filters = QHBoxLayout()
        filters.addWidget(self.event_filter)
        filters.addWidget(self.classification_filter)
        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        middle_layout.addWidget(self.search_edit)
        middle_layout.addLayout(filters)
        middle_layout.addWidget(self.list_stack, 1)
        splitter = QSplitter()
        splitter.addWidget(self.sidebar)
        splitter.addWidget(middle)
        splitter.addWidget(self.reader)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 3)
        splitter.setSizes([180, 320, 640])
        self.setCentralWidget(splitter)

        self.status_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(200)
        self.progress.setVisible(False)
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.progress)

        self._build_actions()
        self._connect()
        self.retranslate_ui()
        self.sidebar.setCurrentRow(0)

    # -- construction ----------------------------------------------------------------------

    def _build_actions(self) -> None:
        self.import_action = QAction(self)
        self.import_action.setShortcut(QKeySequence.StandardKey.Open)
        self.lock_action = QAction(self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.quit_action = QAction(self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.search_action = QAction(self)
        self.search_action.setShortcut(QKeySequence.StandardKey.Find)
        self.settings_action = QAction(self)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.focus_actions = [QAction(self) for _ in range(3)]
        for number, action in enumerate(self.focus_actions, start=1):
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            self.addAction(action)
        self.about_action = QAction(self)
        self.file_menu = self.menuBar().addMenu("")
        self.file_menu.addAction(self.import_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.lock_action)
        self.file_menu.addAction(self.quit_action)
        self.edit_menu = self.menuBar().addMenu("")
        self.edit_menu.addAction(self.search_action)
        self.edit_menu.addAction(self.settings_action)
        self.view_menu = self.menuBar().addMenu("")
        self.language_menu = self.view_menu.addMenu("")
        self.language_actions: list[QAction] = []
        for code, name in self.languages.available_languages(self.session.policy):
            action = QAction(name, self)
            action.setCheckable(True)
            action.setData(code)
            action.triggered.connect(lambda _checked=False, c=code: self.switch_language(c))
            self.language_menu.addAction(action)
            self.language_actions.append(action)
        self.view_menu.addSeparator()
        for action in self.focus_actions:
            self.view_menu.addAction(action)
        self.help_menu = self.menuBar().addMenu("")
        self.help_menu.addAction(self.about_action)

    def _connect(self) -> None:
        self.import_action.triggered.connect(self.choose_files)
        self.lock_action.triggered.connect(self.lock_requested.emit)
        self.quit_action.triggered.connect(self.close)
        self.search_action.triggered.connect(self._focus_search)
        self.settings_action.triggered.connect(self.open_settings)
        self.about_action.triggered.connect(self.show_about)
        targets = (self.sidebar, self.list_stack, self.reader)
        for action, target in zip(self.focus_actions, targets, strict=True):
            action.triggered.connect(lambda _c=False, t=target: self._focus(t))
        self.sidebar.section_selected.connect(lambda _s: self.refresh())
        self.event_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.classification_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.search_edit.textChanged.connect(self.run_search)
        self.list_view.activated.connect(self._open_index)
        self.list_view.clicked.connect(self._open_index)
        self.results.document_chosen.connect(self.open_document)

    # -- texts -----------------------------------------------------------------------------

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Delegate"))
        self.file_menu.setTitle(_("&File"))
        self.edit_menu.setTitle(_("&Edit"))
        self.view_menu.setTitle(_("&View"))
        self.language_menu.setTitle(_("&Language"))
        self.help_menu.setTitle(_("&Help"))
        self.import_action.setText(_("&Import documents…"))
        self.lock_action.setText(_("&Lock"))
        self.quit_action.setText(_("&Quit"))
        self.search_action.setText(_("&Search"))
        self.settings_action.setText(_("&Preferences…"))
        self.about_action.setText(_("&About Delegate"))
        for action, text in zip(
            self.focus_actions,
            (_("Go to &sections"), _("Go to the document &list"), _("Go to the &reader")),
            strict=True,
        ):
            action.setText(text)
        self.search_edit.setPlaceholderText(_("Search titles, text, PDFs and tags"))
        self.search_edit.setAccessibleName(_("Search"))
        self.list_view.setAccessibleName(_("Documents"))
        self.event_filter.setAccessibleName(_("Filter by event"))
        self.classification_filter.setAccessibleName(_("Filter by classification"))
        for action in self.language_actions:
            action.setChecked(action.data() == self.languages.current)
        self._fill_filters()
        self.update_status()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    def _fill_filters(self) -> None:
        if not self.session.is_unlocked:
            return
        library = self.session.library
        for combo, first, values in (
            (self.event_filter, _("All events"), library.events()),
            (self.classification_filter, _("All classifications"), library.classifications()),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(first, None)
            for value in values:
                combo.addItem(value, value)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)

    def update_status(self, message: str | None = None) -> None:
        if message is not None:
            self.status_label.setText(message)
            return
        if not self.session.is_unlocked:
            self.status_label.clear()
            return
        count = self.session.library.count()
        self.status_label.setText(
            ngettext("{count} document in the vault", "{count} documents in the vault", count)
            .format(count=count)
        )  # fmt: skip

    # -- library ---------------------------------------------------------------------------

    def refresh(self) -> None:
        if not self.session.is_unlocked:
            self.model.set_source(None)
            return
        section: Section = self.sidebar.current_section()
        self.model.set_source(
            self.session.library,
            kind=section.kind,
            event=self.event_filter.currentData(),
            classification=self.classification_filter.currentData(),
        )
        if self.search_edit.text().strip():
            self.run_search(self.search_edit.text())
        self.update_status()

    def run_search(self, text: str) -> None:
        if not text.strip() or not self.session.is_unlocked:
            self.list_stack.setCurrentWidget(self.list_view)
            return
        hits = self.session.library.search(
            text,
            kind=self.sidebar.current_section().kind,
            event=self.event_filter.currentData(),
            classification=self.classification_filter.currentData(),
        )
        self.results.show_hits(hits)
        self.list_stack.setCurrentWidget(self.results)
        self.update_status(
            ngettext("{count} result", "{count} results", len(hits)).format(count=len(hits))
        )

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_document(self.model.summary(index.row()).id)

    def open_document(self, doc_id: int) -> None:
        self.save_reading_position()
        library = self.session.library
        document = library.get(doc_id)
        pdf = library.pdf_bytes(doc_id) if document.summary.has_pdf else None
        html = None if pdf is not None else library.render_html(doc_id)
        self.reader.show_document(document, html, pdf)
        if not document.summary.is_read:
            library.set_read(doc_id)
            self.model.mark_read(doc_id)
        self.document_opened.emit(doc_id)

    def save_reading_position(self) -> None:
        document = self.reader.document
        if document is not None and self.session.is_unlocked:
            self.session.library.set_reading_position(
                document.summary.id, self.reader.reading_position()
            )

    def select_first_document(self) -> DocumentSummary | None:
        if self.model.rowCount() == 0:
            return None
        summary = self.model.summary(0)
        self.list_view.setCurrentIndex(self.model.index(0))
        self.open_document(summary.id)
        return summary

    # -- import ----------------------------------------------------------------------------

    def choose_files(self) -> None:
        paths, _selected = QFileDialog.getOpenFileNames(
            self, _("Import documents"), "",
            _("Documents ({patterns})").format(patterns=IMPORT_FILTER_SUFFIXES),
        )  # fmt: skip
        if paths:
            self.import_files([Path(p) for p in paths])

    def import_files(self, paths: list[Path]) -> ImportTask:
        kind = self.sidebar.current_section().kind
        options = ImportOptions(kind=kind) if kind is not None else ImportOptions()
        task = ImportTask(self.session, paths, options)
        task.signals.progress.connect(self._import_progress)
        task.signals.succeeded.connect(self._import_done)
        task.signals.failed.connect(self._import_failed)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.update_status(_("Importing…"))
        run_task(task)
        return task

    def _import_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _import_done(self, result: object) -> None:
        imported, errors = result if isinstance(result, tuple) else ([], [])
        self.progress.setVisible(False)
        self._fill_filters()
        self.refresh()
        message = ngettext(
            "Imported {count} document.", "Imported {count} documents.", len(imported)
        ).format(count=len(imported))
        self.update_status(message)
        if errors:
            QMessageBox.warning(self, _("Some files were not imported"), "\n".join(errors))
        self.import_finished.emit(len(imported), len(errors))

    def _import_failed(self, message: str) -> None:
        self.progress.setVisible(False)
        self.update_status(message)
        self.import_finished.emit(0, 1)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_files(paths)

    # -- other actions ---------------------------------------------------------------------

    def _focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def _focus(self, widget: QWidget) -> None:
        target = widget.currentWidget() if isinstance(widget, QStackedWidget) else widget
        (target or widget).setFocus(Qt.FocusReason.ShortcutFocusReason)

    def switch_language(self, code: str) -> None:
        self.languages.switch(code)
        self.session.save_preferences(self.session.preferences().with_language(code))

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.session, self.languages, self)
        dialog.open()
        return dialog

    def show_about(self) -> None:
        from delegate_app import __version__

        QMessageBox.about(
            self,
            _("About Delegate"),
            _("Delegate {version}\nEnd-to-end encrypted briefings and messages for missions.")
            .format(version=__version__),
        )  # fmt: skip

    def clear_for_lock(self) -> None:
        self.save_reading_position()
        self.reader.clear()
        self.results.clear()
        self.search_edit.clear()
        self.model.set_source(None)
