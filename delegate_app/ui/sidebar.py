"""The sidebar: who is signed in, and the sections the registered pages show.

A section can carry a count (the Messages entry: unread messages), painted as a badge.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from delegate_app.i18n import _, ngettext
from delegate_app.ui.conversation_list_delegate import badge_width, paint_badge
from delegate_app.ui.icons import ui_icon
from delegate_app.ui.pages import Section
from delegate_app.ui.plain_text import show_as_plain_text
from delegate_app.ui.retranslate import is_language_change

MIN_WIDTH, MAX_WIDTH = 160, 340
SIDEBAR_ICON_COLOUR = "#dfe6ef"  # the section names' colour on the navy (delegate.qss)
SCROLLBAR_ROOM = 4
BADGE_ROLE = Qt.ItemDataRole.UserRole + 1  # a count shown beside the section's name
BADGE_MARGIN = 10


class SectionItemDelegate(QStyledItemDelegate):
    """The style's own row, with the section's count as a badge at its trailing edge."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        super().paint(painter, option, index)
        count = int(index.data(BADGE_ROLE) or 0)
        if count <= 0:
            return
        rect = option.rect
        width = badge_width(option.font, count)
        area = QRect(rect.right() - BADGE_MARGIN - width, rect.top(), width, rect.height())
        paint_badge(
            painter,
            option.font,
            QStyle.visualRect(option.direction, rect, area),
            count,
        )


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
        self.list.setItemDelegate(SectionItemDelegate(self.list))
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

    def set_badge(self, key: str, count: int) -> None:
        """Show ``count`` beside the section (0: no badge)."""
        for row, section in enumerate(self.sections):
            if section.key == key:
                item = self.list.item(row)
                item.setData(BADGE_ROLE, max(0, count))
                self._set_accessible(item, section)

    def badge(self, key: str) -> int:
        for row, section in enumerate(self.sections):
            if section.key == key:
                return int(self.list.item(row).data(BADGE_ROLE) or 0)
        return 0

    def _set_accessible(self, item: QListWidgetItem, section: Section) -> None:
        count = int(item.data(BADGE_ROLE) or 0)
        # TRANSLATORS: spoken for a sidebar section with unread messages: "Messages, 3 unread"
        spoken = ngettext("{section}, {count} unread", "{section}, {count} unread", count)
        item.setData(
            Qt.ItemDataRole.AccessibleTextRole,
            spoken.format(section=_(section.label), count=count) if count else _(section.label),
        )

    def set_identity(self, name: str, organisation: str) -> None:
        """Dynamic data: the profile's name and mission, shown above the sections."""
        self.title_label.setText(name)
        self.subtitle_label.setText(organisation)
        self.subtitle_label.setVisible(bool(organisation))

    def retranslate_ui(self) -> None:
        self.list.setAccessibleName(_("Sections"))
        for row, section in enumerate(self.sections):
            self.list.item(row).setText(_(section.label))
            self._set_accessible(self.list.item(row), section)
        self._fit_width()

    def _fit_width(self) -> None:
        """Wide enough for the longest section name in this language ("Документы с изложением
        позиции" is twice "Position papers") and a badge, within a bound a long name cannot
        push past."""
        badge = badge_width(self.list.font(), 999) + BADGE_MARGIN
        needed = (
            self.list.sizeHintForColumn(0) + badge + 2 * self.list.frameWidth() + SCROLLBAR_ROOM
        )
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
