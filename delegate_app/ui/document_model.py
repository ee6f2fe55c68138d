"""A list model over document summaries, fetched page by page so 10,000 documents open fast."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import DocumentKind, DocumentSummary
from delegate_app.core.formatting import format_date
from delegate_app.i18n import _

PAGE_SIZE = 200
SummaryRole = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


class DocumentListModel(QAbstractListModel):
    def __init__(self) -> None:
        super().__init__()
        self._library: Library | None = None
        self._rows: list[DocumentSummary] = []
        self._total = 0
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
        self._total = 0
        if library is not None:
            self._rows = library.documents(limit=PAGE_SIZE, **self._filters)
            self._total = len(self._rows) + (1 if len(self._rows) == PAGE_SIZE else 0)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def canFetchMore(self, parent: Index) -> bool:  # noqa: N802
        return not parent.isValid() and self._total > len(self._rows)

    def fetchMore(self, parent: Index) -> None:  # noqa: N802
        if self._library is None or parent.isValid():
            return
        more = self._library.documents(limit=PAGE_SIZE, offset=len(self._rows), **self._filters)
        if not more:
            self._total = len(self._rows)
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more) - 1)
        self._rows.extend(more)
        self._total = len(self._rows) + (1 if len(more) == PAGE_SIZE else 0)
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
        from dataclasses import replace

        self._rows[row] = replace(self._rows[row], is_read=True)
        index = self.index(row)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.FontRole])

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        summary = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            details = " · ".join(
                part
                for part in (summary.classification, summary.event or "",
                             format_date(summary.updated_at))
                if part
            )  # fmt: skip
            return f"{summary.title}\n{details}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return _("{kind}: {title}").format(kind=_(summary.kind.label), title=summary.title)
        if role == Qt.ItemDataRole.FontRole and not summary.is_read:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.AccessibleTextRole:
            state = _("unread") if not summary.is_read else _("read")
            return f"{summary.title}, {summary.classification}, {state}"
        if role == SummaryRole:
            return summary
        return None
