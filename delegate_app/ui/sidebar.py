"""The sidebar: library sections. Later features register more sections here."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from delegate_app.core.documents.models import DocumentKind
from delegate_app.i18n import N_, _
from delegate_app.ui.retranslate import is_language_change


@dataclass(frozen=True)
class Section:
    key: str
    label: str  # untranslated; shown through _()
    kind: DocumentKind | None = None


LIBRARY_SECTIONS = (
    Section("briefings", N_("Briefings"), DocumentKind.BRIEFING),
    Section("position-papers", N_("Position papers"), DocumentKind.POSITION_PAPER),
    Section("notes", N_("Notes"), DocumentKind.NOTE),
)


class SidebarWidget(QListWidget):
    section_selected = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sections: list[Section] = []
        for section in LIBRARY_SECTIONS:
            self.add_section(section)
        self.currentRowChanged.connect(self._emit)
        self.setMaximumWidth(220)
        self.setStyleSheet("QListWidget::item { padding: 6px 8px; }")
        self.retranslate_ui()

    def add_section(self, section: Section) -> None:
        self.sections.append(section)
        self.addItem(QListWidgetItem(_(section.label)))

    def retranslate_ui(self) -> None:
        self.setAccessibleName(_("Sections"))
        for row, section in enumerate(self.sections):
            self.item(row).setText(_(section.label))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    def current_section(self) -> Section:
        return self.sections[max(0, self.currentRow())]

    def _emit(self, row: int) -> None:
        if 0 <= row < len(self.sections):
            self.section_selected.emit(self.sections[row])
