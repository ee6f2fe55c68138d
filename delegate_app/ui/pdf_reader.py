"""The PDF reader: a tool bar (outline, page n of N, zoom, find), the find bar, the outline
beside the pages, and the keys that drive them.

Ctrl+F finds in the document while the focus is in the reader (the reader claims the key
before the window's Find, which searches the library); PgUp/PgDn, Home/End, F3/Shift+F3,
Ctrl++/Ctrl+-/Ctrl+0 work from anywhere inside it. Page navigation runs top to bottom, so its
buttons point up and down and read the same in a right-to-left interface.
"""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import QEvent, QModelIndex, QPointF, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtPdf import QPdfBookmarkModel
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from delegate_app.i18n import _
from delegate_app.ui.pdf_find import PdfFindBar
from delegate_app.ui.pdf_thumbnails import PdfThumbnails
from delegate_app.ui.pdf_view import PdfViewWidget
from delegate_app.ui.retranslate import is_language_change

OUTLINE_WIDTH = 170


def _split_template(template: str, slot: str) -> tuple[str, str]:
    before, _slot, after = template.partition(slot)
    return before, after


class PdfReaderWidget(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfReader")
        self.view = PdfViewWidget()
        self.view.setObjectName("pdfView")
        self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.find_bar = PdfFindBar(self.view)
        self.outline_model = QPdfBookmarkModel(self)
        self.outline_model.setDocument(self.view.pdf)
        self.outline = QTreeView()
        self.outline.setObjectName("pdfOutline")
        self.outline.setModel(self.outline_model)
        self.outline.setHeaderHidden(True)
        self.outline.setUniformRowHeights(True)
        self.thumbnails = PdfThumbnails(self.view.pdf)
        self.side = QStackedWidget()  # the outline, or page thumbnails for a PDF without one
        self.side.addWidget(self.outline)
        self.side.addWidget(self.thumbnails)
        self.outline_button = QToolButton()
        self.outline_button.setCheckable(True)
        self.previous_button = QToolButton()
        self.next_button = QToolButton()
        self.page_spin = QSpinBox()
        self.page_spin.setObjectName("pdfPage")
        self.page_spin.setKeyboardTracking(False)  # go when the number is complete
        self.page_spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
        self.page_spin.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.page_prefix = QLabel()
        self.page_suffix = QLabel()
        self.fit_width_button = QToolButton()
        self.fit_page_button = QToolButton()
        for button in (self.fit_width_button, self.fit_page_button):
            button.setCheckable(True)
        self.zoom_out_button = QToolButton()
        self.zoom_label = QLabel()
        self.zoom_label.setObjectName("pdfZoom")
        self.zoom_in_button = QToolButton()
        for label in (self.page_prefix, self.page_suffix, self.zoom_label):
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.find_button = QToolButton()
        self.tool_buttons = (
            self.outline_button, self.previous_button, self.next_button,
            self.fit_width_button, self.fit_page_button, self.zoom_out_button,
            self.zoom_in_button, self.find_button,
        )  # fmt: skip
        for button in self.tool_buttons:
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._layout()
        self._connect()
        self._shortcuts()
        self.retranslate_ui()

    def _layout(self) -> None:
        bar = QWidget()
        bar.setObjectName("pdfToolBar")
        tools = QHBoxLayout(bar)
        tools.setContentsMargins(8, 2, 8, 2)
        tools.setSpacing(2)
        tools.addWidget(self.outline_button)
        tools.addSpacing(8)
        tools.addWidget(self.previous_button)
        tools.addWidget(self.page_prefix)
        tools.addWidget(self.page_spin)
        tools.addWidget(self.page_suffix)
        tools.addWidget(self.next_button)
        tools.addStretch(1)
        tools.addWidget(self.fit_width_button)
        tools.addWidget(self.fit_page_button)
        tools.addSpacing(8)
        tools.addWidget(self.zoom_out_button)
        tools.addWidget(self.zoom_label)
        tools.addWidget(self.zoom_in_button)
        tools.addSpacing(8)
        tools.addWidget(self.find_button)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.side)
        self.splitter.addWidget(self.view)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([OUTLINE_WIDTH, 600])
        self.side.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(bar)
        layout.addWidget(self.find_bar)
        layout.addWidget(self.splitter, 1)
        self.setFocusProxy(self.view)
        bar = self.find_bar
        chain = (
            self.view, self.outline_button, self.previous_button, self.page_spin,
            self.next_button, self.fit_width_button, self.fit_page_button,
            self.zoom_out_button, self.zoom_in_button, self.find_button, bar.edit,
            bar.previous_button, bar.next_button, bar.close_button, self.outline, self.thumbnails,
        )  # fmt: skip
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _connect(self) -> None:
        view = self.view
        self.previous_button.clicked.connect(view.previous_page)
        self.next_button.clicked.connect(view.next_page)
        self.page_spin.valueChanged.connect(self._page_typed)
        view.page_changed.connect(self._show_page)
        self.thumbnails.page_chosen.connect(view.go_to_page)
        view.zoom_changed.connect(self._show_zoom)
        self.fit_width_button.clicked.connect(view.fit_width)
        self.fit_page_button.clicked.connect(view.fit_page)
        self.zoom_in_button.clicked.connect(view.zoom_in)
        self.zoom_out_button.clicked.connect(view.zoom_out)
        self.find_button.clicked.connect(self.find_bar.open_bar)
        self.outline_button.toggled.connect(self.side.setVisible)
        self.outline.activated.connect(self._outline_chosen)
        self.outline.clicked.connect(self._outline_chosen)

    def _shortcuts(self) -> None:
        key = QKeySequence
        bindings = (
            ((key(key.StandardKey.ZoomIn), key("Ctrl+=")), self.view.zoom_in),
            ((key(key.StandardKey.ZoomOut),), self.view.zoom_out),
            ((key("Ctrl+0"),), self.view.reset_zoom),
            ((key(key.StandardKey.FindNext),), self.find_bar.find_next),
            ((key(key.StandardKey.FindPrevious),), self.find_bar.find_previous),
        )
        self.shortcuts: list[QShortcut] = []
        for sequences, slot in bindings:
            for sequence in sequences:
                shortcut = QShortcut(sequence, self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(slot)
                self.shortcuts.append(shortcut)

    def retranslate_ui(self) -> None:
        self.view.setAccessibleName(_("PDF document"))
        self.view.retranslate_ui()
        self.find_bar.retranslate_ui()
        self.outline.setAccessibleName(_("Outline"))
        self.thumbnails.setAccessibleName(_("Pages"))
        if self.side.currentWidget() is self.outline:
            self.outline_button.setText(_("Outline"))
            self.outline_button.setToolTip(_("Show or hide the document's outline"))
        else:
            self.outline_button.setText(_("Pages"))
            self.outline_button.setToolTip(_("Show or hide page thumbnails"))
        self.outline_button.setAccessibleName(self.outline_button.text())
        self.previous_button.setText("▲")
        self.previous_button.setToolTip(_("Previous page (Page Up)"))
        self.previous_button.setAccessibleName(_("Previous page"))
        self.next_button.setText("▼")
        self.next_button.setToolTip(_("Next page (Page Down)"))
        self.next_button.setAccessibleName(_("Next page"))
        self.page_spin.setAccessibleName(_("Page"))
        self.fit_width_button.setText(_("Fit width"))
        self.fit_width_button.setToolTip(_("Fit the page width to the view (Ctrl+0)"))
        self.fit_page_button.setText(_("Fit page"))
        self.fit_page_button.setToolTip(_("Show whole pages"))
        self.zoom_out_button.setText("−")
        self.zoom_out_button.setToolTip(_("Zoom out (Ctrl+-)"))
        self.zoom_out_button.setAccessibleName(_("Zoom out"))
        self.zoom_in_button.setText("+")
        self.zoom_in_button.setToolTip(_("Zoom in (Ctrl++)"))
        self.zoom_in_button.setAccessibleName(_("Zoom in"))
        self.find_button.setText(_("Find"))
        self.find_button.setToolTip(_("Find in document (Ctrl+F)"))
        for button in self.tool_buttons:
            if not button.accessibleName():
                button.setAccessibleName(button.text())
        self._show_page_count()
        self._show_zoom()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    # -- showing --------------------------------------------------------------------------------

    def show_bytes(self, data: bytes, place: float) -> None:
        self.view.show_bytes(data, place)
        has_outline = self.outline_model.rowCount(QModelIndex()) > 0
        self.outline.expandToDepth(0)
        self.side.setCurrentWidget(self.outline if has_outline else self.thumbnails)
        if has_outline:
            self.thumbnails.clear()
        else:
            self.thumbnails.fill()
        self.outline_button.setChecked(has_outline)  # thumbnails only when asked for
        self.side.setVisible(has_outline)
        self.retranslate_ui()
        self._show_page_count()
        self._show_page(self.view.current_page())
        self._show_zoom()
        self.find_bar.document_changed()

    def clear(self) -> None:
        self.view.clear()
        self.find_bar.close_bar()

    def _show_page_count(self) -> None:
        count = self.view.page_count
        # TRANSLATORS: the page indicator; {page} is the field where a page number is typed
        before, after = _split_template(_("Page {page} of {count}"), "{page}")
        self.page_prefix.setText(before.strip())
        self.page_suffix.setText(after.replace("{count}", str(count)).strip())
        self.page_spin.blockSignals(True)
        self.page_spin.setRange(1 if count else 0, max(count, 0))
        self.page_spin.blockSignals(False)
        digits = max(2, len(str(count)))
        self.page_spin.setFixedWidth(
            self.page_spin.fontMetrics().horizontalAdvance("0") * digits + 16
        )

    def _show_page(self, page: int) -> None:
        self.page_spin.blockSignals(True)
        self.page_spin.setValue(page + 1)
        self.page_spin.blockSignals(False)
        self.page_spin.setAccessibleDescription(
            _("Page {page} of {count}").format(page=page + 1, count=self.view.page_count)
        )
        self.thumbnails.show_page(page)
        self.previous_button.setEnabled(page > 0)
        self.next_button.setEnabled(page + 1 < self.view.page_count)

    def _page_typed(self, number: int) -> None:
        self.view.go_to_page(number - 1)

    def _show_zoom(self) -> None:
        mode = self.view.zoomMode()
        self.fit_width_button.setChecked(mode == QPdfView.ZoomMode.FitToWidth)
        self.fit_page_button.setChecked(mode == QPdfView.ZoomMode.FitInView)
        percent = round(self.view.effective_zoom() * 100)
        self.zoom_label.setText(_("{percent}%").format(percent=percent))
        self.zoom_label.setAccessibleName(_("Zoom {percent}%").format(percent=percent))

    def _outline_chosen(self, index: QModelIndex) -> None:
        page = index.data(int(QPdfBookmarkModel.Role.Page))
        location = index.data(int(QPdfBookmarkModel.Role.Location))
        if not isinstance(page, int):
            return
        point = location if isinstance(location, QPointF) else QPointF()
        self.view.scroll_to_point(page, point, fraction_of_view=0.0)

    # -- keys -----------------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.Find)
        ):
            event.accept()  # Find in the document, not the window's library search
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.matches(QKeySequence.StandardKey.Find):
            self.find_bar.open_bar()
            return
        super().keyPressEvent(event)
