"""The Qt binding keeps Python's reference counts: a void call must not drop one from None.

PySide6 6.12.0 on CPython 3.11 released one reference to ``None`` on every call of a Qt method
that returns nothing; a few thousand calls (a long conversation painted, a window retitled)
then deallocated None and aborted the interpreter ("none_dealloc"). pyproject.toml keeps the
binding below 6.12 (ADR 0028); this test fails, rather than the app crashing, if a version with
that bug is installed again.
"""

from __future__ import annotations

import sys

import pytest
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication, QWidget

pytestmark = pytest.mark.gui

CALLS = 500  # far fewer than None's references at start-up, so a leak fails, never aborts


def test_void_qt_calls_leave_nones_references_alone(qapp: QApplication) -> None:
    widget = QWidget()
    image = QImage(16, 16, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        before = sys.getrefcount(None)
        for _ in range(CALLS):
            widget.setWindowTitle("x")
            painter.save()
            painter.restore()
        after = sys.getrefcount(None)
    finally:
        painter.end()
    assert after - before > -CALLS // 10, f"None lost {before - after} references"
