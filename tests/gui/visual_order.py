"""The order in which text is seen: by the Unicode bidirectional algorithm (python-bidi) and
as Qt actually lays it out (glyph positions), for tests of right-to-left text."""

from __future__ import annotations

from bidi import get_display
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QTextLayout, QTextOption

# Isolates, embeddings, overrides and marks: invisible, so not part of what is seen.
_CONTROLS = dict.fromkeys([0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def seen(text: str, *, right_to_left: bool | None = None) -> str:
    """``text`` as the bidi algorithm shows it, left to right, line by line; each line's
    direction is given, or (None) found from its first strong character as a label does."""
    base = None if right_to_left is None else ("R" if right_to_left else "L")
    return "\n".join(
        get_display(line, base_dir=base).translate(_CONTROLS) for line in text.split("\n")
    )


def seen_in_qt(layout: QTextLayout) -> str:
    """The characters of a laid-out ``QTextLayout``, left to right as Qt places their glyphs.

    Joined Arabic letters may share glyphs; a test should look at runs of Latin text."""
    text = layout.text()
    flags = QTextLayout.GlyphRunRetrievalFlag
    wanted = flags.RetrieveStringIndexes | flags.RetrieveGlyphPositions | flags.RetrieveGlyphIndexes
    lines = []
    for number in range(layout.lineCount()):
        x_of: dict[int, float] = {}
        line = layout.lineAt(number)
        for run in line.glyphRuns(-1, -1, wanted):
            for index, position in zip(run.stringIndexes(), run.positions(), strict=True):
                x_of.setdefault(index, position.x())
        order = sorted(x_of, key=lambda i: x_of[i])
        lines.append("".join(text[i] for i in order).translate(_CONTROLS))
    return "\n".join(lines)


def qt_line(text: str, *, right_to_left: bool, font: QFont | None = None) -> str:
    """``text`` laid out by Qt on one line in a paragraph of the given direction."""
    layout = QTextLayout(text, font or QFont())
    option = QTextOption()
    option.setTextDirection(
        Qt.LayoutDirection.RightToLeft if right_to_left else Qt.LayoutDirection.LeftToRight
    )
    layout.setTextOption(option)
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(100_000)
    layout.endLayout()
    return seen_in_qt(layout)
