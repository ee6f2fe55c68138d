"""Find in the open PDF: QPdfSearchModel finds the matches (page by page, in the background),
the view highlights them all and frames the current one, the bar counts them."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtPdf import QPdfSearchModel
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from delegate_app.i18n import _, ngettext
from delegate_app.ui.pdf_view import PdfViewWidget

SEARCH_QUIET_MS = 300


class PdfFindBar(QWidget):
    def __init__(self, view: PdfViewWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfFindBar")
        self.view = view
        self.model = QPdfSearchModel(self)
        self.model.setDocument(view.pdf)
        self.current = -1
        self._start_page = 0  # the first match shown is the first from this page on
        self.edit = QLineEdit()
        self.edit.setObjectName("pdfFindEdit")
        self.edit.setClearButtonEnabled(True)
        self.previous_button = QToolButton()
        self.next_button = QToolButton()
        self.count_label = QLabel()
        self.count_label.setObjectName("pdfFindCount")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.close_button = QToolButton()
        for button in (self.previous_button, self.next_button, self.close_button):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            button.setAutoRaise(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.setSpacing(4)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.previous_button)
        layout.addWidget(self.next_button)
        layout.addWidget(self.count_label)
        layout.addWidget(self.close_button)
        self.edit.textChanged.connect(self._search)
        self.edit.installEventFilter(self)
        self.previous_button.clicked.connect(self.find_previous)
        self.next_button.clicked.connect(self.find_next)
        self.close_button.clicked.connect(self.close_bar)
        self.model.countChanged.connect(self._results_changed)
        # Qt 6.12 says when a search has finished; before it, a search counts as finished once
        # no match has come for a moment (the model searches a few pages per event-loop turn).
        status_changed = getattr(self.model, "statusChanged", None)
        self._quiet: QTimer | None = None
        if status_changed is not None:
            status_changed.connect(self._results_changed)
        else:
            self._quiet = QTimer(self)
            self._quiet.setSingleShot(True)
            self._quiet.setInterval(SEARCH_QUIET_MS)
            self.model.countChanged.connect(self._quiet.start)
            self._quiet.timeout.connect(self._results_changed)
        self.setVisible(False)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.edit.setPlaceholderText(_("Find in document"))
        self.edit.setAccessibleName(_("Find in document"))
        self.previous_button.setText("▲")
        self.previous_button.setToolTip(_("Previous match (Shift+F3)"))
        self.previous_button.setAccessibleName(_("Previous match"))
        self.next_button.setText("▼")
        self.next_button.setToolTip(_("Next match (F3)"))
        self.next_button.setAccessibleName(_("Next match"))
        self.close_button.setText("✕")
        self.close_button.setToolTip(_("Close find (Esc)"))
        self.close_button.setAccessibleName(_("Close find"))
        self._update_label()

    @property
    def count(self) -> int:
        return int(self.model.count()) if self.edit.text() else 0

    @property
    def searching(self) -> bool:
        if not self.edit.text():
            return False
        if self._quiet is not None:
            return self._quiet.isActive()
        finished = getattr(QPdfSearchModel, "Status").Finished  # noqa: B009 - Qt 6.12 and later
        return bool(self.model.status() != finished)  # type: ignore[attr-defined]

    def open_bar(self) -> None:
        self.setVisible(True)
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.edit.selectAll()

    def close_bar(self) -> None:
        self.setVisible(False)
        self.edit.clear()
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def document_changed(self) -> None:
        """A new PDF is shown: search it for what the field holds."""
        self._search(self.edit.text())

    def _search(self, text: str) -> None:
        self.current = -1
        self._start_page = self.view.current_page()
        self.model.setSearchString(text)
        if self._quiet is not None and text:
            self._quiet.start()
        self.view.setSearchModel(self.model if text else None)  # type: ignore[arg-type]
        self.view.setCurrentSearchResultIndex(-1)
        self._update_label()

    def _results_changed(self, *_args: object) -> None:
        if self.current < 0 and self.count:
            first = next(
                (i for i in range(self.count)
                 if self.model.resultAtIndex(i).page() >= self._start_page),
                None,
            )  # fmt: skip
            if first is None and not self.searching:
                first = 0  # nothing after where the reader was: wrap to the first match
            if first is not None:
                self._show(first)
        self._update_label()

    def find_next(self) -> None:
        if self.count:
            self._show((self.current + 1) % self.count)

    def find_previous(self) -> None:
        if self.count:
            self._show((self.current - 1) % self.count if self.current >= 0 else self.count - 1)

    def _show(self, index: int) -> None:
        self.current = index
        self.view.setCurrentSearchResultIndex(index)
        result = self.model.resultAtIndex(index)
        self.view.scroll_to_point(result.page(), result.location())
        self._update_label()

    def _update_label(self) -> None:
        count = self.count
        if not self.edit.text():
            text = ""
        elif count and self.current >= 0:
            # TRANSLATORS: the match shown and how many were found, e.g. "3 of 12"
            text = _("{index} of {count}").format(index=self.current + 1, count=count)
        elif count:
            text = ngettext("{count} match", "{count} matches", count).format(count=count)
        elif self.searching:
            text = _("Searching…")
        else:
            text = _("No matches")
        self.count_label.setText(text)
        for button in (self.previous_button, self.next_button):
            button.setEnabled(count > 0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.edit and isinstance(event, QKeyEvent):
            if event.type() != QEvent.Type.KeyPress:
                return False
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                    self.find_previous()
                else:
                    self.find_next()
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.close_bar()
                return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Escape:
            self.close_bar()
            return
        super().keyPressEvent(event)
