"""Edit → Search everything (Ctrl+Shift+F): documents, messages and comment threads at once,
grouped by kind, narrowed by filters, a page at a time ("More results"); activating a hit opens
it where it lives (a message selected in its conversation)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from delegate_app.core.documents.models import SearchHit
from delegate_app.core.errors import DelegateError
from delegate_app.core.formatting import format_datetime
from delegate_app.core.search import CommentHit, MessageHit, Results, Scope
from delegate_app.i18n import _, ngettext
from delegate_app.ui.bidi import isolate
from delegate_app.ui.retranslate import is_language_change
from delegate_app.ui.search_filters import SearchFiltersWidget
from delegate_app.ui.session import Session

SEARCH_DELAY_MS = 250
PAGE = 50  # hits of each kind per page
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
        self.filters = SearchFiltersWidget()
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.widen_button = QPushButton()  # nothing found with filters: search everywhere
        self.widen_button.setAutoDefault(False)
        self.widen_button.hide()
        self.more_button = QPushButton()
        self.more_button.setAutoDefault(False)
        self.more_button.hide()
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:  # Enter searches or opens a hit, never closes
            close.setAutoDefault(False)
            close.setDefault(False)
        layout = QVBoxLayout(self)
        for widget in (self.query_edit, self.filters, self.summary, self.widen_button, self.tree,
                       self.more_button, self.buttons):  # fmt: skip
            layout.addWidget(widget)
        for button in (self.widen_button, self.more_button):
            layout.setAlignment(button, Qt.AlignmentFlag.AlignLeading)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.timer.timeout.connect(self.run_search)
        self.query_edit.textChanged.connect(self.timer.start)
        self.query_edit.returnPressed.connect(self._search_now)
        self.tree.itemActivated.connect(self._activated)
        self.buttons.rejected.connect(self.reject)
        self.filters.changed.connect(self.timer.start)
        self.more_button.clicked.connect(self.more_results)
        self.widen_button.clicked.connect(self.filters.reset)
        self.results = Results()
        self.offset = 0  # of the last page fetched
        self.more_scopes: tuple[Scope, ...] = ()  # the kinds whose last page was full
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

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        self.refresh_filters()
        super().showEvent(event)

    def refresh_filters(self) -> None:
        """The events, classifications and conversations of the vault now."""
        if not self.session.is_unlocked:
            return
        library = self.session.library
        messenger = self.session.mailroom.messenger
        conversations = [
            (c.id, c.title or ", ".join(self.name_of(k) for k in c.members))
            for c in messenger.conversations()
        ]
        self.filters.fill(library.events(), library.classifications(), conversations)

    def run_search(self) -> None:
        """The first page of each kind for the query and filters."""
        self.offset = 0
        self.results = self._page(self.filters.scopes(), 0)
        self._fill()

    def more_results(self) -> None:
        """The next page of each kind whose last page was full, after those shown."""
        if not self.more_scopes:
            return
        shown = self.results.count
        self.offset += PAGE
        more = self._page(self.more_scopes, self.offset)
        self.results = Results(
            self.results.documents + more.documents,
            self.results.messages + more.messages,
            self.results.comments + more.comments,
        )
        self._fill()
        first_new = self._item_at(shown)
        if first_new is not None:
            self.tree.setCurrentItem(first_new)
            self.tree.scrollToItem(first_new)

    def _page(self, scopes: tuple[Scope, ...], offset: int) -> Results:
        query = self.query_edit.text()
        if not query.strip():
            self.more_scopes = ()
            return Results()
        try:
            page = self.session.search_everything(
                query, scopes=scopes, filters=self.filters.filters(), limit=PAGE, offset=offset
            )
        except DelegateError as exc:
            self.summary.setText(str(exc))
            self.more_scopes = ()
            return Results()
        kinds = ((Scope.DOCUMENTS, page.documents), (Scope.MESSAGES, page.messages),
                 (Scope.COMMENTS, page.comments))  # fmt: skip
        self.more_scopes = tuple(scope for scope, hits in kinds if len(hits) >= PAGE)
        return page

    def _item_at(self, position: int) -> QTreeWidgetItem | None:
        """The ``position``-th hit in the order the groups show them."""
        for n in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(n)
            if group is None:
                continue
            if position < group.childCount():
                return group.child(position)
            position -= group.childCount()
        return None

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
        self.more_button.setVisible(bool(query and self.more_scopes))
        narrowed = self.filters.is_narrowed()
        self.widen_button.setVisible(bool(query) and not results.count and narrowed)
        if not query:
            self.summary.clear()
        elif not results.count:
            self.summary.setText(
                _("Nothing matched “{query}” with these filters.").format(query=isolate(query))
                if narrowed
                else _("Nothing matched “{query}” in documents, messages or comments.").format(
                    query=isolate(query)
                )
            )
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
        self.more_scopes = ()
        self.tree.clear()
        self.summary.clear()
        self.more_button.hide()
        self.widen_button.hide()
        self.filters.fill((), (), ())  # nothing of the vault stays in the choices

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
        self.more_button.setText(_("More results"))
        self.widen_button.setText(_("Search everywhere, without filters"))
        self.filters.retranslate_ui()
        if self.query_edit.text().strip():
            self._fill()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)
