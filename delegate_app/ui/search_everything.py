"""Edit → Search everything (Ctrl+Shift+F): documents, messages and comment threads at once,
grouped by kind; activating a hit opens it where it lives (a message in its conversation)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from delegate_app.core.documents.models import SearchHit
from delegate_app.core.errors import DelegateError
from delegate_app.core.formatting import format_datetime
from delegate_app.core.search import CommentHit, MessageHit, Results
from delegate_app.i18n import _, ngettext
from delegate_app.ui.bidi import isolate
from delegate_app.ui.retranslate import is_language_change
from delegate_app.ui.session import Session

SEARCH_DELAY_MS = 250
HIT_ROLE = Qt.ItemDataRole.UserRole + 1


def _snippet(parts: tuple[tuple[str, bool], ...]) -> str:
    return " ".join("".join(text for text, _ in parts).split())


class SearchEverythingDialog(QDialog):
    """Plain-text results: every line built here from outside text goes into a tree item's
    text, which Qt never interprets as markup."""

    document_chosen = Signal(int)  # document id
    message_chosen = Signal(int, int)  # conversation id, message id

    def __init__(
        self, session: Session, name_of: Callable[[str], str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.name_of = name_of  # identity key → the name the user knows them by
        self.setObjectName("searchEverything")
        self.query_edit = QLineEdit()
        self.query_edit.setClearButtonEnabled(True)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:  # Enter searches or opens a hit, never closes
            close.setAutoDefault(False)
            close.setDefault(False)
        layout = QVBoxLayout(self)
        for widget in (self.query_edit, self.summary, self.tree, self.buttons):
            layout.addWidget(widget)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.timer.timeout.connect(self.run_search)
        self.query_edit.textChanged.connect(self.timer.start)
        self.query_edit.returnPressed.connect(self._search_now)
        self.tree.itemActivated.connect(self._activated)
        self.buttons.rejected.connect(self.reject)
        self.results = Results()
        self.resize(720, 520)
        self.retranslate_ui()

    def _search_now(self) -> None:
        self.timer.stop()
        self.run_search()
        group = self.tree.topLevelItem(0)
        first = group.child(0) if group is not None else None
        if first is not None:
            self.tree.setCurrentItem(first)
            self.tree.setFocus()

    def run_search(self) -> None:
        query = self.query_edit.text()
        try:
            self.results = self.session.search_everything(query) if query.strip() else Results()
        except DelegateError as exc:
            self.summary.setText(str(exc))
            return
        self._fill()

    def _fill(self) -> None:
        self.tree.clear()
        results = self.results
        groups = (
            (_("Documents"), results.documents),
            (_("Messages"), results.messages),
            (_("Comments"), results.comments),
        )
        for title, hits in groups:
            if not hits:
                continue
            group = QTreeWidgetItem(self.tree, [f"{title} ({len(hits)})"])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            for hit in hits:
                item = QTreeWidgetItem(group, [self._line(hit)])
                item.setData(0, HIT_ROLE, hit)
                item.setToolTip(0, self._line(hit))
            group.setExpanded(True)
        query = self.query_edit.text().strip()
        if not query:
            self.summary.clear()
        elif not results.count:
            self.summary.setText(_("Nothing found."))
        else:
            count = results.count
            self.summary.setText(
                ngettext(
                    "{count} found. Enter opens the selected one.",
                    "{count} found. Enter opens the selected one.",
                    count,
                ).format(count=count)
            )

    def _who(self, key: str | None) -> str:
        return _("you") if key is None else self.name_of(key)

    def _line(self, hit: object) -> str:
        if isinstance(hit, SearchHit):
            return f"{isolate(hit.document.title)} — {isolate(_snippet(hit.snippet_parts))}"
        if isinstance(hit, MessageHit):
            when = format_datetime(hit.sent_at, "short")
            return (f"{isolate(self._who(hit.sender_key))} · {isolate(when)} — "
                    f"{isolate(_snippet(hit.snippet_parts))}")  # fmt: skip
        if isinstance(hit, CommentHit):
            title = hit.document_title or _("(a document not in your vault)")
            return (f"{isolate(title)} · {isolate(self._who(hit.author_key))} — "
                    f"{isolate(_snippet(hit.snippet_parts))}")  # fmt: skip
        return ""

    def clear(self) -> None:
        """Forget the query and the results (before the vault locks)."""
        self.timer.stop()
        self.query_edit.clear()
        self.results = Results()
        self.tree.clear()
        self.summary.clear()

    def _activated(self, item: QTreeWidgetItem) -> None:
        hit = item.data(0, HIT_ROLE)
        if hit is None:
            return
        self.accept()  # out of the way: the hit opens in the main window (reopening keeps it)
        if isinstance(hit, SearchHit):
            self.document_chosen.emit(hit.document.id)
        elif isinstance(hit, CommentHit) and hit.document_id is not None:
            self.document_chosen.emit(hit.document_id)
        elif isinstance(hit, MessageHit):
            self.message_chosen.emit(hit.conversation_id, hit.message_id)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Search everything"))
        self.query_edit.setPlaceholderText(
            _('Search documents, messages and comments — "quotes" for an exact phrase')
        )
        self.query_edit.setAccessibleName(_("Search everything"))
        self.tree.setAccessibleName(_("Results"))
        if self.query_edit.text().strip():
            self._fill()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)
