"""The messages page with a second mission on a real relay: send, receive, groups, expiry."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from pytestqt.qtbot import QtBot

from delegate_app.core.messaging.models import Direction
from delegate_app.core.policy import Policy, RawPolicy
from delegate_app.ui.bidi import isolate
from delegate_app.ui.controller import AppController
from delegate_app.ui.conversation_list_delegate import (
    PREVIEW_ROLE,
    TIME_ROLE,
    UNREAD_ROLE,
    VERIFIED_ROLE,
)
from delegate_app.ui.main_window import MainWindow
from delegate_app.ui.messages_page import MessagesPageWidget
from delegate_app.ui.verification_dialog import VerificationDialog
from tests.gui.conftest import SIGNAL_TIMEOUT_MS
from tests.gui.missions import open_gui, sync_gui
from tests.sync.profiles import Peer, sync_peer

pytestmark = pytest.mark.gui
DRAFT = "Fallback: accept paragraph 4"


def _messages(main: MainWindow) -> MessagesPageWidget:
    main.sidebar.select("messages")
    assert main.stack.currentWidget() is main.messages
    return main.messages


def _rows(page: MessagesPageWidget) -> list[str]:
    return page.view.row_texts()


def test_send_with_ctrl_enter_reaches_the_peer_and_the_state_moves_to_delivered(
    qtbot: QtBot, make_controller: Callable[..., AppController], missions: list[Peer]
) -> None:
    amina, boris = missions
    controller, main = open_gui(qtbot, make_controller, amina)
    page = _messages(main)
    page.start_direct("Boris Petrov")
    assert page.view.composer.isEnabled() and not page.view.banner.isVisible()
    qtbot.keyClicks(page.view.composer.edit, "Draft communique attached")
    qtbot.keyClick(page.view.composer.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(page.view.composer.edit, "second line")
    with qtbot.waitSignal(page.message_queued, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.keyClick(
            page.view.composer.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
        )
    assert page.view.composer.edit.toPlainText() == ""
    # The page woke the worker: the message goes out without waiting for the next poll.
    qtbot.waitUntil(lambda: "✓ sent" in _rows(page)[-1], timeout=SIGNAL_TIMEOUT_MS)
    row = page.view.message_index(0)
    assert str(row.data()).startswith("You · ")
    assert "State: sent" in str(row.data(Qt.ItemDataRole.AccessibleTextRole))

    report = sync_peer(boris)
    assert report.received == 1
    with boris.unlocked() as room:
        received = room.messenger.messages()
    assert [m.body for m in received] == ["Draft communique attached\nsecond line"]
    assert received[0].direction is Direction.IN

    assert main.sync_now_action.shortcuts() == [QKeySequence("F5"), QKeySequence("Ctrl+R")]
    sync_gui(qtbot, controller)  # fetches Boris's delivered receipt
    qtbot.waitUntil(lambda: "delivered" in _rows(page)[-1], timeout=SIGNAL_TIMEOUT_MS)
    assert "State: delivered" in str(
        page.view.message_index(0).data(Qt.ItemDataRole.AccessibleTextRole)
    )


def test_received_messages_appear_unread_first_and_notify_without_text_by_default(
    qtbot: QtBot, make_controller: Callable[..., AppController], missions: list[Peer]
) -> None:
    amina, boris = missions
    with boris.unlocked() as room:
        room.messenger.send_text("Amina Haddad", "Plenary moved to 15:00")
    sync_peer(boris)
    controller, main = open_gui(qtbot, make_controller, amina)
    page = _messages(main)
    # The first pass after unlock fetched it; the list shows it unread.
    qtbot.waitUntil(lambda: page.list.count() == 1, timeout=SIGNAL_TIMEOUT_MS)
    assert page.list.item(0).text() == "Boris Petrov"
    assert page.list.item(0).data(UNREAD_ROLE) == 1
    assert page.list.item(0).data(PREVIEW_ROLE) == isolate("Plenary moved to 15:00")
    assert "Boris Petrov (1 unread)" in str(
        page.list.item(0).data(Qt.ItemDataRole.AccessibleTextRole)
    )
    # The list may show the row (a refresh reads the vault) before the pass's report arrives.
    qtbot.waitUntil(lambda: main.notifier.last is not None, timeout=SIGNAL_TIMEOUT_MS)
    assert main.notifier.last == ("New message from Boris Petrov", "")
    # The label shows the notification or, after a section switch, the page's own line.
    assert main.status_label.text() in {"New message from Boris Petrov", "1 unread message"}
    assert page.status_text() == "1 unread message"

    with boris.unlocked() as room:
        room.messenger.send_text("Amina Haddad", "Second point: the annex")
    sync_peer(boris)
    with qtbot.waitSignal(page.messages_arrived, timeout=SIGNAL_TIMEOUT_MS):
        sync_gui(qtbot, controller)
    assert main.notifier.last == ("New message from Boris Petrov", "")  # no text: policy
    assert main.status_label.text() == "New message from Boris Petrov"
    assert page.list.item(0).data(UNREAD_ROLE) == 2

    controller.session.set_user_setting("notification_previews", True)
    with boris.unlocked() as room:
        room.messenger.send_text("Amina Haddad", "Third: sign-off at 18:00")
    sync_peer(boris)
    with qtbot.waitSignal(page.messages_arrived, timeout=SIGNAL_TIMEOUT_MS):
        sync_gui(qtbot, controller)
    assert main.notifier.last == ("New message from Boris Petrov", "Third: sign-off at 18:00")

    page.list.setCurrentRow(0)  # opening it reads it
    assert page.list.item(0).data(UNREAD_ROLE) == 0
    assert [r.split("\n")[1] for r in _rows(page)] == [
        "Plenary moved to 15:00", "Second point: the annex", "Third: sign-off at 18:00"
    ]  # fmt: skip
    assert _rows(page)[0].startswith(isolate("Boris Petrov") + " · ")


def test_group_from_contacts_and_an_expiry_the_organisation_forces(
    qtbot: QtBot, make_controller: Callable[..., AppController], missions: list[Peer]
) -> None:
    amina, boris = missions
    forced = Policy.from_raw(RawPolicy("test", {"forced_message_expiry_days": 7}, {}))
    controller, main = open_gui(qtbot, make_controller, amina, forced)
    page = _messages(main)
    dialog = page.new_group()
    dialog.name_edit.setText("Delegation to the summit")
    dialog.set_checked(["Boris Petrov"])
    with qtbot.waitSignal(page.conversation_shown, timeout=SIGNAL_TIMEOUT_MS):
        dialog.accept()
    assert page.list.item(0).text() == "Delegation to the summit"
    assert page.view.members_label.text() == "Members: Boris Petrov"
    combo = page.view.expiry.combo
    assert not combo.isEnabled() and combo.toolTip() == "Set by your organisation"
    assert combo.currentText() == "Disappear after 7 days"
    page.view.composer.edit.setPlainText("Group briefing at 9")
    with qtbot.waitSignal(page.message_queued, timeout=SIGNAL_TIMEOUT_MS) as queued:
        qtbot.mouseClick(page.view.composer.send_button, Qt.MouseButton.LeftButton)
    message = next(m for m in controller.session.mailroom.messenger.messages()
                   if m.id == queued.args[0])  # fmt: skip
    assert message.expires_at is not None
    qtbot.waitUntil(lambda: "✓ sent" in _rows(page)[-1], timeout=SIGNAL_TIMEOUT_MS)
    sync_peer(boris)
    with boris.unlocked() as room:
        group = room.messenger.group("Delegation to the summit")
        assert [m.body for m in room.messenger.messages(group.id)] == ["Group briefing at 9"]


def test_expiry_chosen_by_the_user_when_the_policy_does_not_force_one(
    qtbot: QtBot, make_controller: Callable[..., AppController], missions: list[Peer]
) -> None:
    controller, main = open_gui(qtbot, make_controller, missions[0])
    page = _messages(main)
    conversation = page.start_direct("Boris Petrov")
    combo = page.view.expiry.combo
    assert combo.isEnabled() and combo.currentText() == "Messages are kept"
    index = combo.findText("Disappear after 30 days")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)  # what choosing an entry with the keyboard or mouse emits
    stored = controller.session.mailroom.messenger.store.conversation(conversation.id)
    assert stored.expiry_days == 30
    assert page.view.expiry.combo.currentText() == "Disappear after 30 days"


def test_drafts_are_kept_per_conversation_in_the_vault(
    qtbot: QtBot, make_controller: Callable[..., AppController], missions: list[Peer]
) -> None:
    amina = missions[0]
    controller, main = open_gui(qtbot, make_controller, amina)
    page = _messages(main)
    boris = page.start_direct("Boris Petrov")
    with qtbot.waitSignal(page.view.composer.draft_changed, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.keyClicks(page.view.composer.edit, DRAFT)
    messenger = controller.session.mailroom.messenger
    assert messenger.drafts.draft(boris.id) == DRAFT
    assert page.list.item(0).data(PREVIEW_ROLE) == f"Draft: {isolate(DRAFT)}"

    dialog = page.new_group()
    dialog.name_edit.setText("Caucus")
    dialog.set_checked(["Boris Petrov"])
    with qtbot.waitSignal(page.conversation_shown, timeout=SIGNAL_TIMEOUT_MS):
        dialog.accept()
    assert page.view.composer.edit.toPlainText() == ""  # the group has a draft of its own
    page.view.composer.edit.setPlainText("For the caucus")  # typed, not yet saved
    page.open_conversation(boris.id)
    assert page.view.composer.edit.toPlainText() == DRAFT
    group = messenger.group("Caucus")
    assert messenger.drafts.draft(group.id) == "For the caucus"  # saved on leaving it
    # Drafts are secret: nothing of them outside the encrypted vault.
    for path in amina.root.rglob("*"):
        if path.is_file() and not path.name.startswith("vault.db"):
            assert DRAFT.encode() not in path.read_bytes(), path


def test_the_sidebar_counts_unread_messages_and_the_header_verifies(
    qtbot: QtBot, make_controller: Callable[..., AppController], missions: list[Peer]
) -> None:
    amina, boris = missions
    with boris.unlocked() as room:
        room.messenger.send_text("Amina Haddad", "One")
        room.messenger.send_text("Amina Haddad", "Two")
    sync_peer(boris)
    _controller, main = open_gui(qtbot, make_controller, amina)
    main.sidebar.select("contacts")
    qtbot.waitUntil(lambda: main.sidebar.badge("messages") == 2, timeout=SIGNAL_TIMEOUT_MS)
    row = main.sidebar.list.item(next(
        n for n, s in enumerate(main.sidebar.sections) if s.key == "messages"
    ))  # fmt: skip
    assert row.data(Qt.ItemDataRole.AccessibleTextRole) == "Messages, 2 unread"
    page = _messages(main)
    assert page.list.item(0).data(TIME_ROLE) and not page.list.item(0).data(VERIFIED_ROLE)
    page.list.setCurrentRow(0)
    assert main.sidebar.badge("messages") == 0

    view = page.view
    assert view.subtitle_label.text().endswith(isolate("Not verified"))
    assert view.verify_button.isVisible()
    qtbot.mouseClick(view.verify_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, VerificationDialog)
    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)  # the numbers matched
    qtbot.waitUntil(lambda: "✔" in view.subtitle_label.text(), timeout=SIGNAL_TIMEOUT_MS)
    assert page.list.item(0).data(VERIFIED_ROLE)


def test_reply_to_a_message_reaches_the_peer_with_its_quote(
    qtbot: QtBot, make_controller: Callable[..., AppController], missions: list[Peer]
) -> None:
    amina, boris = missions
    with boris.unlocked() as room:
        asked = room.messenger.send_text("Amina Haddad", "Plenary at 15:00?")
    sync_peer(boris)
    _controller, main = open_gui(qtbot, make_controller, amina)
    page = _messages(main)
    qtbot.waitUntil(lambda: page.list.count() == 1, timeout=SIGNAL_TIMEOUT_MS)
    page.list.setCurrentRow(0)
    received = page.view.messages[0]
    assert page.view.reply_to(received.id)
    page.view.composer.edit.setPlainText("Yes, 15:00.")
    with qtbot.waitSignal(page.message_queued, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.mouseClick(page.view.composer.send_button, Qt.MouseButton.LeftButton)
    assert page.view.quoting is None and not page.view.reply_bar.isVisible()
    assert "↪ Replying to " in _rows(page)[-1]
    qtbot.waitUntil(lambda: "✓ sent" in _rows(page)[-1], timeout=SIGNAL_TIMEOUT_MS)
    sync_peer(boris)
    with boris.unlocked() as room:
        reply = room.messenger.messages()[-1]
    assert (reply.body, reply.quote_uid, reply.quote_excerpt) == (
        "Yes, 15:00.", asked.uid, "Plenary at 15:00?",
    )  # fmt: skip


def test_opening_a_conversation_from_elsewhere_clears_its_unread_count_in_the_list(
    qtbot: QtBot, make_controller: Callable[..., AppController], missions: list[Peer]
) -> None:
    # A search hit opens its conversation this way (MainWindow.show_message).
    amina, boris = missions
    with boris.unlocked() as room:
        room.messenger.send_text("Amina Haddad", "One")
        room.messenger.send_text("Amina Haddad", "Two")
    sync_peer(boris)
    _controller, main = open_gui(qtbot, make_controller, amina)
    page = _messages(main)
    qtbot.waitUntil(lambda: page.list.count() == 1, timeout=SIGNAL_TIMEOUT_MS)
    assert page.list.item(0).data(UNREAD_ROLE) == 2
    main.show_section("messages")
    page.open_conversation(page.conversations[0].id)
    assert len(page.view.messages) == 2
    assert page.list.item(0).data(UNREAD_ROLE) == 0
    assert main.sidebar.badge("messages") == 0
