"""The reader: classification banners around sanitised rich text or a PDF rendered from memory.

Rich text comes already sanitised from the library; the text view additionally refuses to load
any resource (no remote images, styles or fonts) and never follows a link by itself. The
reading position (scroll fraction, or PDF page and the fraction of it) is restored when a
document is reopened; a PDF is shown by ``pdf_reader.PdfReaderWidget``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, QUrl, Signal
from PySide6.QtWidgets import QLabel, QStackedWidget, QTextBrowser, QVBoxLayout, QWidget

from delegate_app.core.documents.models import Document
from delegate_app.core.formatting import format_date
from delegate_app.i18n import _
from delegate_app.ui.bidi import in_direction, join_isolated
from delegate_app.ui.classification import marking_colours
from delegate_app.ui.retranslate import is_language_change

if TYPE_CHECKING:
    from delegate_app.ui.pdf_reader import PdfReaderWidget
    from delegate_app.ui.pdf_view import PdfViewWidget


READING_SCALE = 1.15  # body text a little larger than the interface's
READING_CSS = "p, li { line-height: 140%; } h1, h2, h3 { margin-top: 14px; }"


class SafeTextBrowser(QTextBrowser):
    """Shows sanitised HTML and loads nothing: no remote images, styles or links."""

    link_activated = Signal(QUrl)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self.link_activated.emit)
        self.refused_resources: list[str] = []
        self._pending_fraction: float | None = None
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self._apply_pending_position)
        bar.actionTriggered.connect(self._forget_pending_position)

    def loadResource(self, kind: int, name: QUrl | str) -> Any:  # noqa: N802 - Qt override
        self.refused_resources.append(name.toString() if isinstance(name, QUrl) else str(name))
        return None

    def show_html(self, markup: str, fraction: float) -> None:
        """Show ``markup`` scrolled to ``fraction`` of its height (once it is laid out)."""
        self._pending_fraction = min(1.0, max(0.0, fraction)) or None
        self.setHtml(markup)
        self._apply_pending_position()

    def scroll_fraction(self) -> float:
        if self._pending_fraction is not None:
            return self._pending_fraction  # not laid out yet: keep what was asked for
        bar = self.verticalScrollBar()
        return bar.value() / bar.maximum() if bar.maximum() > 0 else 0.0

    def _apply_pending_position(self) -> None:
        bar = self.verticalScrollBar()
        if self._pending_fraction is not None and bar.maximum() > 0:
            bar.setValue(round(self._pending_fraction * bar.maximum()))

    def _forget_pending_position(self) -> None:
        self._pending_fraction = None

    def clear(self) -> None:
        self._pending_fraction = None
        super().clear()


class ClassificationBanner(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("classificationBanner")
        self.setTextFormat(Qt.TextFormat.PlainText)  # a shared document's marking is foreign
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setVisible(False)
        self.marking = ""

    def show_marking(self, marking: str) -> None:
        self.marking = marking
        colours = marking_colours(marking)
        self.setText(marking)
        self.setStyleSheet(
            f"background: {colours.background}; color: {colours.foreground};"
            f" font-weight: 700; letter-spacing: 2px; padding: 3px;"
        )
        self.setAccessibleName(_("Classification: {marking}").format(marking=marking))
        self.setVisible(True)

    def clear_marking(self) -> None:
        self.marking = ""
        self.clear()
        self.setVisible(False)


class ReaderWidget(QWidget):
    link_activated = Signal(QUrl)
    pdf_view_created = Signal(QWidget)  # QtPdf loads when the first PDF is opened

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.banner = ClassificationBanner()
        self.footer_banner = ClassificationBanner()
        self.title_label = QLabel()
        self.title_label.setObjectName("readerTitle")
        self.title_label.setWordWrap(True)
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        self.meta_label = QLabel()
        self.meta_label.setObjectName("readerMeta")
        self.meta_label.setWordWrap(True)
        self.meta_label.setTextFormat(Qt.TextFormat.PlainText)
        self.text_view = SafeTextBrowser()
        self.text_view.setObjectName("readerText")
        self.text_view.document().setDocumentMargin(20)
        self.text_view.document().setDefaultStyleSheet(READING_CSS)
        reading_font = self.text_view.font()
        reading_font.setPointSizeF(max(reading_font.pointSizeF(), 1.0) * READING_SCALE)
        self.text_view.document().setDefaultFont(reading_font)
        self.text_view.link_activated.connect(self.link_activated.emit)
        self._pdf_reader: PdfReaderWidget | None = None
        self.placeholder = QLabel()
        self.placeholder.setObjectName("readerPlaceholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        for widget in (self.placeholder, self.text_view):
            self.stack.addWidget(widget)
        header = QVBoxLayout()
        header.setContentsMargins(20, 14, 20, 10)
        header.setSpacing(4)
        header.addWidget(self.title_label)
        header.addWidget(self.meta_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addLayout(header)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.footer_banner)
        self.setFocusProxy(self.stack)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.document: Document | None = None
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.placeholder.setText(_("Select a document to read it."))
        self.text_view.setAccessibleName(_("Document text"))
        if self.document is not None:
            self._show_meta(self.document)
            self.banner.show_marking(self.document.summary.classification)
            self.footer_banner.show_marking(self.document.summary.classification)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    @property
    def pdf_reader(self) -> PdfReaderWidget:
        """The PDF reader, made when first needed (QtPdf is not loaded at start-up)."""
        if self._pdf_reader is None:
            from delegate_app.ui.pdf_reader import PdfReaderWidget

            self._pdf_reader = PdfReaderWidget()
            self.stack.addWidget(self._pdf_reader)
            self.pdf_view_created.emit(self._pdf_reader.view)
        return self._pdf_reader

    @property
    def pdf_view(self) -> PdfViewWidget:
        return self.pdf_reader.view

    @property
    def showing_pdf(self) -> bool:
        return self._pdf_reader is not None and self.stack.currentWidget() is self._pdf_reader

    def _show_meta(self, document: Document) -> None:
        summary = document.summary
        parts = [_(summary.kind.label)]
        parts += [part for part in (summary.event, summary.author) if part]
        if summary.tags:
            parts.append(", ".join(summary.tags))
        parts.append(format_date(summary.updated_at))
        self.meta_label.setText(
            in_direction(join_isolated(parts), right_to_left=self.isRightToLeft())
        )

    def show_document(self, document: Document, html: str | None, pdf: bytes | None) -> None:
        self.document = document
        marking = document.summary.classification
        self.banner.show_marking(marking)
        self.footer_banner.show_marking(marking)
        self.title_label.setText(document.summary.title)
        self._show_meta(document)
        if pdf is not None:
            self.text_view.clear()
            self.stack.setCurrentWidget(self.pdf_reader)  # laid out first, then restored
            self.pdf_reader.show_bytes(pdf, document.reading_position)
        else:
            if self._pdf_reader is not None:
                self._pdf_reader.clear()
            self.text_view.show_html(html or "", document.reading_position)
            self.stack.setCurrentWidget(self.text_view)

    def reading_position(self) -> float:
        """The PDF page + the fraction of it scrolled past, or the fraction of the text."""
        if self.showing_pdf:
            return self.pdf_view.reading_place()
        return self.text_view.scroll_fraction()

    def selected_text(self) -> str:
        """The passage selected in the document, for a quote."""
        if self.showing_pdf:
            return self.pdf_view.selected_text()
        return str(self.text_view.textCursor().selectedText())

    def clear(self) -> None:
        self.document = None
        self.banner.clear_marking()
        self.footer_banner.clear_marking()
        self.title_label.clear()
        self.meta_label.clear()
        self.text_view.clear()
        if self._pdf_reader is not None:
            self._pdf_reader.clear()
        self.stack.setCurrentWidget(self.placeholder)
