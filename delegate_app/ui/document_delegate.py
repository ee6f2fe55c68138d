"""How one document looks in the list: title (bold while unread), marking chip, event and date.

Geometry is computed left-to-right and mirrored with ``QStyle.visualRect`` so the row reads
correctly in right-to-left languages.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from delegate_app.ui.bidi import in_direction
from delegate_app.ui.classification import marking_colours
from delegate_app.ui.document_model import DetailsRole, SummaryRole

Index = QModelIndex | QPersistentModelIndex
MARGIN_H = 12
MARGIN_V = 8
LINE_GAP = 4
DOT = 8
CHIP_PAD = 6
SEPARATOR = "#e6e9ee"
UNREAD_DOT = "#2c5282"
FOCUS_RING = "#2c5282"


class DocumentItemDelegate(QStyledItemDelegate):
    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont, QFont]:
        title = QFont(option.font)
        small = QFont(option.font)
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.88))
        chip = QFont(small)
        chip.setBold(True)
        return title, small, chip

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        title, small, chip = self._fonts(option)
        title.setBold(True)
        height = (
            MARGIN_V * 2
            + QFontMetrics(title).height()
            + LINE_GAP
            + max(QFontMetrics(small).height(), QFontMetrics(chip).height() + 2)
        )
        return QSize(240, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        summary = index.data(SummaryRole)
        if summary is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)

        rect: QRect = opt.rect
        direction = opt.direction
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = opt.palette
        text_colour = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        secondary = QColor(text_colour)
        secondary.setAlphaF(0.72 if selected else 0.62)
        title_font, small_font, chip_font = self._fonts(opt)
        title_font.setBold(not summary.is_read)
        align = QStyle.visualAlignment(
            direction, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )

        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        # Titles and events are data in any script: let each text choose its own direction
        # (the row's geometry still follows the interface direction).
        painter.setLayoutDirection(Qt.LayoutDirection.LayoutDirectionAuto)
        left = rect.left() + MARGIN_H + DOT + 8
        width = rect.right() - MARGIN_H - left
        title_metrics = QFontMetrics(title_font)
        title_rect = QRect(left, rect.top() + MARGIN_V, width, title_metrics.height())
        if not summary.is_read:
            dot = QRect(rect.left() + MARGIN_H, title_rect.center().y() - DOT // 2, DOT, DOT)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(text_colour if selected else QColor(UNREAD_DOT))
            painter.drawEllipse(QStyle.visualRect(direction, rect, dot))
        painter.setFont(title_font)
        painter.setPen(text_colour)
        painter.drawText(
            QStyle.visualRect(direction, rect, title_rect),
            align,
            title_metrics.elidedText(summary.title, Qt.TextElideMode.ElideRight, width),
        )

        second_top = title_rect.bottom() + 1 + LINE_GAP
        chip_metrics = QFontMetrics(chip_font)
        marking = summary.classification
        chip_rect = QRect(
            left,
            second_top,
            min(width, chip_metrics.horizontalAdvance(marking) + 2 * CHIP_PAD),
            chip_metrics.height() + 2,
        )
        colours = marking_colours(marking)
        border = QColor(colours.foreground)
        border.setAlphaF(0.45)
        painter.setPen(border)  # keeps the chip visible on the selection colour too
        painter.setBrush(QColor(colours.background))
        visual_chip = QStyle.visualRect(direction, rect, chip_rect)
        painter.drawRoundedRect(visual_chip.adjusted(0, 0, -1, -1), 4, 4)
        painter.setFont(chip_font)
        painter.setPen(QColor(colours.foreground))
        painter.drawText(visual_chip, Qt.AlignmentFlag.AlignCenter, marking)

        details = in_direction(
            str(index.data(DetailsRole) or ""),
            right_to_left=direction == Qt.LayoutDirection.RightToLeft,
        )
        details_left = chip_rect.right() + 1 + 8
        details_rect = QRect(
            details_left, second_top, max(0, left + width - details_left), chip_rect.height()
        )
        small_metrics = QFontMetrics(small_font)
        painter.setFont(small_font)
        painter.setPen(secondary)
        painter.drawText(
            QStyle.visualRect(direction, rect, details_rect),
            align,
            small_metrics.elidedText(details, Qt.TextElideMode.ElideRight, details_rect.width()),
        )
        painter.setPen(QColor(SEPARATOR))
        painter.drawLine(
            rect.left() + MARGIN_H, rect.bottom(), rect.right() - MARGIN_H, rect.bottom()
        )
        if opt.state & QStyle.StateFlag.State_HasFocus:  # the keyboard's place in the list
            painter.setPen(QColor(FOCUS_RING))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(2, 2, -3, -3), 4, 4)
        painter.restore()
