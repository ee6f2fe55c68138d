"""Right-to-left done right: the visual order of what the conversation screens draw in Arabic.

Each test takes the exact string (or paragraph and direction) the code hands to Qt and checks
the order it is seen in, by the Unicode bidirectional algorithm (python-bidi) and by Qt's
own layout, not only the widgets' layout direction.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QListWidget
from pytestqt.qtbot import QtBot

from delegate_app.core.messaging.requests import MessageRequest
from delegate_app.ui.contacts_page import contact_row_text
from delegate_app.ui.conversation_list_delegate import preview_line
from delegate_app.ui.conversation_view import ConversationHeader, ConversationViewWidget
from delegate_app.ui.language import LanguageManager
from delegate_app.ui.message_delegate import MessageBubbleDelegate, paragraphs
from delegate_app.ui.message_requests import MessageRequestsWidget
from tests.gui.test_conversation_view import message, shown
from tests.gui.visual_order import qt_line, seen

pytestmark = pytest.mark.gui

MORNING = "Good morning."
ARABIC_MORNING = "صباح الخير."


@pytest.fixture
def arabic(qapp: object) -> Iterator[None]:
    LanguageManager().switch("ar")
    yield  # the conftest puts the source language back


def test_an_english_paragraph_keeps_its_full_stop_in_the_arabic_interface(arabic: None) -> None:
    ((text, direction),) = paragraphs(MORNING, right_to_left_ui=True)
    assert direction == Qt.LayoutDirection.LeftToRight
    assert qt_line(text, right_to_left=False) == MORNING
    # What a paragraph forced into the interface's direction would show:
    assert qt_line(MORNING, right_to_left=True) == ".Good morning"
    ((_text, arabic_direction),) = paragraphs(ARABIC_MORNING, right_to_left_ui=False)
    assert arabic_direction == Qt.LayoutDirection.RightToLeft  # and the other way round
    mixed = paragraphs(f"{ARABIC_MORNING}\n{MORNING}\n12:30", right_to_left_ui=True)
    assert [d for _t, d in mixed] == [
        Qt.LayoutDirection.RightToLeft, Qt.LayoutDirection.LeftToRight,
        Qt.LayoutDirection.RightToLeft,  # digits only: the interface's direction
    ]  # fmt: skip


def test_the_conversation_list_preview_keeps_its_full_stop(arabic: None) -> None:
    line = preview_line(MORNING, right_to_left=True)
    assert seen(line) == MORNING
    assert qt_line(line, right_to_left=True) == MORNING
    assert seen(preview_line(f"{MORNING} \u202eevil", right_to_left=True)).startswith(MORNING)


def test_the_message_request_row_keeps_its_full_stop_in_arabic(qtbot: QtBot, arabic: None) -> None:
    widget = MessageRequestsWidget()
    qtbot.addWidget(widget)
    moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    request = MessageRequest(1, "c1" * 32, "12345 67890", 1, 40, moment, moment, MORNING)
    widget.requests = [request]
    widget.list.addItem("")
    widget.list.item(0).setData(Qt.ItemDataRole.UserRole + 1, request.id)
    widget.retranslate_ui()
    row = widget.list.item(0).text()
    assert seen(row).startswith(f"{MORNING} · ")  # the preview at the row's left end
    assert seen(row, right_to_left=True) == seen(row)  # whatever the view's own direction
    assert qt_line(row, right_to_left=True).startswith(MORNING)


def test_the_conversation_header_reads_right_to_left(qtbot: QtBot, arabic: None) -> None:
    view = ConversationViewWidget()
    qtbot.addWidget(view)
    header = ConversationHeader("Embassy of Sylvania", "تم التحقق منه", True, 1)
    view.show_conversation("Boris Petrov", None, [], {}, (), header=header)
    line = seen(view.subtitle_label.text())  # a label finds its direction from the text
    assert line.endswith("· Embassy of Sylvania")  # the organisation first, at the right
    assert line.startswith("هنم ققحتلا مت ✔")  # the mark before the state, reading leftward


def test_times_and_names_in_bubbles_stay_whole(qtbot: QtBot, arabic: None) -> None:
    view = shown(qtbot, [message(1, MORNING, ours=True), message(2, MORNING)], group=True)
    rows = [row for _n, row in view.model.message_rows()]
    meta = MessageBubbleDelegate.meta_text(rows[0])
    # The mark after the time, to its left; the time's own digits and letters unbroken.
    assert seen(meta, right_to_left=True) == f"✓ {seen(rows[0].time, right_to_left=True)}"
    spoken = str(view.message_index(1).data(Qt.ItemDataRole.AccessibleTextRole))
    assert "Boris Petrov" in seen(spoken, right_to_left=True)


def _text_lines(image: QImage) -> int:
    """How many lines of text ``image`` shows: bands of pixel rows with ink, apart."""
    bands, inked_before = 0, False
    for y in range(image.height()):
        inked = any(QColor(image.pixel(x, y)).lightness() < 110 for x in range(0, image.width(), 1))
        bands += inked and not inked_before
        inked_before = inked
    return bands


def test_the_contact_list_keeps_the_verification_state_visible_in_arabic(
    qtbot: QtBot, arabic: None
) -> None:
    rows = QListWidget()
    qtbot.addWidget(rows)
    rows.resize(340, 120)
    text = contact_row_text("Boris Petrov", "Embassy of Sylvania", "تم التحقق منه")
    rows.addItem(text)
    rows.show()
    qtbot.waitExposed(rows)
    rect = rows.visualItemRect(rows.item(0))
    image = rows.viewport().grab(rect).toImage()
    assert _text_lines(image) == 2  # name and organisation, and the trust state below
    first, second = seen(text, right_to_left=True).split("\n")
    assert first == "Embassy of Sylvania — Boris Petrov"  # the name first, at the right
    assert second == "هنم ققحتلا مت"
