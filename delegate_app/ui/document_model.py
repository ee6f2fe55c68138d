"""A list model over document summaries, fetched a page at a time so 10,000 documents open fast.

Only summaries (title, marking, event, dates, read state) are loaded, never bodies; the view
asks for more rows through ``canFetchMore``/``fetchMore`` as the user scrolls.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import DocumentKind, DocumentSummary
from delegate_app.core.formatting import format_date
from delegate_app.i18n import _
from delegate_app.ui.bidi import join_isolated
from delegate_app.ui.plain_text import plain_tooltip

PAGE_SIZE = 200
SummaryRole = Qt.ItemDataRole.UserRole + 1
DetailsRole = Qt.ItemDataRole.UserRole + 2
Index = QModelIndex | QPersistentModelIndex


class DocumentListModel(QAbstractListModel):
    def __init__(self) -> None:
        super().__init__()
        self._library: Library | None = None
        self._rows: list[DocumentSummary] = []
        self._more = False
        self._filters: dict[str, Any] = {}

    def set_source(
        self,
        library: Library | None,
        *,
        kind: DocumentKind | None = None,
        event: str | None = None,
        classification: str | None = None,
    ) -> None:
        self.beginResetModel()
        self._library = library
        self._filters = {"kind": kind, "event": event, "classification": classification}
        self._rows = []
        self._more = False
        if library is not None:
            self._rows = library.documents(limit=PAGE_SIZE, **self._filters)
            self._more = len(self._rows) == PAGE_SIZE
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def canFetchMore(self, parent: Index) -> bool:  # noqa: N802 - Qt API
        return not parent.isValid() and self._more and self._library is not None

    def fetchMore(self, parent: Index) -> None:  # noqa: N802 - Qt API
        if self._library is None or parent.isValid() or not self._more:
            return
        more = self._library.documents(limit=PAGE_SIZE, offset=len(self._rows), **self._filters)
        self._more = len(more) == PAGE_SIZE
        if not more:
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    def summary(self, row: int) -> DocumentSummary:
        return self._rows[row]

    def row_of(self, doc_id: int) -> int | None:
        for row, summary in enumerate(self._rows):
            if summary.id == doc_id:
                return row
        return None

    def mark_read(self, doc_id: int) -> None:
        row = self.row_of(doc_id)
        if row is None:
            return
        self._rows[row] = replace(self._rows[row], is_read=True)
        index = self.index(row)
        self.dataChanged.emit(index, index)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        summary = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return summary.title
        if role == DetailsRole:
            return join_isolated((summary.event or "", format_date(summary.updated_at)))
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = _("{kind}: {title}").format(kind=_(summary.kind.label), title=summary.title)
            return plain_tooltip(tip)
        if role == Qt.ItemDataRole.FontRole and not summary.is_read:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.AccessibleTextRole:
            template = (
                _("{title}, {marking}, unread") if not summary.is_read
                else _("{title}, {marking}")
            )  # fmt: skip
            return template.format(title=summary.title, marking=summary.classification)
        if role == SummaryRole:
            return summary
        return None
