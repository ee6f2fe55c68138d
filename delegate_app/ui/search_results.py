"""Search hits with highlighted snippets (HTML-escaped, matches in bold)."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QWidget

from delegate_app.core.documents.models import SearchHit
from delegate_app.i18n import _
from delegate_app.ui.retranslate import is_language_change


def snippet_html(hit: SearchHit) -> str:
    body = "".join(
        f"<b>{html.escape(text)}</b>" if marked else html.escape(text)
        for text, marked in hit.snippet_parts
    )
    title = html.escape(hit.document.title)
    return f"<div><b>{title}</b><br><span style='color:#444'>{' '.join(body.split())}</span></div>"


class SearchResultsWidget(QListWidget):
    document_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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

    def show_hits(self, hits: list[SearchHit]) -> None:
        self.clear()
        self.hits = hits
        for hit in hits:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, hit.document.id)
            item.setData(
                Qt.ItemDataRole.AccessibleTextRole, f"{hit.document.title}: {hit.snippet_text}"
            )
            label = QLabel(snippet_html(hit))
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)
            label.setContentsMargins(6, 4, 6, 4)
            item.setSizeHint(label.sizeHint())
            self.addItem(item)
            self.setItemWidget(item, label)

    def _activate(self, item: QListWidgetItem) -> None:
        self.document_chosen.emit(int(item.data(Qt.ItemDataRole.UserRole)))
