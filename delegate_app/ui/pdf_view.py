"""A PDF rendered by QtPdf from a buffer in memory: the plaintext file never touches the disk."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtPdf import QPdfDocument, QPdfPageRenderer
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QWidget

PAGE_SURROUND = "#e4e7eb"


class PdfViewWidget(QPdfView):
    page_rendered = Signal(int)  # a page image is ready (pages render on a Qt thread)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]  # the stub omits None
        self.pdf = QPdfDocument(self)
        self._buffer: QBuffer | None = None
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

    def _on_page_rendered(self, page: int, *_details: Any) -> None:
        self.page_rendered.emit(page)

    def show_bytes(self, data: bytes, page: int = 0) -> None:
        """Show the PDF in ``data`` at ``page`` (0-based; out-of-range pages show the first)."""
        self.clear()
        buffer = QBuffer(self)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._buffer = buffer
        self.pdf.load(buffer)
        self.go_to_page(page)

    def clear(self) -> None:
        """Close the document and drop the in-memory copy."""
        self.pdf.close()
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.setData(QByteArray())
            self._buffer.deleteLater()
            self._buffer = None

    @property
    def page_count(self) -> int:
        return int(self.pdf.pageCount())

    def current_page(self) -> int:
        return int(self.pageNavigator().currentPage())

    def go_to_page(self, page: int) -> None:
        if 0 <= page < self.page_count:
            navigator = self.pageNavigator()
            navigator.jump(page, QPointF(), navigator.currentZoom())
