"""Message text wraps at word boundaries; only a word longer than the line breaks inside."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF

from delegate_app.ui.message_delegate import measure_text, wrap_flags

pytestmark = pytest.mark.gui

GREETING = (
    "Good morning from the Embassy of Sylvania. We look forward to working with your "
    "delegation at the summit."
)


def test_ordinary_words_never_break_inside(qapp: object) -> None:
    metrics = QFontMetricsF(QFont())
    width = metrics.horizontalAdvance(GREETING) * 0.8  # two lines: a word straddles the edge
    flags = wrap_flags(GREETING, metrics, width)
    assert flags & int(Qt.TextFlag.TextWordWrap)
    assert not flags & int(Qt.TextFlag.TextWrapAnywhere)


def test_a_word_longer_than_the_line_still_breaks(qapp: object) -> None:
    font = QFont()
    metrics = QFontMetricsF(font)
    link = "https://example.org/" + "a" * 300
    width = metrics.horizontalAdvance("a" * 40)
    assert wrap_flags(link, metrics, width) & int(Qt.TextFlag.TextWrapAnywhere)
    height, widest = measure_text(link, font, width)
    assert widest <= width
    assert height > 3 * metrics.height()  # it took several lines instead of running off
