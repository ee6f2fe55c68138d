"""The library page: briefings, position papers and notes — filter, search, read, import,
edit details, delete, share and export."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from delegate_app.core.documents.models import DocumentKind, DocumentSummary, ImportOptions
from delegate_app.i18n import N_, _, ngettext
from delegate_app.ui import file_dialogs
from delegate_app.ui.bidi import isolate
from delegate_app.ui.comment_panel import CommentPanel
from delegate_app.ui.document_actions import DocumentActions
from delegate_app.ui.document_delegate import DocumentItemDelegate
from delegate_app.ui.document_export import DocumentExporter
from delegate_app.ui.document_model import DocumentListModel
from delegate_app.ui.document_sharing import DocumentSharingWidget
from delegate_app.ui.file_drop import FileDropFilter
from delegate_app.ui.icons import palette_icon
from delegate_app.ui.pages import PageContext, PageWidget, Section
from delegate_app.ui.plain_text import show_as_plain_text
from delegate_app.ui.reader import ReaderWidget
from delegate_app.ui.search_results import SECTION_NAMES, NoResultsWidget, SearchResultsWidget
from delegate_app.ui.style import use_soft_selection

if TYPE_CHECKING:
    from delegate_app.ui.import_dialog import ImportDialog
    from delegate_app.ui.import_worker import ImportWorker
    from delegate_app.ui.share_dialog import ShareDialog
    from sync.client.engine import SyncReport

IMPORT_PATTERNS = "*.md *.markdown *.html *.htm *.txt *.pdf"
SEARCH_DELAY_MS = 200
BROWSE_DELAY_MS = 150
LIST_WIDTH = 360  # the list pane until the user drags the divider
SAVE_WIDTH_DELAY_MS = 500  # after the last move of the divider

SECTION_KINDS = {
    "briefings": DocumentKind.BRIEFING,
    "position-papers": DocumentKind.POSITION_PAPER,
    "notes": DocumentKind.NOTE,
}
LIBRARY_SECTIONS = (
    Section("briefings", N_("Briefings"), "file-text"),
    Section("position-papers", N_("Position papers"), "file-certificate"),
    Section("notes", N_("Notes"), "notes"),
)


class LibraryPageWidget(PageWidget):
    import_started = Signal()
    import_progress = Signal(int, int)  # bytes done, bytes in all
    import_finished = Signal(int, int)  # imported, refused
    document_opened = Signal(int)
    search_finished = Signal(int)  # number of hits shown

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.kind: DocumentKind = DocumentKind.BRIEFING
        self._count: int | None = None  # documents in the vault, for the status bar
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("searchEdit")
        self.search_edit.setClearButtonEnabled(True)
        self.event_filter = QComboBox()
        self.event_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.event_filter.setMinimumContentsLength(8)
        self.classification_filter = QComboBox()
        self.classification_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.search_scope = QComboBox()  # where a search looks: every section, or this one
        self.search_scope.setObjectName("searchScope")
        self.search_scope.addItem("", True)
        self.search_scope.addItem("", False)
        self.model = DocumentListModel()
        self.list_view = QListView()
        self.list_view.setObjectName("documentList")
        self.list_view.setModel(self.model)
        self.list_view.setItemDelegate(DocumentItemDelegate(self.list_view))
        self.list_view.setUniformItemSizes(True)
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        use_soft_selection(self.list_view)
        self.results = SearchResultsWidget()
        self.no_results = NoResultsWidget()
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.list_view)
        self.list_stack.addWidget(self.results)
        self.list_stack.addWidget(self.no_results)
        self.reader = ReaderWidget()
        self.reader.setObjectName("reader")
        self.sharing_panel = DocumentSharingWidget(
            lambda: self.session.mailroom,
            self.reader.selected_text,
        )
        self.comment_panel = CommentPanel(self.sharing_panel)
        self.share_action = QAction(self)
        self.share_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.share_action.setEnabled(False)
        self.share_action.triggered.connect(self.share_current)
        self.exporter = DocumentExporter(context, self)
        self.export_action = self.exporter.action
        self.document_actions = DocumentActions(context, self._target_document, self)
        self.details_action = self.document_actions.details_action
        self.delete_action = self.document_actions.delete_action
        self.document_actions.set_enabled(False)
        for documents in (self.list_view, self.results):  # F2, Delete and a context menu
            documents.addAction(self.document_actions.delete_key)
            documents.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        text_colour = self.palette().color(QPalette.ColorRole.WindowText)
        self.share_action.setIcon(palette_icon("share", text_colour))
        self.export_action.setIcon(palette_icon("file-export", text_colour))
        self.details_action.setIcon(palette_icon("file-info", text_colour))
        self.delete_action.setIcon(palette_icon("trash", text_colour))
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        # Arrow keys in the list open what they land on once the user pauses on it, so holding
        # a key down does not render every document passed over.
        self.browse_timer = QTimer(self)
        self.browse_timer.setSingleShot(True)
        self.browse_timer.setInterval(BROWSE_DELAY_MS)
        self.width_timer = QTimer(self)
        self.width_timer.setSingleShot(True)
        self.width_timer.setInterval(SAVE_WIDTH_DELAY_MS)
        self.drops = FileDropFilter(self)
        self._layout()
        self._connect()
        self.retranslate_ui()

    def _layout(self) -> None:
        filters = QHBoxLayout()
        filters.setSpacing(6)
        filters.addWidget(self.search_scope, 2)
        filters.addWidget(self.event_filter, 3)
        filters.addWidget(self.classification_filter, 2)
        column = QWidget()
        column.setObjectName("libraryColumn")
        column_layout = QVBoxLayout(column)
        column_layout.setContentsMargins(0, 10, 0, 0)
        column_layout.setSpacing(8)
        controls = QVBoxLayout()
        controls.setContentsMargins(10, 0, 10, 0)
        controls.setSpacing(6)
        controls.addWidget(self.search_edit)
        controls.addLayout(filters)
        column_layout.addLayout(controls)
        column_layout.addWidget(self.list_stack, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(column)
        reader_area = QSplitter(Qt.Orientation.Vertical)
        reader_area.setChildrenCollapsible(False)
        reader_area.addWidget(self.reader)
        reader_area.addWidget(self.comment_panel)
        reader_area.setStretchFactor(0, 3)
        reader_area.setStretchFactor(1, 1)
        reader_area.setSizes([560, 240])
        self.comment_panel.set_expanded(self.comment_panel.expanded)  # sizes for its state
        self.splitter.addWidget(reader_area)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        width = self.session.preferences().library_list_width or LIST_WIDTH
        self.splitter.setSizes([width, 720])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        for widget in (self.search_edit, self.search_scope, self.event_filter,
                       self.classification_filter, self.list_view, self.results,
                       self.reader.text_view):  # fmt: skip
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        QWidget.setTabOrder(self.search_edit, self.search_scope)
        QWidget.setTabOrder(self.search_scope, self.event_filter)
        QWidget.setTabOrder(self.event_filter, self.classification_filter)
        QWidget.setTabOrder(self.classification_filter, self.list_view)
        QWidget.setTabOrder(self.list_view, self.results)
        QWidget.setTabOrder(self.results, self.reader.text_view)

    def _connect(self) -> None:
        self.event_filter.currentIndexChanged.connect(self._filters_changed)
        self.classification_filter.currentIndexChanged.connect(self._filters_changed)
        self.search_scope.currentIndexChanged.connect(self._scope_changed)
        self.no_results.widen_requested.connect(self.widen_search)
        self.search_edit.textChanged.connect(lambda _text: self.search_timer.start())
        self.search_edit.returnPressed.connect(self._search_now_and_focus_results)
        self.search_timer.timeout.connect(self.run_search)
        self.list_view.activated.connect(self._open_index)
        self.list_view.clicked.connect(self._open_index)
        self.list_view.selectionModel().currentChanged.connect(self._browsed)
        self.browse_timer.timeout.connect(lambda: self._open_index(self.list_view.currentIndex()))
        self.results.document_chosen.connect(self.open_document)
        self.reader.link_activated.connect(self._link_refused)
        self.drops.files_dropped.connect(self.ask_import)
        self.list_view.customContextMenuRequested.connect(self._list_menu)
        self.results.customContextMenuRequested.connect(self._results_menu)
        self.document_actions.status_message.connect(self.status_message.emit)
        self.document_actions.details_saved.connect(self._details_saved)
        self.document_actions.deleted.connect(self._deleted)
        for widget in (self, self.list_view.viewport(), self.results.viewport(),
                       self.reader.text_view.viewport(), self.reader.placeholder):  # fmt: skip
            self.drops.watch(widget)
        self.reader.pdf_view_created.connect(self._pdf_view_created)
        self.sharing_panel.sync_requested.connect(self.sync_requested.emit)
        self.sharing_panel.document_changed.connect(self.reload_document)
        self.exporter.status_message.connect(self.status_message.emit)
        self.splitter.splitterMoved.connect(lambda _pos, _index: self.width_timer.start())
        self.width_timer.timeout.connect(self.save_list_width)

    def _pdf_view_created(self, view: QWidget) -> None:
        if isinstance(view, QAbstractScrollArea):
            self.drops.watch(view.viewport())
        view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        QWidget.setTabOrder(self.reader.text_view, view)

    # -- page hooks ---------------------------------------------------------------------------

    def sections(self) -> Sequence[Section]:
        return LIBRARY_SECTIONS

    def show_section(self, key: str) -> None:
        self.kind = SECTION_KINDS[key]
        self.refresh()

    def vault_unlocked(self) -> None:
        self._fill_filters()  # the main window then shows the current section
        if self.session.library.stems_pending():
            self.index_stems()

    def index_stems(self) -> None:
        """After an upgrade: index the other forms of every document's words in the background
        (search finds exact words meanwhile), with progress in the status bar."""
        from delegate_app.ui.stems_worker import StemsWorker

        worker = StemsWorker(self.session)
        worker.signals.progress.connect(self.import_progress.emit)
        worker.signals.finished.connect(self._stems_indexed)
        self.import_started.emit()
        self.status_message.emit(
            _("Updating the search index so that it finds other forms of words…")
        )
        self.context.tasks.start(worker)

    def _stems_indexed(self) -> None:
        if self.session.is_unlocked and not self.session.library.stems_pending():
            self.status_message.emit(_("Search now finds other forms of words in every document."))
        self.import_finished.emit(0, 0)

    def save_list_width(self) -> None:
        """Remember the list pane's width (a preference, readable before unlock)."""
        self.width_timer.stop()
        width = self.splitter.sizes()[0]
        preferences = self.session.preferences()
        if width > 0 and width != preferences.library_list_width:
            self.session.save_preferences(preferences.with_library_list_width(width))

    def vault_locking(self) -> None:
        if self.width_timer.isActive():
            self.save_list_width()
        self.search_timer.stop()
        self.save_reading_position()
        self.reader.clear()
        self.sharing_panel.show_document(None)
        self.share_action.setEnabled(False)
        self.exporter.set_document(None)
        self.document_actions.set_enabled(False)
        self.results.clear()
        self.search_edit.clear()
        self.search_timer.stop()  # clearing the text restarted it
        self.model.set_source(None)
        for combo in (self.event_filter, self.classification_filter):
            combo.blockSignals(True)
            combo.clear()
            combo.blockSignals(False)
        self._fill_filters()

    def sync_reported(self, report: SyncReport) -> None:
        if report.received:
            self._fill_filters()
            self.refresh()
            self.sharing_panel.reload()

    def focus_chain(self) -> list[QWidget]:
        return [self.list_stack.currentWidget() or self.list_view,
                self.reader.stack.currentWidget() or self.reader]  # fmt: skip

    def status_text(self) -> str:
        if not self.session.is_unlocked:
            return ""
        if self._count is None:
            self._count = self.session.library.count()
        count = self._count
        return ngettext(
            "{count} document in the vault", "{count} documents in the vault", count
        ).format(count=count)

    def retranslate_ui(self) -> None:
        self.search_edit.setPlaceholderText(_("Search titles, text, PDFs and tags"))
        self.search_edit.setAccessibleName(_("Search documents"))
        self.list_view.setAccessibleName(_("Documents"))
        self.event_filter.setAccessibleName(_("Filter by event"))
        self.event_filter.setToolTip(_("Filter by event"))
        self.classification_filter.setAccessibleName(_("Filter by classification"))
        self.classification_filter.setToolTip(_("Filter by classification"))
        self.search_scope.setItemText(0, _("All sections"))
        self.search_scope.setItemText(1, _("This section only"))
        self.search_scope.setAccessibleName(_("Where to search"))
        self.search_scope.setToolTip(_("Search every section of the library, or this one only"))
        self.share_action.setText(_("S&hare document…"))
        self.exporter.retranslate_ui()
        self.document_actions.retranslate_ui()
        for combo, first in ((self.event_filter, _("All events")),
                             (self.classification_filter, _("All classifications"))):  # fmt: skip
            if combo.count():
                combo.setItemText(0, first)

    # -- listing -----------------------------------------------------------------------------

    def _fill_filters(self) -> None:
        unlocked = self.session.is_unlocked
        library = self.session.library if unlocked else None
        for combo, first, values in (
            (self.event_filter, _("All events"), library.events() if library else []),
            (self.classification_filter, _("All classifications"),
             library.classifications() if library else ()),
        ):  # fmt: skip
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(first, None)
            for value in values:
                combo.addItem(value, value)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)

    def _filters_changed(self, _index: int) -> None:
        self.refresh()

    def refresh(self) -> None:
        self._count = None
        if not self.session.is_unlocked:
            self.model.set_source(None)
            return
        self.model.set_source(
            self.session.library,
            kind=self.kind,
            event=self.event_filter.currentData(),
            classification=self.classification_filter.currentData(),
        )
        if self.search_edit.text().strip():
            self.run_search()
        else:
            self.list_stack.setCurrentWidget(self.list_view)
        self.status_message.emit(self.status_text())

    def run_search(self) -> None:
        self.search_timer.stop()
        text = self.search_edit.text()
        if not text.strip() or not self.session.is_unlocked:
            self.results.clear()
            self.list_stack.setCurrentWidget(self.list_view)
            self.status_message.emit(self.status_text())
            self.search_finished.emit(0)
            return
        everywhere = self.searches_everywhere()
        hits = self.session.library.search(
            text,
            kind=None if everywhere else self.kind,
            event=self.event_filter.currentData(),
            classification=self.classification_filter.currentData(),
        )
        self.results.show_hits(hits, with_sections=everywhere)
        if hits:
            self.list_stack.setCurrentWidget(self.results)
        else:
            self._show_nothing_matched(text.strip(), everywhere)
        self.status_message.emit(
            ngettext("{count} result", "{count} results", len(hits)).format(count=len(hits))
        )
        self.search_finished.emit(len(hits))

    def searches_everywhere(self) -> bool:
        return bool(self.search_scope.currentData())

    def _filtered(self) -> bool:
        return (self.event_filter.currentData() is not None
                or self.classification_filter.currentData() is not None)  # fmt: skip

    def _show_nothing_matched(self, query: str, everywhere: bool) -> None:
        quoted = isolate(query)
        if not everywhere:
            section = isolate(_(SECTION_NAMES[self.kind]))
            self.no_results.show_nothing_matched(
                _("Nothing matched “{query}” in {section}.").format(query=quoted,
                                                                    section=section),
                _("Search all sections"),
            )  # fmt: skip
        elif self._filtered():
            self.no_results.show_nothing_matched(
                _("Nothing matched “{query}” with the event or classification chosen.").format(
                    query=quoted
                ),
                _("Search without these filters"),
            )
        else:
            self.no_results.show_nothing_matched(
                _("Nothing matched “{query}” in any section.").format(query=quoted), None
            )
        self.list_stack.setCurrentWidget(self.no_results)

    def widen_search(self) -> None:
        """Nothing matched: look in every section, else without the event and classification."""
        if not self.searches_everywhere():
            self.search_scope.setCurrentIndex(self.search_scope.findData(True))
            return
        for combo in (self.event_filter, self.classification_filter):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.refresh()

    def _scope_changed(self, _index: int) -> None:
        if self.search_edit.text().strip():
            self.run_search()

    def _search_now_and_focus_results(self) -> None:
        self.run_search()
        if self.results.count():
            self.results.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    # -- reading -----------------------------------------------------------------------------

    def _browsed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and self.list_view.hasFocus():  # the user moving, not a reload
            self.browse_timer.start()

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_document(self.model.summary(index.row()).id)

    def open_document(self, doc_id: int) -> None:
        current = self.reader.document
        if current is not None and current.summary.id == doc_id:
            return
        self.save_reading_position()
        library = self.session.library
        document = library.get(doc_id)
        pdf = library.pdf_bytes(doc_id) if document.summary.has_pdf else None
        html = None if pdf is not None else library.render_html(doc_id)
        self.reader.show_document(document, html, pdf)
        self.sharing_panel.show_document(doc_id)
        self.share_action.setEnabled(True)
        self.exporter.set_document(doc_id)
        self.document_actions.set_enabled(True)
        if not document.summary.is_read:
            library.set_read(doc_id)
            self.model.mark_read(doc_id)
        self.document_opened.emit(doc_id)

    def reload_document(self, doc_id: int) -> None:
        """Show ``doc_id`` again (its text changed, e.g. a conflict was resolved)."""
        current = self.reader.document
        if current is not None and current.summary.id == doc_id:
            self.reader.clear()
            self.open_document(doc_id)

    # -- details and delete ------------------------------------------------------------------

    def _target_document(self) -> int | None:
        """The current row of the list or the search results while it has the focus, else
        the open document."""
        index = self.list_view.currentIndex()
        if self.list_view.hasFocus() and index.isValid():
            return self.model.summary(index.row()).id
        hit = self.results.currentItem()
        if self.results.hasFocus() and hit is not None:
            return int(hit.data(Qt.ItemDataRole.UserRole))
        document = self.reader.document
        return None if document is None else document.summary.id

    def _list_menu(self, pos: QPoint) -> QMenu | None:
        index = self.list_view.indexAt(pos)
        if not index.isValid():
            return None
        return self._document_menu(self.model.summary(index.row()).id,
                                   self.list_view.viewport().mapToGlobal(pos))  # fmt: skip

    def _results_menu(self, pos: QPoint) -> QMenu | None:
        hit = self.results.itemAt(pos)
        if hit is None:
            return None
        return self._document_menu(int(hit.data(Qt.ItemDataRole.UserRole)),
                                   self.results.viewport().mapToGlobal(pos))  # fmt: skip

    def _document_menu(self, doc_id: int, where: QPoint) -> QMenu | None:
        """Open, Document details…, Delete document… for ``doc_id`` (a row's context menu)."""
        if not self.session.is_unlocked:
            return None
        menu = QMenu(self)
        menu.setObjectName("documentMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction(_("&Open"), lambda: self.open_document(doc_id))
        menu.addAction(
            self.details_action.text(), lambda: self.document_actions.edit_details(doc_id)
        )
        menu.addSeparator()
        menu.addAction(self.delete_action.text(),
                       lambda: self.document_actions.confirm_delete(doc_id))  # fmt: skip
        menu.popup(where)
        return menu

    def _details_saved(self, summary: object) -> None:
        if not isinstance(summary, DocumentSummary):
            return
        self._fill_filters()
        self.refresh()
        current = self.reader.document
        if current is not None and current.summary.id == summary.id:
            self.reader.clear()
            self.open_document(summary.id)  # title and banners as saved

    def _deleted(self, doc_id: int) -> None:
        current = self.reader.document
        if current is not None and current.summary.id == doc_id:
            self.reader.clear()
            self.sharing_panel.show_document(None)
            self.share_action.setEnabled(False)
            self.exporter.set_document(None)
            self.document_actions.set_enabled(False)
        self._fill_filters()
        self.refresh()

    def share_current(self) -> ShareDialog | None:
        document = self.reader.document
        if document is None or not self.session.is_unlocked:
            return None
        from delegate_app.ui.share_dialog import open_share_dialog  # not needed to start up

        def done(message: str) -> None:
            self.status_message.emit(message)
            self.sharing_panel.reload()
            self.sync_requested.emit()

        return open_share_dialog(
            self, self.session.mailroom, document.summary.id, document.summary.title, done
        )

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

    def _link_refused(self, url: QUrl) -> None:
        self.status_message.emit(
            _("Links in documents are not opened: {address}").format(address=url.toDisplayString())
        )

    # -- import ------------------------------------------------------------------------------

    def choose_files(self) -> None:
        paths = file_dialogs.open_files(
            self,
            _("Import documents"),
            _("Documents ({patterns})").format(patterns=IMPORT_PATTERNS),
        )
        if paths:
            self.ask_import([Path(p) for p in paths])

    def ask_import(self, paths: list[Path]) -> ImportDialog | None:
        """Ask the details every file of ``paths`` gets, then import them (if not cancelled)."""
        if not paths or not self.session.is_unlocked:
            return None
        from delegate_app.ui.import_dialog import ImportDialog  # not needed to start up

        dialog = ImportDialog(self.session.library, paths, self.kind, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.import_files(paths, dialog.options()))
        dialog.open()
        return dialog

    def import_files(
        self, paths: list[Path], options: ImportOptions | None = None
    ) -> ImportWorker | None:
        """Import ``paths`` on a worker thread with ``options`` (by default: into the current
        section, with the policy's default marking)."""
        if not paths or not self.session.is_unlocked:
            return None
        from delegate_app.ui.import_worker import ImportWorker  # not needed to start up

        worker = ImportWorker(self.session, paths, options or ImportOptions(kind=self.kind))
        worker.signals.progress.connect(self.import_progress.emit)
        worker.signals.succeeded.connect(self._import_done)
        worker.signals.failed.connect(self._import_failed)
        self.import_started.emit()
        self.status_message.emit(
            ngettext("Importing {count} file…", "Importing {count} files…", len(paths)).format(
                count=len(paths)
            )
        )
        self.context.tasks.start(worker)
        return worker

    def _import_done(self, result: object) -> None:
        from delegate_app.ui.import_worker import ImportResult

        if not isinstance(result, ImportResult):
            return
        if self.session.is_unlocked and not result.cancelled:
            self._fill_filters()
            self.refresh()
            self.status_message.emit(
                ngettext(
                    "Imported {count} document.", "Imported {count} documents.",
                    len(result.imported),
                ).format(count=len(result.imported))
            )  # fmt: skip
            if result.errors:
                self._show_refused(result.errors)
        self.import_finished.emit(len(result.imported), len(result.errors))

    def _show_refused(self, errors: Sequence[str]) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning, _("Some files were not imported"), "\n".join(errors),
            QMessageBox.StandardButton.Close, self,
        )  # fmt: skip
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setObjectName("importErrors")
        show_as_plain_text(box)  # file names and reasons
        box.open()

    def _import_failed(self, error: object) -> None:
        self.status_message.emit(
            _("The import failed: {reason}").format(reason=str(error))
            if self.session.is_unlocked
            else ""
        )
        self.import_finished.emit(0, 1)
