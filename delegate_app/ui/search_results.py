"""Search hits with snippets: document text HTML-escaped, the matched words in bold, each hit's
section shown when the search covers every section; and what shows when nothing matched."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from delegate_app.core.documents.models import DocumentKind, SearchHit
from delegate_app.i18n import N_, _
from delegate_app.ui.retranslate import is_language_change
from delegate_app.ui.style import use_soft_selection

SECTION_NAMES = {
    DocumentKind.BRIEFING: N_("Briefings"),
    DocumentKind.POSITION_PAPER: N_("Position papers"),
    DocumentKind.NOTE: N_("Notes"),
}


def snippet_html(hit: SearchHit, *, with_section: bool = False) -> str:
    """The hit as rich text. Every piece of document text is escaped; only our tags remain."""
    body = "".join(
        f"<b>{html.escape(text)}</b>" if highlighted else html.escape(text)
        for text, highlighted in hit.snippet_parts
    )
    title = html.escape(hit.document.title)
    marking = html.escape(hit.document.classification)
    if with_section:
        marking = html.escape(_(SECTION_NAMES[hit.document.kind])) + " · " + marking
    if not hit.exact:
        # TRANSLATORS: after a search hit's classification, when it matched another form of
        # the words searched for ("agreements" for "agreement")
        marking += " · " + html.escape(_("another form of the words"))
    return (
        f"<div><b>{title}</b><br>"
        f"<span style='color:#5b6876; font-size:small'>{marking}</span><br>"
        f"<span style='color:#323f4b'>{' '.join(body.split())}</span></div>"
    )


class SearchResultsWidget(QListWidget):
    document_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchResults")
        self.setWordWrap(True)
        self.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        use_soft_selection(self)
        self.hits: list[SearchHit] = []
        self.itemActivated.connect(self._activate)
        self.itemClicked.connect(self._activate)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setAccessibleName(_("Search results"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    def show_hits(self, hits: list[SearchHit], *, with_sections: bool = False) -> None:
        self.clear()
        self.hits = hits
        for hit in hits:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, hit.document.id)
            accessible = f"{hit.document.title}: {hit.snippet_text}"
            if with_sections:
                accessible = f"{_(SECTION_NAMES[hit.document.kind])}, {accessible}"
            if not hit.exact:
                accessible += " (" + _("another form of the words") + ")"
            item.setData(Qt.ItemDataRole.AccessibleTextRole, accessible)
            label = QLabel(snippet_html(hit, with_section=with_sections))
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)
            label.setContentsMargins(10, 6, 10, 6)
            self.addItem(item)
            self.setItemWidget(item, label)
        self._fit_rows()
        if hits:
            self.setCurrentRow(0)

    def _fit_rows(self) -> None:
        """Give each row the height its wrapped snippet needs at the current width."""
        width = max(120, self.viewport().width() - 2 * self.spacing())
        for row in range(self.count()):
            item = self.item(row)
            label = self.itemWidget(item)
            if label is not None:
                item.setSizeHint(QSize(width, label.heightForWidth(width)))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_rows()

    def clear(self) -> None:
        self.hits = []
        super().clear()

    def _activate(self, item: QListWidgetItem) -> None:
        self.document_chosen.emit(int(item.data(Qt.ItemDataRole.UserRole)))


class NoResultsWidget(QWidget):
    """Nothing matched: says so, with what was searched, and offers to widen the search (all
    sections, or without the filters) when it was narrowed."""

    widen_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noResults")
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # the query is the user's text
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setObjectName("placeholder")
        self.widen_button = QPushButton()
        self.widen_button.clicked.connect(self.widen_requested.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 24, 16, 16)
        layout.addWidget(self.message)
        layout.addWidget(self.widen_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)

    def show_nothing_matched(self, message: str, widen: str | None) -> None:
        """``widen``: the button's text, None when the search was as wide as it gets."""
        self.message.setText(message)
        self.widen_button.setVisible(widen is not None)
        self.widen_button.setText(widen or "")
