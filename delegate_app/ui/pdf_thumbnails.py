"""Page thumbnails beside a PDF that has no outline: rendered on QtPdf's thread, a bounded
number of them (a PDF can declare any number of pages), each one a way to its page."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPalette, QPixmap
from PySide6.QtPdf import QPdfDocument, QPdfPageRenderer
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem, QWidget

THUMBNAIL_SIZE = QSize(96, 128)
PAGE_SURROUND = "#e4e7eb"  # as around the pages, so that white pages stand out
THUMBNAIL_LIMIT = 300  # pages beyond are reached with the page field
PAGE_ROLE = Qt.ItemDataRole.UserRole + 1


class PdfThumbnails(QListWidget):
    page_chosen = Signal(int)

    def __init__(self, document: QPdfDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfThumbnails")
        self.document = document
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.TopToBottom)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setIconSize(THUMBNAIL_SIZE)
        self.setUniformItemSizes(True)
        self.setSpacing(6)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Base, QColor(PAGE_SURROUND))
        self.setPalette(palette)
        self.renderer = QPdfPageRenderer(self)
        self.renderer.setRenderMode(QPdfPageRenderer.RenderMode.MultiThreaded)
        self.renderer.setDocument(document)
        self.renderer.pageRendered.connect(self._rendered)
        self._requests: set[int] = set()  # renders asked for the document shown now
        self.itemActivated.connect(self._chosen)
        self.itemClicked.connect(self._chosen)

    def fill(self) -> None:
        """One item per page (up to the limit); images are asked for and arrive later."""
        self.clear()
        self._requests.clear()
        for page in range(min(self.document.pageCount(), THUMBNAIL_LIMIT)):
            item = QListWidgetItem(str(page + 1))
            item.setData(PAGE_ROLE, page)
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.addItem(item)
            points = self.document.pagePointSize(page)
            size = points.toSize().scaled(THUMBNAIL_SIZE, Qt.AspectRatioMode.KeepAspectRatio)
            if not size.isEmpty():
                self._requests.add(int(self.renderer.requestPage(page, size)))

    def show_page(self, page: int) -> None:
        if 0 <= page < self.count():
            self.blockSignals(True)
            self.setCurrentRow(page)
            self.blockSignals(False)
            self.scrollToItem(self.item(page))

    def _rendered(self, page: int, _size: QSize, image: QImage, *details: Any) -> None:
        request = int(details[-1]) if details else -1
        if request not in self._requests:
            return  # asked for a document shown before
        self._requests.discard(request)
        item = self.item(page)
        if item is not None and not image.isNull():
            item.setIcon(QIcon(QPixmap.fromImage(image)))

    def _chosen(self, item: QListWidgetItem) -> None:
        page = item.data(PAGE_ROLE)
        if isinstance(page, int):
            self.page_chosen.emit(page)
