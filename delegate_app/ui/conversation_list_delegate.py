"""How one conversation looks in the list: name and verified mark, time, last message, unread.

Geometry is computed left to right and mirrored with ``QStyle.visualRect``. The name and the
preview are data in any script: each is elided first and then isolated, so an English
preview in the Arabic interface keeps its full stop where it belongs.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from delegate_app.core.formatting import format_number
from delegate_app.ui.bidi import in_direction, isolate

Index = QModelIndex | QPersistentModelIndex
PREVIEW_ROLE = Qt.ItemDataRole.UserRole + 2  # the last message (or draft), one line
TIME_ROLE = Qt.ItemDataRole.UserRole + 3  # when it was written, formatted
UNREAD_ROLE = Qt.ItemDataRole.UserRole + 4  # how many unread
VERIFIED_ROLE = Qt.ItemDataRole.UserRole + 5  # the contact's safety number was compared
MARGIN_H = 10
MARGIN_V = 7
LINE_GAP = 3
BADGE = "#2c5282"
VERIFIED = "#2f855a"
VERIFIED_MARK = "✔"


def preview_line(preview: str, *, right_to_left: bool) -> str:
    """The preview as drawn: isolated, in the interface's direction."""
    return in_direction(isolate(preview), right_to_left=right_to_left)


def _badge_font(font: QFont) -> QFont:
    badge_font = QFont(font)
    badge_font.setBold(True)
    badge_font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
    return badge_font


def _badge_text(count: int) -> str:
    return format_number(count) if count < 1000 else "999+"


def badge_width(font: QFont, count: int) -> int:
    metrics = QFontMetrics(_badge_font(font))
    return max(metrics.height() + 2, metrics.horizontalAdvance(_badge_text(count)) + 10)


def paint_badge(painter: QPainter, font: QFont, area: QRect, count: int) -> None:
    """A round unread count filling ``area``'s width, centred on it vertically."""
    badge_font = _badge_font(font)
    height = QFontMetrics(badge_font).height() + 2
    badge = QRect(area.left(), area.center().y() - height // 2 + 1, area.width(), height)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(BADGE))
    painter.drawRoundedRect(badge, height / 2, height / 2)
    painter.setFont(badge_font)
    painter.setPen(QColor("white"))
    painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, _badge_text(count))
    painter.restore()


class ConversationItemDelegate(QStyledItemDelegate):
    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont]:
        name = QFont(option.font)
        small = QFont(option.font)
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.9))
        return name, small

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        name, small = self._fonts(option)
        name.setBold(True)
        height = (
            2 * MARGIN_V + QFontMetrics(name).height() + LINE_GAP + QFontMetrics(small).height()
        )
        return QSize(220, height + 2)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        rect: QRect = opt.rect
        direction = opt.direction
        rtl = direction == Qt.LayoutDirection.RightToLeft
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = opt.palette
        text_colour = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        secondary = QColor(text_colour)
        secondary.setAlphaF(0.7)
        name_font, small_font = self._fonts(opt)
        unread = int(index.data(UNREAD_ROLE) or 0)
        name_font.setBold(unread > 0)
        name_metrics, small_metrics = QFontMetrics(name_font), QFontMetrics(small_font)
        leading = QStyle.visualAlignment(direction, Qt.AlignmentFlag.AlignLeft)
        trailing = QStyle.visualAlignment(direction, Qt.AlignmentFlag.AlignRight)
        left, right = rect.left() + MARGIN_H, rect.right() - MARGIN_H
        top = rect.top() + MARGIN_V

        painter.save()
        time_text = isolate(str(index.data(TIME_ROLE) or ""))
        time_width = small_metrics.horizontalAdvance(time_text)
        first = QRect(left, top, right - left, name_metrics.height())
        painter.setFont(small_font)
        painter.setPen(secondary)
        painter.drawText(
            QStyle.visualRect(direction, rect, first), trailing | Qt.AlignmentFlag.AlignVCenter,
            time_text,
        )  # fmt: skip
        verified = bool(index.data(VERIFIED_ROLE))
        mark_width = name_metrics.horizontalAdvance(f" {VERIFIED_MARK}") if verified else 0
        name_room = max(0, first.width() - time_width - 8 - mark_width)
        name = name_metrics.elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole) or ""), Qt.TextElideMode.ElideRight,
            name_room,
        )  # fmt: skip
        name = isolate(name)
        painter.setFont(name_font)
        painter.setPen(text_colour)
        name_rect = QRect(left, top, name_metrics.horizontalAdvance(name) + 1, first.height())
        painter.drawText(
            QStyle.visualRect(direction, rect, name_rect), leading | Qt.AlignmentFlag.AlignVCenter,
            name,
        )  # fmt: skip
        if verified:
            mark_rect = QRect(name_rect.right() + 1, top, mark_width + 2, first.height())
            painter.setPen(text_colour if selected else QColor(VERIFIED))
            painter.drawText(
                QStyle.visualRect(direction, rect, mark_rect),
                leading | Qt.AlignmentFlag.AlignVCenter, f" {VERIFIED_MARK}",
            )  # fmt: skip

        second = QRect(left, first.bottom() + 1 + LINE_GAP, right - left, small_metrics.height())
        room = second.width()
        if unread:
            width = badge_width(small_font, unread)
            area = QRect(right - width, second.top(), width, second.height())
            paint_badge(painter, small_font, QStyle.visualRect(direction, rect, area), unread)
            room -= width + 8
        preview = small_metrics.elidedText(
            str(index.data(PREVIEW_ROLE) or ""), Qt.TextElideMode.ElideRight,
            max(0, room),
        )  # fmt: skip
        painter.setFont(small_font)
        painter.setPen(secondary)
        painter.drawText(
            QStyle.visualRect(direction, rect, second), leading | Qt.AlignmentFlag.AlignVCenter,
            preview_line(preview, right_to_left=rtl),
        )  # fmt: skip
        painter.restore()
