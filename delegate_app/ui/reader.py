"""The reader: a classification banner over sanitised rich text or a PDF rendered from memory."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QPointF, Qt, QUrl, Signal
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QLabel, QStackedWidget, QTextBrowser, QVBoxLayout, QWidget

from delegate_app.core.documents.models import Document
from delegate_app.i18n import _
from delegate_app.ui.retranslate import is_language_change

BANNER_COLOURS = {
    "UNCLASSIFIED": ("#1b5e20", "#e8f5e9"),
    "RESTRICTED": ("#0d47a1", "#e3f2fd"),
    "CONFIDENTIAL": ("#b71c1c", "#ffebee"),
}
DEFAULT_BANNER = ("#4a148c", "#f3e5f5")


class SafeTextBrowser(QTextBrowser):
    """Shows sanitised HTML and never loads anything: no remote images, styles or links."""

    link_activated = Signal(QUrl)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self.link_activated.emit)
        self.refused_resources: list[str] = []

    def loadResource(self, kind: int, name: QUrl | str) -> Any:  # noqa: N802 - Qt override
        self.refused_resources.append(name.toString() if isinstance(name, QUrl) else str(name))
        return None


class PdfPane(QPdfView):
    """QtPdf fed from a QBuffer in memory: the plaintext PDF never touches the disk."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.pdf = QPdfDocument(self)
        self._buffer: QBuffer | None = None
        self.setDocument(self.pdf)
        self.setPageMode(QPdfView.PageMode.MultiPage)
        self.setZoomMode(QPdfView.ZoomMode.FitToWidth)

    def show_bytes(self, data: bytes) -> None:
        self.pdf.close()
        buffer = QBuffer(self)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.pdf.load(buffer)
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.deleteLater()
        self._buffer = buffer

    def clear(self) -> None:
        self.pdf.close()

    def current_page(self) -> int:
        return int(self.pageNavigator().currentPage())

    def go_to_page(self, page: int) -> None:
        if 0 <= page < self.pdf.pageCount():
            self.pageNavigator().jump(page, QPointF(), self.pageNavigator().currentZoom())


class ReaderWidget(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.banner = QLabel()
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setVisible(False)
        self.title_label = QLabel()
        self.title_label.setWordWrap(True)
        self.title_label.setStyleSheet("font-size: 18px; font-weight: 600; padding: 6px 4px;")
        self.meta_label = QLabel()
        self.meta_label.setStyleSheet("color: #555; padding: 0 4px 6px 4px;")
        self.text_view = SafeTextBrowser()
        self.text_view.document().setDocumentMargin(12)
        self.pdf_view = PdfPane()
        self.placeholder = QLabel()
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet("color: #777;")
        self.stack = QStackedWidget()
        for widget in (self.placeholder, self.text_view, self.pdf_view):
            self.stack.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.title_label)
        layout.addWidget(self.meta_label)
        layout.addWidget(self.stack, 1)
        self.document: Document | None = None
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.placeholder.setText(_("Select a document to read it."))
        self.text_view.setAccessibleName(_("Document text"))
        self.pdf_view.setAccessibleName(_("PDF document"))
        if self.document is not None:
            self._show_meta(self.document)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    def _show_meta(self, document: Document) -> None:
        summary = document.summary
        parts = [_(summary.kind.label)]
        if summary.event:
            parts.append(summary.event)
        if summary.author:
            parts.append(summary.author)
        if summary.tags:
            parts.append(", ".join(summary.tags))
        self.meta_label.setText(" · ".join(parts))

    def show_document(self, document: Document, html: str | None, pdf: bytes | None) -> None:
        self.document = document
        marking = document.summary.classification
        foreground, background = BANNER_COLOURS.get(marking.upper(), DEFAULT_BANNER)
        self.banner.setText(marking)
        self.banner.setAccessibleName(_("Classification: {marking}").format(marking=marking))
        self.banner.setStyleSheet(
            f"background: {background}; color: {foreground}; font-weight: 700;"
            f" letter-spacing: 2px; padding: 4px; border-bottom: 2px solid {foreground};"
        )
        self.banner.setVisible(True)
        self.title_label.setText(document.summary.title)
        self._show_meta(document)
        if pdf is not None:
            self.pdf_view.show_bytes(pdf)
            self.stack.setCurrentWidget(self.pdf_view)
            self.pdf_view.go_to_page(int(document.reading_position))
        else:
            self.text_view.setHtml(html or "")
            self.stack.setCurrentWidget(self.text_view)
            bar = self.text_view.verticalScrollBar()
            bar.setValue(int(document.reading_position * max(1, bar.maximum())))

    def reading_position(self) -> float:
        if self.stack.currentWidget() is self.pdf_view:
            return float(self.pdf_view.current_page())
        bar = self.text_view.verticalScrollBar()
        return bar.value() / bar.maximum() if bar.maximum() > 0 else 0.0

    def clear(self) -> None:
        self.document = None
        self.banner.setVisible(False)
        self.title_label.clear()
        self.meta_label.clear()
        self.text_view.clear()
        self.pdf_view.clear()
        self.stack.setCurrentWidget(self.placeholder)
