"""The conversation view on its own: bubbles, days, delivery marks, copy, find, empty states."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QStyleOptionViewItem, QWidget
from pytestqt.qtbot import QtBot

from delegate_app.core.messaging.models import Direction, Message, MessageState
from delegate_app.ui.bidi import isolate
from delegate_app.ui.conversation_view import ConversationHeader, ConversationViewWidget
from delegate_app.ui.language import LanguageManager
from delegate_app.ui.message_delegate import paragraphs
from delegate_app.ui.message_model import ROW_ROLE, DayRow, MessageRow, QuoteView

pytestmark = pytest.mark.gui

BORIS = "b0" * 32
DAY_ONE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOSTILE = '<b>bold</b> <img src="http://127.0.0.1:9/x.png"> <a href="x">link</a>'


def message(
    number: int,
    body: str,
    *,
    ours: bool = False,
    at: datetime = DAY_ONE,
    state: MessageState | None = None,
) -> Message:
    return Message(
        id=number,
        uid=f"{number:032x}",
        conversation_id=1,
        direction=Direction.OUT if ours else Direction.IN,
        sender_key=None if ours else BORIS,
        body=body,
        sent_at=at,
        received_at=None if ours else at,
        state=state or (MessageState.SENT if ours else MessageState.RECEIVED),
        is_read=True,
        expires_at=None,
    )


def shown(qtbot: QtBot, messages: list[Message], *, group: bool = False) -> ConversationViewWidget:
    view = ConversationViewWidget()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    view.show_conversation("Boris Petrov", None, messages, {BORIS: "Boris Petrov"}, (), group=group)
    return view


def option_for(view: ConversationViewWidget, row: int) -> QStyleOptionViewItem:
    option = QStyleOptionViewItem()
    option.rect = view.list.visualRect(view.model.index(row))
    option.direction = view.list.layoutDirection()
    option.font = view.list.font()
    return option


def test_days_get_a_separator_and_runs_of_one_sender_are_grouped(qtbot: QtBot) -> None:
    later = DAY_ONE + timedelta(days=1)
    view = shown(
        qtbot,
        [
            message(1, "Good morning."),
            message(2, "The agenda is out."),
            message(3, "Thanks.", ours=True),
            message(4, "See you tomorrow.", at=later),
        ],
    )
    rows = [view.model.index(n).data(ROW_ROLE) for n in range(view.model.rowCount())]
    kinds = [type(row).__name__ for row in rows]
    assert kinds == ["DayRow", "MessageRow", "MessageRow", "MessageRow", "DayRow", "MessageRow"]
    firsts = [row.first_in_group for row in rows if isinstance(row, MessageRow)]
    assert firsts == [True, False, True, True]  # a new day starts a new run as well
    days = [row for row in rows if isinstance(row, DayRow)]
    assert [row.day for row in days] == [
        DAY_ONE.astimezone().date(),
        later.astimezone().date(),
    ]
    assert "2026" in days[0].label  # Babel's long date in the interface language
    assert not view.model.flags(view.model.index(0)) & Qt.ItemFlag.ItemIsSelectable


def test_an_incoming_message_is_dated_when_it_arrived_not_when_its_sender_claims(
    qtbot: QtBot,
) -> None:
    claimed = Message(
        **{**message(1, "From the future").__dict__, "sent_at": DAY_ONE.replace(year=2099)}
    )
    view = shown(qtbot, [claimed])
    day = view.model.index(0).data(ROW_ROLE)
    assert isinstance(day, DayRow) and day.day == DAY_ONE.astimezone().date()


def test_ours_sit_at_the_trailing_side_and_theirs_at_the_leading_side_mirrored_in_arabic(
    qtbot: QtBot,
) -> None:
    view = shown(qtbot, [message(1, "Good morning."), message(2, "Hello.", ours=True)])
    width = view.list.viewport().width()
    theirs = view.delegate.bubble_rect(option_for(view, 1), view.model.rows[1])  # type: ignore[arg-type]
    ours = view.delegate.bubble_rect(option_for(view, 2), view.model.rows[2])  # type: ignore[arg-type]
    assert theirs.left() < width / 3 and ours.right() > width * 2 / 3

    LanguageManager().switch("ar")
    qtbot.waitUntil(lambda: view.list.layoutDirection() == Qt.LayoutDirection.RightToLeft)
    theirs = view.delegate.bubble_rect(option_for(view, 1), view.model.rows[1])  # type: ignore[arg-type]
    ours = view.delegate.bubble_rect(option_for(view, 2), view.model.rows[2])  # type: ignore[arg-type]
    assert theirs.right() > width * 2 / 3 and ours.left() < width / 3


def test_each_outgoing_message_has_a_delivery_mark_explained_on_hover(qtbot: QtBot) -> None:
    states = [MessageState.QUEUED, MessageState.SENT, MessageState.DELIVERED, MessageState.READ]
    view = shown(
        qtbot,
        [message(n, f"m{n}", ours=True, state=s) for n, s in enumerate(states, 1)]
        + [message(9, "theirs")],
    )
    tips = [view.message_index(n).data(Qt.ItemDataRole.ToolTipRole) for n in range(5)]
    assert [tip.split(":")[0] for tip in tips[:4]] == ["Queued", "Sent", "Delivered", "Read"]
    assert "signed receipt" in tips[2]
    assert tips[4] is None  # theirs carry no delivery state
    rows = [row for _n, row in view.model.message_rows()]
    assert [view.delegate.meta_text(row).split()[-1] for row in rows[:4]] == [
        "◷", "✓", "✓✓", "✓✓",
    ]  # fmt: skip
    assert "State: delivered" in str(view.message_index(2).data(Qt.ItemDataRole.AccessibleTextRole))


def test_message_text_is_plain_text_never_markup(qtbot: QtBot) -> None:
    view = shown(qtbot, [message(1, HOSTILE), message(2, f"{HOSTILE}\nsecond line", ours=True)])
    assert HOSTILE in view.row_texts()[0]
    drawn = paragraphs(f"{HOSTILE}\nsecond line", right_to_left_ui=False)
    assert [text for text, _direction in drawn] == [HOSTILE, "second line"]  # every character
    view.grab()  # painted without loading anything (the image address is a closed port)


def test_ctrl_c_and_the_context_menu_copy_the_selected_messages_as_plain_text(
    qtbot: QtBot,
) -> None:
    view = shown(qtbot, [message(1, "First <b>point</b>"), message(2, "Second point", ours=True)])
    view.list.setFocus()
    selection = view.list.selectionModel()
    for number in (0, 1):
        selection.select(view.message_index(number), selection.SelectionFlag.Select)
    qtbot.keyClick(view.list, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "First <b>point</b>\n\nSecond point"
    selection.clearSelection()
    selection.select(view.message_index(1), selection.SelectionFlag.Select)
    assert view.copy_selected() == "Second point"  # what the menu's Copy does


def test_ctrl_f_finds_in_the_conversation_with_next_and_previous(qtbot: QtBot) -> None:
    view = shown(
        qtbot,
        [
            message(1, "The plenary starts at 10."),
            message(2, "Lunch?", ours=True),
            message(3, "After the PLENARY, yes."),
        ],
    )
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    view.composer.edit.setFocus()  # anywhere in the conversation
    qtbot.keyClick(view.composer.edit, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert view.search.isVisible() and view.search.field.hasFocus()
    qtbot.keyClicks(view.search.field, "plenary")
    current: QModelIndex = view.list.currentIndex()
    assert current.data(ROW_ROLE).message.id == 3  # the newest hit first
    assert view.search.count_label.text() == "2 of 2"
    qtbot.keyClick(view.search.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert view.list.currentIndex().data(ROW_ROLE).message.id == 1
    assert view.search.count_label.text() == "1 of 2"
    qtbot.keyClick(view.search.field, Qt.Key.Key_Return)
    assert view.list.currentIndex().data(ROW_ROLE).message.id == 3
    view.search.field.setText("nowhere")
    assert view.search.count_label.text() == "No match"
    assert not view.search.next_button.isEnabled()
    qtbot.keyClick(view.search.field, Qt.Key.Key_Escape)
    assert not view.search.isVisible() and view.delegate.query == ""


def test_empty_states_say_what_to_do(qtbot: QtBot) -> None:
    view = shown(qtbot, [])
    assert view.stack.currentWidget() is view.empty_label
    assert view.empty_label.text().startswith("No messages yet.")
    view.show_conversation(None, None, [], {}, ())
    assert view.empty_label.text().startswith("Choose a conversation, or start one.")
    assert not view.composer.isEnabled()
    view.show_conversation("Boris Petrov", None, [message(1, "Hi")], {}, ())
    assert view.stack.currentWidget() is view.list


def test_ten_thousand_messages_are_model_rows_not_widgets(qtbot: QtBot) -> None:
    view = shown(qtbot, [message(1, "one")])
    widgets = len(view.findChildren(QWidget))
    many = [
        message(n, f"Message {n}", ours=n % 3 == 0, at=DAY_ONE + timedelta(minutes=7 * n))
        for n in range(1, 10_001)
    ]
    view.show_conversation("Boris Petrov", None, many, {BORIS: "Boris Petrov"}, ())
    days = len({DAY_ONE.astimezone().date() + timedelta(0)} | {
        (DAY_ONE + timedelta(minutes=7 * n)).astimezone().date() for n in range(1, 10_001)
    })  # fmt: skip
    assert view.model.rowCount() == 10_000 + days
    assert len(view.findChildren(QWidget)) == widgets
    bar = view.list.verticalScrollBar()
    assert bar.value() == bar.maximum() > 0  # opened at the newest message


def test_the_header_names_organisation_and_trust_with_a_verify_shortcut(qtbot: QtBot) -> None:
    view = ConversationViewWidget()
    qtbot.addWidget(view)
    header = ConversationHeader("Embassy of Sylvania", "Not verified", False, 7)
    view.show_conversation("Boris Petrov", None, [], {}, (), header=header)
    assert view.subtitle_label.textFormat() == Qt.TextFormat.PlainText
    assert view.subtitle_label.text() == (
        "\u200e\u2068Embassy of Sylvania\u2069 · \u2068Not verified\u2069"
    )
    assert view.verify_button.text() == "&Verify…"
    with qtbot.waitSignal(view.verify_requested) as asked:
        qtbot.mouseClick(view.verify_button, Qt.MouseButton.LeftButton)
    assert asked.args == [7]
    view.show_conversation("Boris Petrov", None, [], {}, (), header=header.__class__(
        "Embassy of Sylvania", "Verified", True, 7
    ))  # fmt: skip
    assert "✔ \u2068Verified\u2069" in view.subtitle_label.text()
    view.show_conversation("Chen Wei, Boris Petrov", None, [], {}, ())  # no single contact
    assert view.verify_button.isHidden()


def test_a_reply_shows_the_quoted_message_or_only_the_senders_excerpt(qtbot: QtBot) -> None:
    asked = message(1, "Can you accept\nparagraph 4?")
    reply = replace(message(2, "Yes.", ours=True), quote_uid=asked.uid, quote_excerpt="other")
    stray = replace(message(3, "Look"), quote_uid="f" * 32, quote_excerpt=HOSTILE)
    view = shown(qtbot, [asked, reply, stray])
    rows = [row for _n, row in view.model.message_rows()]
    # Found in this conversation: its sender and its own text, not the excerpt sent along.
    assert rows[1].quote == QuoteView("Boris Petrov", "Can you accept paragraph 4?")
    assert rows[2].quote == QuoteView(None, HOSTILE)  # unknown: the excerpt, as plain text
    assert f"↪ Quoting: {isolate(HOSTILE)}" in view.row_texts()[2]
    plain = view.delegate.sizeHint(option_for(view, 1), view.model.index(1)).height()
    quoted = view.delegate.sizeHint(option_for(view, 2), view.model.index(2)).height()
    assert quoted > plain  # room for the quote above the text
    view.grab()

    assert view.reply_to(asked.id) and view.reply_bar.isVisible()
    assert view.quoting == asked and view.reply_label.textFormat() == Qt.TextFormat.PlainText
    view.cancel_reply()
    assert view.quoting is None and not view.reply_bar.isVisible()
