"""A PDF rendered by QtPdf from a buffer in memory: the plaintext file never touches the disk.

The view keeps a *reading place* (page + fraction of it, see ``pdf_layout``) and scrolls back
to it after every change of layout — the document finishing loading, the first real size of
the widget, a resize, a zoom — until the user scrolls. Setting a raw scroll value once, as
before, showed a reopened PDF at a place computed for the view's size before it was laid out.
Text is selected by dragging over a page and copied with Ctrl+C; zoom and the reading place
stay with the view, so they last as long as the window.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtPdf import QPdfDocument, QPdfPageRenderer, QPdfSelection
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QApplication, QWidget

from delegate_app.i18n import _
from delegate_app.ui.pdf_layout import PageLayout, compute_layout, screen_resolution

PAGE_SURROUND = "#e4e7eb"
SELECTION_COLOUR = QColor(0, 120, 215, 90)
ZOOM_STEPS = (0.25, 0.33, 0.5, 0.67, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0)
CURRENT_PAGE_LINE = 0.4  # as QPdfView: the page crossing this height of the view is "current"


class PdfViewWidget(QPdfView):
    page_rendered = Signal(int)  # a page image is ready (pages render on a Qt thread)
    page_changed = Signal(int)  # the page the indicator shows (0-based)
    zoom_changed = Signal()
    selection_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]  # the stub omits None
        self.pdf = QPdfDocument(self)
        self._buffer: QBuffer | None = None
        self._resolution = screen_resolution()
        self._layout = PageLayout((), (), 0)
        self._layout_key: tuple[object, ...] | None = None
        self._place = 0.0  # where reading resumes: page + fraction of it at the top
        self._page = 0  # the page the indicator shows
        self._page_chosen = False  # True after a jump to a page, False after scrolling
        self._applying = 0  # >0 while the view itself moves the scroll bar
        self._selection: QPdfSelection | None = None
        self._selection_page = -1
        self._drag_start: tuple[int, QPointF] | None = None  # page and point a drag began at
        self._dragged = False
        self.setDocument(self.pdf)
        self.setPageMode(QPdfView.PageMode.MultiPage)
        self.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.setPageSpacing(12)
        for widget in (self, self.viewport()):
            palette = widget.palette()
            palette.setColor(QPalette.ColorRole.Dark, QColor(PAGE_SURROUND))  # around the pages
            widget.setPalette(palette)
        renderer = self.findChild(QPdfPageRenderer)
        if renderer is not None:
            renderer.pageRendered.connect(self._on_page_rendered)
        self.pdf.statusChanged.connect(self._relayout)
        self.copy_action = QAction(self)
        self.copy_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.copy_action.setEnabled(False)
        self.copy_action.triggered.connect(self.copy_selection)
        self.addAction(self.copy_action)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.copy_action.setText(_("&Copy"))

    def _on_page_rendered(self, page: int, *_details: Any) -> None:
        self.page_rendered.emit(page)

    # -- the document ---------------------------------------------------------------------------

    def show_bytes(self, data: bytes, place: float = 0.0) -> None:
        """Show the PDF in ``data`` at reading place ``place`` (out-of-range: the first page)."""
        self.clear()
        buffer = QBuffer(self)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._buffer = buffer
        self._applying += 1
        try:
            self.pdf.load(buffer)
        finally:
            self._applying -= 1
        valid = 0 <= place < self.page_count
        self._place = place if valid else 0.0
        self._page_chosen = False
        self._set_page(int(self._place))
        self._relayout()

    def clear(self) -> None:
        """Close the document and drop the in-memory copy."""
        self._set_selection(None)
        self._applying += 1
        try:
            self.pdf.close()
        finally:
            self._applying -= 1
        self._layout = PageLayout((), (), self.pageSpacing())
        self._layout_key = None
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.setData(QByteArray())
            self._buffer.deleteLater()
            self._buffer = None

    @property
    def page_count(self) -> int:
        return int(self.pdf.pageCount())

    @property
    def layout_now(self) -> PageLayout:
        return self._layout

    # -- the reading place ----------------------------------------------------------------------

    def reading_place(self) -> float:
        """Page + the fraction of it scrolled past, as saved in the vault."""
        return self._place

    def current_page(self) -> int:
        """The page the indicator shows: the one navigated to, or the one under the view's
        upper half after scrolling (the last page at the end of the document)."""
        return self._page

    def go_to_page(self, page: int) -> None:
        if 0 <= page < self.page_count:
            self._place = float(page)
            self._page_chosen = True
            self._set_page(page)
            self._apply_place()

    def next_page(self) -> None:
        self.go_to_page(min(self._page + 1, self.page_count - 1))

    def previous_page(self) -> None:
        self.go_to_page(max(self._page - 1, 0))

    def scroll_to_point(self, page: int, point: QPointF, fraction_of_view: float = 1 / 3) -> None:
        """Show ``point`` (in points) of ``page`` at ``fraction_of_view`` down the view."""
        if not 0 <= page < len(self._layout.pages):
            return
        rect = self._layout.pages[page]
        inside = point.y() if math.isfinite(point.y()) else 0.0  # a PDF's own numbers
        inside = min(max(inside, 0.0), self._layout.points[page].height())
        y = rect.y() + inside * self._layout.scale(page)
        y -= self.viewport().height() * fraction_of_view
        self._place = self._layout.place_at(max(0.0, y))
        self._page_chosen = True
        self._set_page(page)
        self._apply_place()

    def _set_page(self, page: int) -> None:
        if page != self._page:
            self._page = page
            self.page_changed.emit(page)

    def _apply_place(self) -> None:
        self._applying += 1
        try:
            self.verticalScrollBar().setValue(self._layout.y_for(self._place))
        finally:
            self._applying -= 1

    def _relayout(self, *_args: object) -> None:
        """Recompute the page layout and return to the reading place."""
        key = (self.viewport().size(), self.zoomMode(), self.zoomFactor(), self.pdf.status())
        if key != self._layout_key:  # many pages make the layout slow: only when it changed
            self._layout = compute_layout(self, self.pdf, self._resolution)
            self._layout_key = key
        if self.zoomMode() != QPdfView.ZoomMode.Custom and self._layout.pages:
            # QPdfView scales search highlights and link areas by zoomFactor even when it fits
            # pages to the view: keep the factor equal to the fitted one.
            self._applying += 1
            try:
                self.setZoomFactor(self.effective_zoom())
            finally:
                self._applying -= 1
        self._apply_place()
        if not self._page_chosen:
            self._page_from_scroll()
        self.viewport().update()

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802 - Qt override
        super().scrollContentsBy(dx, dy)
        if self._applying or not self._layout.pages:
            return
        # the user scrolled, or followed a link
        self._place = self._layout.place_at(self.verticalScrollBar().value())
        self._page_chosen = False
        self._page_from_scroll()

    def _page_from_scroll(self) -> None:
        bar = self.verticalScrollBar()
        if not self._layout.pages:
            return
        if bar.value() >= bar.maximum() > 0:
            self._set_page(len(self._layout.pages) - 1)
        else:
            line = bar.value() + self.viewport().height() * CURRENT_PAGE_LINE
            self._set_page(self._layout.page_at(line))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        self._applying += 1
        try:
            super().resizeEvent(event)
        finally:
            self._applying -= 1
        self._relayout()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._relayout()

    # -- zoom -----------------------------------------------------------------------------------

    def effective_zoom(self) -> float:
        """The zoom in effect (1.0: a point is a point), fitted or chosen."""
        if self.zoomMode() == QPdfView.ZoomMode.Custom or not self._layout.pages:
            return float(self.zoomFactor())
        page = min(self._page, len(self._layout.pages) - 1)
        return self._layout.scale(page) / self._resolution

    def _set_zoom(self, mode: QPdfView.ZoomMode, factor: float | None = None) -> None:
        self._applying += 1
        try:
            self.setZoomMode(mode)
            if factor is not None:
                self.setZoomFactor(factor)
        finally:
            self._applying -= 1
        self._relayout()
        self.zoom_changed.emit()

    def fit_width(self) -> None:
        self._set_zoom(QPdfView.ZoomMode.FitToWidth)

    def fit_page(self) -> None:
        self._set_zoom(QPdfView.ZoomMode.FitInView)

    def zoom_in(self) -> None:
        current = self.effective_zoom()
        step = next((s for s in ZOOM_STEPS if s > current * 1.01), ZOOM_STEPS[-1])
        self._set_zoom(QPdfView.ZoomMode.Custom, step)

    def zoom_out(self) -> None:
        current = self.effective_zoom()
        step = next((s for s in reversed(ZOOM_STEPS) if s < current * 0.99), ZOOM_STEPS[0])
        self._set_zoom(QPdfView.ZoomMode.Custom, step)

    def reset_zoom(self) -> None:
        self.fit_width()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            if event.angleDelta().y() > 0:
                self.zoom_in()
            elif event.angleDelta().y() < 0:
                self.zoom_out()
            event.accept()
            return
        super().wheelEvent(event)

    # -- keyboard -------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        key = event.key()
        bar = self.verticalScrollBar()
        tops = self._layout.tops
        y = bar.value()
        target: int | None = None
        if key == Qt.Key.Key_PageDown:  # a screen on, stopping at the top of the next page
            target = min([y + bar.pageStep()] + [t for t in tops if t > y + 1])
        elif key == Qt.Key.Key_PageUp:
            target = max([y - bar.pageStep()] + [t for t in tops if t < y - 1])
        elif key == Qt.Key.Key_Home:
            target = 0
        elif key == Qt.Key.Key_End:
            target = bar.maximum()
        elif event.matches(QKeySequence.StandardKey.SelectAll):
            self.select_page_text(self._page)
            return
        if target is None:
            super().keyPressEvent(event)
            return
        bar.setValue(max(0, min(target, bar.maximum())))  # scrollContentsBy updates the place
        event.accept()

    # -- text selection -------------------------------------------------------------------------

    def selected_text(self) -> str:
        return self._selection.text() if self._selection is not None else ""

    def _set_selection(self, selection: QPdfSelection | None, page: int = -1) -> None:
        if selection is not None and (not selection.isValid() or not selection.text()):
            selection = None
        if selection is None and self._selection is None:
            return
        self._selection = selection
        self._selection_page = page
        self.copy_action.setEnabled(selection is not None)
        self.viewport().update()
        self.selection_changed.emit()

    def select_page_text(self, page: int) -> None:
        if 0 <= page < self.page_count:
            self._set_selection(self.pdf.getAllText(page), page)

    def copy_selection(self) -> None:
        text = self.selected_text()
        if text:
            QApplication.clipboard().setText(text)

    def _document_point(self, event: QMouseEvent) -> QPointF:
        offset = QPointF(self.horizontalScrollBar().value(), self.verticalScrollBar().value())
        return event.position() + offset

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self._dragged = False
        self._drag_start = None
        self._set_selection(None)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = self._document_point(event)
        for page, rect in enumerate(self._layout.pages):
            if rect.contains(point.toPoint()):
                self._drag_start = (page, self._layout.to_page_point(page, point))
                break

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        super().mouseMoveEvent(event)
        if self._drag_start is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        page, start = self._drag_start
        rect = self._layout.pages[page]
        point = self._document_point(event)
        point = QPointF(  # a drag leaving its page selects to that page's edge
            min(max(point.x(), rect.left()), rect.right()),
            min(max(point.y(), rect.top()), rect.bottom()),
        )
        self._dragged = True
        end = self._layout.to_page_point(page, point)
        self._set_selection(self.pdf.getSelection(page, start, end), page)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if not self._dragged:
            super().mouseReleaseEvent(event)  # a click follows a link inside the document
        self._drag_start = None
        self._dragged = False

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        selection = self._selection
        page = self._selection_page
        if selection is None or not 0 <= page < len(self._layout.pages):
            return
        rect, scale = self._layout.pages[page], self._layout.scale(page)
        painter = QPainter(self.viewport())
        painter.translate(
            rect.x() - self.horizontalScrollBar().value(),
            rect.y() - self.verticalScrollBar().value(),
        )
        painter.scale(scale, scale)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(SELECTION_COLOUR)
        for polygon in selection.bounds():
            painter.drawPolygon(polygon)
        painter.end()
