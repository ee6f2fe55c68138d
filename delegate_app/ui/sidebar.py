"""The sidebar: who is signed in, and the sections the registered pages show."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from delegate_app.i18n import _
from delegate_app.ui.icons import ui_icon
from delegate_app.ui.pages import Section
from delegate_app.ui.plain_text import show_as_plain_text
from delegate_app.ui.retranslate import is_language_change

MIN_WIDTH, MAX_WIDTH = 160, 340
SIDEBAR_ICON_COLOUR = "#dfe6ef"  # the section names' colour on the navy (delegate.qss)
SCROLLBAR_ROOM = 4


class SidebarWidget(QWidget):
    section_selected = Signal(str)  # the section key

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("appSidebar")  # not "sidebar": Qt's file dialog has a child so named
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.title_label = QLabel()
        self.title_label.setObjectName("sidebarTitle")
        self.subtitle_label = QLabel()
        self.subtitle_label.setObjectName("sidebarSubtitle")
        self.subtitle_label.setWordWrap(True)
        show_as_plain_text(self.title_label, self.subtitle_label)
        self.list = QListWidget()
        self.list.setObjectName("sidebarList")
        self.list.setIconSize(QSize(18, 18))
        self.list.setUniformItemSizes(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 8)
        layout.setSpacing(0)
        layout.addWidget(self.title_label)
        layout.addWidget(self.subtitle_label)
        layout.addWidget(self.list, 1)
        self.sections: list[Section] = []
        self.list.currentRowChanged.connect(self._emit)
        self.setFocusProxy(self.list)
        self._align_identity()
        self.retranslate_ui()

    def add_section(self, section: Section) -> None:
        self.sections.append(section)
        item = QListWidgetItem(_(section.label))
        if section.icon:
            item.setIcon(ui_icon(section.icon, SIDEBAR_ICON_COLOUR))
        self.list.addItem(item)
        self._fit_width()

    def set_identity(self, name: str, organisation: str) -> None:
        """Dynamic data: the profile's name and mission, shown above the sections."""
        self.title_label.setText(name)
        self.subtitle_label.setText(organisation)
        self.subtitle_label.setVisible(bool(organisation))

    def retranslate_ui(self) -> None:
        self.list.setAccessibleName(_("Sections"))
        for row, section in enumerate(self.sections):
            self.list.item(row).setText(_(section.label))
        self._fit_width()

    def _fit_width(self) -> None:
        """Wide enough for the longest section name in this language ("Документы с изложением
        позиции" is twice "Position papers"), within a bound a long name cannot push past."""
        needed = self.list.sizeHintForColumn(0) + 2 * self.list.frameWidth() + SCROLLBAR_ROOM
        self.list.setMinimumWidth(min(MAX_WIDTH, max(MIN_WIDTH, needed)))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        if event.type() == QEvent.Type.LayoutDirectionChange:
            self._align_identity()
        super().changeEvent(event)

    def _align_identity(self) -> None:
        """Name and mission on the interface's leading edge, like the sections below them.

        A label aligns a Latin name to the left even in the Arabic interface (it follows the
        text's own direction), so the edge is given absolutely.
        """
        edge = Qt.AlignmentFlag.AlignRight if self.isRightToLeft() else Qt.AlignmentFlag.AlignLeft
        for label in (self.title_label, self.subtitle_label):
            label.setAlignment(
                edge | Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignVCenter
            )

    def current_section(self) -> Section | None:
        row = self.list.currentRow()
        return self.sections[row] if 0 <= row < len(self.sections) else None

    def select(self, key: str) -> None:
        for row, section in enumerate(self.sections):
            if section.key == key:
                self.list.setCurrentRow(row)
                return

    def _emit(self, row: int) -> None:
        if 0 <= row < len(self.sections):
            self.section_selected.emit(self.sections[row].key)
