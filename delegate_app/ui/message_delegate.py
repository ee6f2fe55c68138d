"""How a conversation's rows look: message bubbles and day separators, painted, never widgets.

Our messages sit at the trailing side and theirs at the leading side (right and left in
English, mirrored in Arabic); geometry is computed left to right and mirrored with
``QStyle.visualRect``. Message text is laid out with ``QTextLayout`` as plain text, one
layout per paragraph, and each paragraph takes the direction of its own first strong
character: an English line in an Arabic conversation reads "Good morning." and never
".Good morning". Text is never interpreted as HTML.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QTextCharFormat,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from delegate_app.core.messaging.models import MessageState
from delegate_app.ui.bidi import first_strong_right_to_left, isolate
from delegate_app.ui.message_model import ROW_ROLE, STATE_MARKS, DayRow, MessageRow

Index = QModelIndex | QPersistentModelIndex
MARGIN_H = 12  # between the list's edge and a bubble
PAD_H = 10  # inside a bubble
PAD_V = 6
GROUP_GAP = 8  # above the first message of a sender's run
RUN_GAP = 2  # between messages of one run
MAX_BUBBLE = 560
BUBBLE_SHARE = 0.74  # of the list's width
RADIUS = 10
OURS = "#dcf0ff"
THEIRS = "#f1f3f6"
OURS_BORDER = "#b9dcf7"
THEIRS_BORDER = "#e0e4ea"
SENDER = "#2c5282"
READ_MARK = "#2b6cb0"
FAILED_MARK = "#c53030"
SELECTED_RING = "#2c5282"
HIT = "#fde68a"
DAY_PILL = "#e7ebf0"


def _small(font: QFont) -> QFont:
    small = QFont(font)
    small.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
    return small


def paragraph_layouts(
    text: str, font: QFont, width: float, *, right_to_left_ui: bool, query: str = ""
) -> tuple[list[QTextLayout], float, float]:
    """``text`` laid out at ``width``, one layout per paragraph, each in its own direction.

    Returns the layouts (positioned one under the other from y = 0), their height and the
    widest line. ``query`` (case-insensitive) is marked wherever it occurs.
    """
    layouts: list[QTextLayout] = []
    y = 0.0
    widest = 0.0
    hit = QTextCharFormat()
    hit.setBackground(QColor(HIT))
    needle = query.casefold()
    for paragraph in text.split("\n"):
        layout = QTextLayout(paragraph, font)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        rtl = first_strong_right_to_left(paragraph)
        rtl = right_to_left_ui if rtl is None else rtl
        option.setTextDirection(
            Qt.LayoutDirection.RightToLeft if rtl else Qt.LayoutDirection.LeftToRight
        )
        option.setAlignment(Qt.AlignmentFlag.AlignRight if rtl else Qt.AlignmentFlag.AlignLeft)
        layout.setTextOption(option)
        folded = paragraph.casefold()
        if needle and len(folded) == len(paragraph):  # else offsets would not line up
            formats = []
            start = folded.find(needle)
            while start >= 0:
                marked = QTextLayout.FormatRange()
                marked.start, marked.length, marked.format = start, len(needle), hit
                formats.append(marked)
                start = folded.find(needle, start + len(needle))
            layout.setFormats(formats)
        layout.beginLayout()
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            line.setPosition(QPointF(0, y))
            y += line.height()
            widest = max(widest, line.naturalTextWidth())
        layout.endLayout()
        layouts.append(layout)
    return layouts, y, widest


class MessageBubbleDelegate(QStyledItemDelegate):
    """Paints :class:`MessageRow` bubbles and :class:`DayRow` separators; caches row heights."""

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.query = ""  # the conversation search: marked in the text
        self._heights: dict[tuple[int, int, int, bool], int] = {}

    def clear_cache(self) -> None:
        self._heights.clear()

    # -- geometry -------------------------------------------------------------------------------

    @staticmethod
    def _max_inner(option: QStyleOptionViewItem) -> float:
        total = option.rect.width() - 2 * MARGIN_H
        return max(80.0, min(MAX_BUBBLE, total * BUBBLE_SHARE) - 2 * PAD_H)

    @staticmethod
    def _meta(row: MessageRow) -> str:
        if not row.outgoing:
            return row.time
        return f"{row.time} {STATE_MARKS.get(row.message.state, '')}"

    def _measure(
        self, option: QStyleOptionViewItem, row: MessageRow
    ) -> tuple[float, float, float, float]:
        """(inner width, sender height, text height, footer height) of a bubble."""
        rtl = option.direction == Qt.LayoutDirection.RightToLeft
        max_inner = self._max_inner(option)
        small = QFontMetrics(_small(option.font))
        _layouts, text_height, widest = paragraph_layouts(
            row.message.body, option.font, max_inner, right_to_left_ui=rtl
        )
        inner = widest
        sender_height = 0.0
        if row.show_sender:
            bold = QFont(_small(option.font))
            bold.setBold(True)
            metrics = QFontMetrics(bold)
            sender_height = metrics.height()
            inner = max(inner, metrics.horizontalAdvance(isolate(row.sender)))
        footer = self._meta(row) if row.warning is None else f"⚠ {row.warning}  {self._meta(row)}"
        inner = max(inner, small.horizontalAdvance(footer))
        return min(max_inner, inner), sender_height, text_height, small.height()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        row = index.data(ROW_ROLE)
        width = option.rect.width()
        if isinstance(row, DayRow):
            return QSize(width, QFontMetrics(_small(option.font)).height() + 18)
        if not isinstance(row, MessageRow):
            return super().sizeHint(option, index)
        key = (row.message.id, width, row.message.state.rank, row.warning is not None)
        height = self._heights.get(key)
        if height is None:
            _inner, sender, text, footer = self._measure(option, row)
            gap = GROUP_GAP if row.first_in_group else RUN_GAP
            height = int(gap + 2 * PAD_V + sender + text + footer + 2 + 0.999)
            if len(self._heights) > 50_000:
                self._heights.clear()
            self._heights[key] = height
        return QSize(width, height)

    # -- painting -------------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        row = index.data(ROW_ROLE)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        try:
            if isinstance(row, DayRow):
                self._paint_day(painter, option, row)
            elif isinstance(row, MessageRow):
                self._paint_message(painter, option, row)
        finally:
            painter.restore()

    def _paint_day(self, painter: QPainter, option: QStyleOptionViewItem, row: DayRow) -> None:
        font = _small(option.font)
        font.setBold(True)
        metrics = QFontMetrics(font)
        width = metrics.horizontalAdvance(row.label) + 20
        rect = option.rect
        pill = QRect(rect.center().x() - width // 2, rect.top() + 6, width, metrics.height() + 6)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(DAY_PILL))
        painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
        painter.setFont(font)
        painter.setPen(option.palette.color(QPalette.ColorRole.Text))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, row.label)

    def _paint_message(
        self, painter: QPainter, option: QStyleOptionViewItem, row: MessageRow
    ) -> None:
        rect: QRect = option.rect
        direction = option.direction
        rtl = direction == Qt.LayoutDirection.RightToLeft
        inner, sender_height, text_height, footer_height = self._measure(option, row)
        top = rect.top() + (GROUP_GAP if row.first_in_group else RUN_GAP)
        width = int(inner + 2 * PAD_H + 0.999)
        height = int(2 * PAD_V + sender_height + text_height + footer_height + 0.999)
        left = rect.right() - MARGIN_H - width if row.outgoing else rect.left() + MARGIN_H
        bubble = QStyle.visualRect(direction, rect, QRect(left, top, width, height))
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setPen(QColor(SELECTED_RING if selected else (
            OURS_BORDER if row.outgoing else THEIRS_BORDER
        )))  # fmt: skip
        if selected:
            pen = painter.pen()
            pen.setWidthF(2.0)
            painter.setPen(pen)
        painter.setBrush(QColor(OURS if row.outgoing else THEIRS))
        painter.drawRoundedRect(QRectF(bubble).adjusted(0.5, 0.5, -0.5, -0.5), RADIUS, RADIUS)

        text_colour = QColor("#1a202c")
        secondary = QColor("#4a5568")
        content = QRectF(bubble).adjusted(PAD_H, PAD_V, -PAD_H, -PAD_V)
        y = content.top()
        if row.show_sender:
            bold = _small(option.font)
            bold.setBold(True)
            painter.setFont(bold)
            painter.setPen(QColor(SENDER))
            align = QStyle.visualAlignment(direction, Qt.AlignmentFlag.AlignLeft)
            painter.drawText(
                QRectF(content.left(), y, content.width(), sender_height),
                align | Qt.AlignmentFlag.AlignVCenter,
                isolate(row.sender),
            )
            y += sender_height
        painter.setPen(text_colour)
        layouts, _height, _widest = paragraph_layouts(
            row.message.body, option.font, content.width(), right_to_left_ui=rtl, query=self.query
        )
        for layout in layouts:
            layout.draw(painter, QPointF(content.left(), y))
        y += text_height

        small = _small(option.font)
        painter.setFont(small)
        footer = QRectF(content.left(), y, content.width(), footer_height)
        trailing = QStyle.visualAlignment(direction, Qt.AlignmentFlag.AlignRight)
        mark_colour = secondary
        if row.message.state is MessageState.READ:
            mark_colour = QColor(READ_MARK)
        elif row.message.state is MessageState.FAILED:
            mark_colour = QColor(FAILED_MARK)
        painter.setPen(mark_colour if row.outgoing else secondary)
        painter.drawText(footer, trailing | Qt.AlignmentFlag.AlignVCenter, self._meta(row))
        if row.warning is not None:
            painter.setPen(QColor(FAILED_MARK))
            leading = QStyle.visualAlignment(direction, Qt.AlignmentFlag.AlignLeft)
            metrics = QFontMetrics(small)
            room = max(0, int(content.width() - metrics.horizontalAdvance(self._meta(row)) - 8))
            warning = metrics.elidedText(f"⚠ {row.warning}", Qt.TextElideMode.ElideRight, room)
            painter.drawText(footer, leading | Qt.AlignmentFlag.AlignVCenter, warning)
