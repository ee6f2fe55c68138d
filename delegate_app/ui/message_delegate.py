"""How a conversation's rows look: message bubbles and day separators, painted, never widgets.

Our messages sit at the trailing side and theirs at the leading side (right and left in
English, mirrored in Arabic); geometry is computed left to right and mirrored with
``QStyle.visualRect``. Message text is drawn as plain text (``drawText`` never interprets
markup), one paragraph at a time, and each paragraph takes the direction of its own first
strong character: an English line in an Arabic conversation reads "Good morning." and never
".Good morning".

Row heights are measured with ``QFontMetricsF.boundingRect`` (one call per paragraph, cached
per message and width), so opening a conversation of ten thousand messages costs ten
thousand measurements and no layout objects.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QFontMetricsF, QPainter, QPalette
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
QUOTE_BAR = "#718096"
QUOTE_FILL = "#00000010"
QUOTE_PAD = 4  # inside the quote block, and under it
HIT_BORDER = "#d69e2e"
DAY_PILL = "#e7ebf0"
TEXT = "#1a202c"
SECONDARY = "#4a5568"
# Lines break at word boundaries; a word longer than the line (a link, a hash) breaks anywhere.
# Qt's drawText has no "word boundary or anywhere" flag: TextWrapAnywhere alone would break
# ordinary words in the middle, so it is added only for a paragraph with such a word.
WORD_WRAP = Qt.TextFlag.TextWordWrap
ANYWHERE_WRAP = Qt.TextFlag.TextWordWrap | Qt.TextFlag.TextWrapAnywhere
TALL = 1e7

_fonts: dict[str, tuple[QFont, QFont]] = {}


def small_fonts(font: QFont) -> tuple[QFont, QFont]:
    """The footer font and the bold sender font for ``font`` (made once per font)."""
    key = font.key()
    if key not in _fonts:
        small = QFont(font)
        small.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        bold = QFont(small)
        bold.setBold(True)
        _fonts[key] = (small, bold)
    return _fonts[key]


def paragraphs(text: str, *, right_to_left_ui: bool) -> list[tuple[str, Qt.LayoutDirection]]:
    """``text``'s paragraphs, each with the direction of its first strong character (the
    interface's when it has none)."""
    shown = []
    for paragraph in text.split("\n"):
        rtl = first_strong_right_to_left(paragraph)
        rtl = right_to_left_ui if rtl is None else rtl
        shown.append(
            (paragraph, Qt.LayoutDirection.RightToLeft if rtl else Qt.LayoutDirection.LeftToRight)
        )
    return shown


def wrap_flags(paragraph: str, metrics: QFontMetricsF, width: float) -> int:
    """How ``paragraph`` wraps at ``width``: at words, or anywhere if one word is wider."""
    too_wide = any(metrics.horizontalAdvance(word) > width for word in paragraph.split())
    return int(ANYWHERE_WRAP if too_wide else WORD_WRAP)


def measure_text(text: str, font: QFont, width: float) -> tuple[float, float]:
    """(height, widest line) of ``text`` wrapped at ``width``, paragraph by paragraph."""
    metrics = QFontMetricsF(font)
    height = widest = 0.0
    for paragraph in text.split("\n"):
        wrap = wrap_flags(paragraph, metrics, width)
        box = metrics.boundingRect(QRectF(0, 0, width, TALL), wrap, paragraph or " ")
        height += box.height()
        widest = max(widest, box.width())
    return height, min(widest, width)


class MessageBubbleDelegate(QStyledItemDelegate):
    """Paints :class:`MessageRow` bubbles and :class:`DayRow` separators; caches row heights."""

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.query = ""  # the conversation search: marked in the text
        # Kept across refreshes (a message's text never changes); cleared when the language
        # changes.
        self._sizes: dict[tuple[object, ...], tuple[float, float, float, float]] = {}

    def clear_cache(self) -> None:
        self._sizes.clear()

    # -- geometry -------------------------------------------------------------------------------

    @staticmethod
    def _max_inner(option: QStyleOptionViewItem) -> float:
        total = option.rect.width() - 2 * MARGIN_H
        return max(80.0, min(MAX_BUBBLE, total * BUBBLE_SHARE) - 2 * PAD_H)

    @staticmethod
    def meta_text(row: MessageRow) -> str:
        """The bubble's footer: the time, and the delivery mark of ours."""
        return MessageBubbleDelegate._meta(row)

    @staticmethod
    def _meta(row: MessageRow) -> str:
        if not row.outgoing:
            return row.time
        return f"{row.time} {STATE_MARKS.get(row.message.state, '')}"

    def _measure(
        self, option: QStyleOptionViewItem, row: MessageRow
    ) -> tuple[float, float, float, float]:
        """(inner width, sender height, text height, footer height) of a bubble (cached)."""
        max_inner = self._max_inner(option)
        key = (
            row.message.id, int(max_inner), row.message.state.rank, row.warning is not None,
            row.show_sender, option.font.key(),
        )  # fmt: skip
        known = self._sizes.get(key)
        if known is not None:
            return known
        small, bold = small_fonts(option.font)
        small_metrics = QFontMetricsF(small)
        text_height, inner = measure_text(row.message.body, option.font, max_inner)
        sender_height = 0.0
        if row.show_sender:
            metrics = QFontMetricsF(bold)
            sender_height = metrics.height()
            inner = max(inner, metrics.horizontalAdvance(isolate(row.sender)))
        if row.quote is not None:  # two short lines above the text: who, and the excerpt
            sender_height += 2 * small_metrics.height() + 3 * QUOTE_PAD
            who = row.quote.sender or "↪"
            quote_width = max(
                QFontMetricsF(bold).horizontalAdvance(who),
                small_metrics.horizontalAdvance(row.quote.excerpt),
            )
            inner = max(inner, min(max_inner, quote_width + 3 + 3 * QUOTE_PAD))
        footer = self._meta(row) if row.warning is None else f"⚠ {row.warning}  {self._meta(row)}"
        inner = max(inner, small_metrics.horizontalAdvance(footer))
        measured = (min(max_inner, inner), sender_height, text_height, small_metrics.height())
        if len(self._sizes) > 50_000:
            self._sizes.clear()
        self._sizes[key] = measured
        return measured

    def bubble_rect(self, option: QStyleOptionViewItem, row: MessageRow) -> QRect:
        """Where the bubble of ``row`` is drawn in ``option.rect``: ours at the trailing side."""
        rect: QRect = option.rect
        inner, sender_height, text_height, footer_height = self._measure(option, row)
        top = rect.top() + (GROUP_GAP if row.first_in_group else RUN_GAP)
        width = int(inner + 2 * PAD_H + 0.999)
        height = int(2 * PAD_V + sender_height + text_height + footer_height + 0.999)
        left = rect.right() - MARGIN_H - width if row.outgoing else rect.left() + MARGIN_H
        return QStyle.visualRect(option.direction, rect, QRect(left, top, width, height))

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        row = index.data(ROW_ROLE)
        width = option.rect.width()
        if isinstance(row, DayRow):
            return QSize(width, QFontMetrics(small_fonts(option.font)[1]).height() + 18)
        if not isinstance(row, MessageRow):
            return super().sizeHint(option, index)
        _inner, sender, text, footer = self._measure(option, row)
        gap = GROUP_GAP if row.first_in_group else RUN_GAP
        return QSize(width, int(gap + 2 * PAD_V + sender + text + footer + 2 + 0.999))

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
        font = small_fonts(option.font)[1]
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

    def _paint_quote(
        self, painter: QPainter, option: QStyleOptionViewItem, row: MessageRow, at: QRectF
    ) -> float:
        """The quoted message (who, and its start; elided) above the text; returns the y below."""
        quote = row.quote
        if quote is None:  # pragma: no cover - checked by the caller
            return at.top()
        direction = option.direction
        small, bold = small_fonts(option.font)
        metrics = QFontMetrics(small)
        line = metrics.height()
        block = QRectF(at.left(), at.top(), at.width(), 2 * line + 2 * QUOTE_PAD)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(QUOTE_FILL))
        painter.drawRect(block)
        bar = QRect(int(block.left()), int(block.top()), 3, int(block.height()))
        painter.setBrush(QColor(QUOTE_BAR))
        painter.drawRect(QStyle.visualRect(direction, block.toRect(), bar))
        text_rect = block.adjusted(3 + 2 * QUOTE_PAD, QUOTE_PAD, -QUOTE_PAD, -QUOTE_PAD)
        text_rect = QRectF(QStyle.visualRect(direction, block.toRect(), text_rect.toRect()))
        leading = QStyle.visualAlignment(direction, Qt.AlignmentFlag.AlignLeft)
        width = int(text_rect.width())
        painter.setFont(bold)
        painter.setPen(QColor(SENDER if quote.sender is not None else SECONDARY))
        who = quote.sender if quote.sender is not None else "↪"
        painter.drawText(
            QRectF(text_rect.left(), text_rect.top(), text_rect.width(), line),
            leading | Qt.AlignmentFlag.AlignVCenter,
            isolate(QFontMetrics(bold).elidedText(who, Qt.TextElideMode.ElideRight, width)),
        )
        painter.setFont(small)
        painter.setPen(QColor(SECONDARY))
        painter.drawText(
            QRectF(text_rect.left(), text_rect.top() + line, text_rect.width(), line),
            leading | Qt.AlignmentFlag.AlignVCenter,
            isolate(metrics.elidedText(quote.excerpt, Qt.TextElideMode.ElideRight, width)),
        )
        return block.bottom() + QUOTE_PAD

    def matches(self, row: MessageRow) -> bool:
        return bool(self.query) and self.query.casefold() in row.message.body.casefold()

    def _paint_message(
        self, painter: QPainter, option: QStyleOptionViewItem, row: MessageRow
    ) -> None:
        direction = option.direction
        rtl = direction == Qt.LayoutDirection.RightToLeft
        _inner, _sender_height, _text_height, footer_height = self._measure(option, row)
        bubble = self.bubble_rect(option, row)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hit = self.matches(row)
        border = OURS_BORDER if row.outgoing else THEIRS_BORDER
        if hit:
            border = HIT_BORDER
        if selected:
            border = SELECTED_RING
        pen = painter.pen()
        pen.setColor(QColor(border))
        pen.setWidthF(2.0 if selected or hit else 1.0)
        painter.setPen(pen)
        painter.setBrush(QColor(HIT if hit else (OURS if row.outgoing else THEIRS)))
        painter.drawRoundedRect(QRectF(bubble).adjusted(0.5, 0.5, -0.5, -0.5), RADIUS, RADIUS)

        small, bold = small_fonts(option.font)
        content = QRectF(bubble).adjusted(PAD_H, PAD_V, -PAD_H, -PAD_V)
        y = content.top()
        if row.show_sender:
            height = QFontMetricsF(bold).height()
            painter.setFont(bold)
            painter.setPen(QColor(SENDER))
            align = QStyle.visualAlignment(direction, Qt.AlignmentFlag.AlignLeft)
            painter.drawText(
                QRectF(content.left(), y, content.width(), height),
                align | Qt.AlignmentFlag.AlignVCenter,
                isolate(row.sender),
            )
            y += height
        if row.quote is not None:
            y = self._paint_quote(
                painter, option, row, QRectF(content.left(), y, content.width(), 0)
            )
        painter.setFont(option.font)
        painter.setPen(QColor(TEXT))
        metrics = QFontMetricsF(option.font)
        for paragraph, paragraph_direction in paragraphs(row.message.body, right_to_left_ui=rtl):
            wrap = wrap_flags(paragraph, metrics, content.width())
            box = metrics.boundingRect(QRectF(0, 0, content.width(), TALL), wrap, paragraph or " ")
            painter.setLayoutDirection(paragraph_direction)
            start = (
                Qt.AlignmentFlag.AlignRight
                if paragraph_direction == Qt.LayoutDirection.RightToLeft
                else Qt.AlignmentFlag.AlignLeft
            )
            painter.drawText(
                QRectF(content.left(), y, content.width(), box.height()),
                int(start | Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignTop) | wrap,
                paragraph,
            )
            y += box.height()
        painter.setLayoutDirection(direction)

        painter.setFont(small)
        footer = QRectF(content.left(), y, content.width(), footer_height)
        trailing = QStyle.visualAlignment(direction, Qt.AlignmentFlag.AlignRight)
        mark_colour = QColor(SECONDARY)
        if row.message.state is MessageState.READ:
            mark_colour = QColor(READ_MARK)
        elif row.message.state is MessageState.FAILED:
            mark_colour = QColor(FAILED_MARK)
        painter.setPen(mark_colour if row.outgoing else QColor(SECONDARY))
        painter.drawText(footer, trailing | Qt.AlignmentFlag.AlignVCenter, self._meta(row))
        if row.warning is not None:
            painter.setPen(QColor(FAILED_MARK))
            leading = QStyle.visualAlignment(direction, Qt.AlignmentFlag.AlignLeft)
            small_metrics = QFontMetrics(small)
            room = int(content.width() - small_metrics.horizontalAdvance(self._meta(row)) - 8)
            warning = small_metrics.elidedText(
                f"⚠ {row.warning}", Qt.TextElideMode.ElideRight, max(0, room)
            )
            painter.drawText(footer, leading | Qt.AlignmentFlag.AlignVCenter, warning)
