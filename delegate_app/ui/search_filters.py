"""The filters of Search everything: what to search (everything, documents, messages or
comments), a document section, event and classification, a conversation and a date range,
mapped to the core's :class:`Scope` and :class:`Filters`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QGridLayout, QLabel, QWidget

from delegate_app.core.documents.models import DocumentKind
from delegate_app.core.search import Filters, Scope
from delegate_app.i18n import N_, _
from delegate_app.ui.bidi import isolate
from delegate_app.ui.search_results import SECTION_NAMES

NO_DATE = QDate(2000, 1, 1)  # the lowest date of the date edits stands for "no bound"
IN_CHOICES = (
    (N_("Everything"), tuple(Scope)),
    (N_("Documents"), (Scope.DOCUMENTS,)),
    (N_("Messages"), (Scope.MESSAGES,)),
    (N_("Comments"), (Scope.COMMENTS,)),
)


def _day_start(day: QDate) -> datetime:
    """Midnight at the start of ``day`` in local time, as an aware datetime."""
    return datetime(day.year(), day.month(), day.day()).astimezone()


class SearchFiltersWidget(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchFilters")
        self.scope_combo = QComboBox()
        self.section_combo = QComboBox()
        self.event_combo = QComboBox()
        self.classification_combo = QComboBox()
        self.conversation_combo = QComboBox()
        for combo in (self.event_combo, self.conversation_combo):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(10)
        self.since_edit = QDateEdit()
        self.until_edit = QDateEdit()
        for edit in (self.since_edit, self.until_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")  # unambiguous in every language
            edit.setMinimumDate(NO_DATE)
            edit.setDate(NO_DATE)
        self.labels = [QLabel() for _n in range(7)]
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        combos = self._combos()
        controls: tuple[QWidget, ...] = (*combos, self.since_edit, self.until_edit)
        for n, (label, control) in enumerate(zip(self.labels, controls, strict=True)):
            label.setBuddy(control)
            grid.addWidget(label, (n // 4) * 2, n % 4)
            grid.addWidget(control, (n // 4) * 2 + 1, n % 4)
        for combo in combos:
            combo.currentIndexChanged.connect(self._changed)
        self.since_edit.dateChanged.connect(self._changed)
        self.until_edit.dateChanged.connect(self._changed)
        self._conversations: Sequence[tuple[int, str]] = ()
        self.retranslate_ui()

    def _combos(self) -> tuple[QComboBox, ...]:
        return (self.scope_combo, self.section_combo, self.event_combo,
                self.classification_combo, self.conversation_combo)  # fmt: skip

    def _changed(self, *_args: object) -> None:
        documents = Scope.DOCUMENTS in self.scopes()
        for combo in (self.section_combo, self.event_combo, self.classification_combo):
            combo.setEnabled(documents)
        self.conversation_combo.setEnabled(Scope.MESSAGES in self.scopes())
        self.changed.emit()

    def fill(
        self,
        events: Sequence[str],
        classifications: Sequence[str],
        conversations: Sequence[tuple[int, str]],
    ) -> None:
        """The choices of the vault now (kept where they still exist)."""
        self._conversations = conversations
        choices: tuple[tuple[QComboBox, Sequence[tuple[object, str]]], ...] = (
            (self.event_combo, [(e, e) for e in events]),
            (self.classification_combo, [(c, c) for c in classifications]),
            (self.conversation_combo, [(i, isolate(label)) for i, label in conversations]),
        )
        for combo, values in choices:
            current = combo.currentData()
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for value, label in values:
                combo.addItem(label, value)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)

    def scopes(self) -> tuple[Scope, ...]:
        index = max(0, self.scope_combo.currentIndex())
        return IN_CHOICES[index][1]

    def filters(self) -> Filters:
        since = self.since_edit.date()
        until = self.until_edit.date()
        kind = self.section_combo.currentData()  # Qt hands an enum's value back as a str
        return Filters(
            kind=DocumentKind(kind) if kind else None,
            event=self.event_combo.currentData(),
            classification=self.classification_combo.currentData(),
            conversation_id=self.conversation_combo.currentData(),
            since=None if since == NO_DATE else _day_start(since),
            until=None if until == NO_DATE else _day_start(until) + timedelta(days=1),
        )

    def is_narrowed(self) -> bool:
        return self.scopes() != tuple(Scope) or self.filters() != Filters()

    def reset(self) -> None:
        """Everything, no filter: what "Search everywhere" offers when nothing matched."""
        for combo in self._combos():
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        for edit in (self.since_edit, self.until_edit):
            edit.blockSignals(True)
            edit.setDate(NO_DATE)
            edit.blockSignals(False)
        self._changed()

    def retranslate_ui(self) -> None:
        names = (_("In"), _("Section"), _("Event"), _("Classification"), _("Conversation"),
                 _("From"), _("To"))  # fmt: skip
        for label, name in zip(self.labels, names, strict=True):
            label.setText(name)
        self._set_items(
            self.scope_combo, [(_(label), n) for n, (label, _s) in enumerate(IN_CHOICES)]
        )
        self._set_items(
            self.section_combo,
            [(_("Any section"), None)]
            + [(_(name), kind.value) for kind, name in SECTION_NAMES.items()],
        )
        for combo, first in ((self.event_combo, _("Any event")),
                             (self.classification_combo, _("Any classification")),
                             (self.conversation_combo, _("Any conversation"))):  # fmt: skip
            if combo.count():
                combo.setItemText(0, first)
            else:
                combo.addItem(first, None)
        for edit in (self.since_edit, self.until_edit):
            edit.setSpecialValueText(_("any day"))
        self.since_edit.setToolTip(_("Only what was sent, written or changed from this day on"))
        self.until_edit.setToolTip(_("Only what was sent, written or changed up to this day"))

    @staticmethod
    def _set_items(combo: QComboBox, items: Sequence[tuple[str, object]]) -> None:
        current = max(0, combo.currentIndex())
        combo.blockSignals(True)
        combo.clear()
        for text, data in items:
            combo.addItem(text, data)
        combo.setCurrentIndex(min(current, combo.count() - 1))
        combo.blockSignals(False)
