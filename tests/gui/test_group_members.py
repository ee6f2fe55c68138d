"""A group in the messages page: members with pending state and trust, a message that did not go
to the whole group flagged, and the creator removing a member (real relay, real widgets)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from delegate_app.ui.controller import AppController
from delegate_app.ui.conversation_view import ConversationViewWidget
from delegate_app.ui.group_members_dialog import GroupMembersDialog
from delegate_app.ui.main_window import MainWindow
from delegate_app.ui.messages_page import MessagesPageWidget
from tests.gui.conftest import SIGNAL_TIMEOUT_MS
from tests.gui.missions import open_gui, sync_gui
from tests.relay_server import RelayProcess
from tests.sync.groups import identity_of, post_as
from tests.sync.profiles import Peer, create_profiles, introduce, profiles_at, sync_peer

pytestmark = pytest.mark.gui

PENDING = "pending — waiting for their card, not sent to them"


@pytest.fixture
def delegation(tmp_path: Path, gui_relay: RelayProcess) -> Iterator[list[Peer]]:
    """Amina (for the GUI), Boris, Chen, and Dara, whose card only Boris has."""
    with profiles_at(tmp_path / "trio", 3, gui_relay.url) as trio:
        (dara,) = create_profiles(tmp_path / "dara", 1, gui_relay.url, first=3)
        try:
            introduce([trio[1], dara])
            yield [*trio, dara]
        finally:
            dara.close()


def _messages(main: MainWindow) -> MessagesPageWidget:
    main.sidebar.select("messages")
    return main.messages


def _open_group(page: MessagesPageWidget, title: str) -> None:
    group = next(c for c in page.conversations if c.title == title)
    page.open_conversation(group.id)


def _rows(widget: object) -> list[str]:
    if isinstance(widget, ConversationViewWidget):
        return widget.row_texts()
    lst = getattr(widget, "list")  # noqa: B009
    return [lst.item(n).text() for n in range(lst.count())]


def _members_dialog(qtbot: QtBot, page: MessagesPageWidget) -> GroupMembersDialog:
    qtbot.mouseClick(page.view.members_button, Qt.MouseButton.LeftButton)
    dialog = page.members_dialog
    assert isinstance(dialog, GroupMembersDialog) and dialog.isVisible()
    return dialog


def test_pending_members_and_a_message_to_part_of_the_group_are_shown(
    qtbot: QtBot, make_controller: Callable[..., AppController], delegation: list[Peer]
) -> None:
    amina, boris, chen, dara = delegation
    dara_short = identity_of(dara).identity_key.hex()[:12] + "…"
    with boris.unlocked() as room:
        members = ["Amina Haddad", "Chen Wei", "Dara Okafor"]
        uid = room.messenger.create_group("Delegation", members).uid
        room.messenger.send_to_group("Delegation", "Welcome.")
    sync_peer(boris)
    sync_peer(chen)
    post_as(chen, uid, [identity_of(amina)], "Between us: concede item 4.")
    amina.vault.lock()
    controller, main = open_gui(qtbot, make_controller, amina)
    page = _messages(main)
    _open_group(page, "Delegation")

    assert page.view.members_button.isVisible()
    assert page.view.members_label.text() == (
        f"Members: Boris Petrov, Chen Wei, {dara_short} (pending)"
    )
    rows = _rows(page.view)
    assert "⚠" not in rows[0]  # Boris's message went to the whole group
    missing = ", ".join(sorted(["Boris Petrov", dara_short], key=str.casefold))
    assert rows[1].endswith(f"\n⚠ Sent only to you — not to {missing}.")
    spoken = str(page.view.message_index(1).data(Qt.ItemDataRole.AccessibleTextRole))
    assert spoken.endswith(f"Warning: Sent only to you — not to {missing}.")

    dialog = _members_dialog(qtbot, page)
    assert dialog.creator_label.text() == (
        "Created by Boris Petrov: only they can change who is in it."
    )
    assert _rows(dialog) == [
        "you — member",
        "Boris Petrov — member; creator; Not verified",
        "Chen Wei — member; Not verified",
        f"{dara_short} — {PENDING}",
    ]
    assert dialog.pending_label.isVisible() and "Until then nothing is sent" in (
        dialog.pending_label.text()
    )
    assert not dialog.remove_button.isVisible()  # only Boris, the creator, removes
    for label in (*dialog.findChildren(QLabel), page.view.members_label):
        assert label.textFormat() is Qt.TextFormat.PlainText, label.objectName()
    dialog.reject()

    # Dara is pending: Amina's message still reaches Boris and Chen, and says whom it skipped.
    page.view.composer.edit.setPlainText("Agreed with Boris.")
    with qtbot.waitSignal(page.message_queued, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.mouseClick(page.view.composer.send_button, Qt.MouseButton.LeftButton)
    assert _rows(page.view)[-1].endswith(
        f"\n⚠ Sent only to Boris Petrov, Chen Wei — not to {dara_short}."
    )
    qtbot.waitUntil(lambda: "✓ sent" in _rows(page.view)[-1], timeout=SIGNAL_TIMEOUT_MS)
    for peer in (boris, chen):
        sync_peer(peer)
        with peer.unlocked() as room:
            bodies = [
                m.body for m in room.messenger.messages(room.messenger.group("Delegation").id)
            ]
        assert bodies[-1] == "Agreed with Boris."

    # Boris, the creator, removes Amina: her view says so and she can no longer send.
    with boris.unlocked() as room:
        room.messenger.remove_member(room.messenger.group("Delegation"), "Amina Haddad")
    sync_peer(boris)
    sync_gui(qtbot, controller)
    qtbot.waitUntil(
        lambda: page.view.members_label.text().startswith("You were removed from this group"),
        timeout=SIGNAL_TIMEOUT_MS,
    )
    assert not page.view.composer.isEnabled()


def test_the_creator_removes_a_member_after_confirming(
    qtbot: QtBot, make_controller: Callable[..., AppController], delegation: list[Peer]
) -> None:
    amina, boris, chen, _dara = delegation
    amina.vault.lock()
    controller, main = open_gui(qtbot, make_controller, amina)
    page = _messages(main)
    dialog_new = page.new_group()
    dialog_new.name_edit.setText("Caucus")
    dialog_new.set_checked(["Boris Petrov", "Chen Wei"])
    with qtbot.waitSignal(page.conversation_shown, timeout=SIGNAL_TIMEOUT_MS):
        dialog_new.accept()
    dialog = _members_dialog(qtbot, page)
    assert dialog.creator_label.text() == "You created this group: only you can remove members."
    assert dialog.remove_button.isVisible() and not dialog.remove_button.isEnabled()
    dialog.select(next(m.key for m in dialog.members if m.is_you))
    assert not dialog.remove_button.isEnabled()  # not ourselves
    chen_key = next(m.key for m in dialog.members if m.name == "Chen Wei")
    dialog.select(chen_key)
    assert dialog.remove_button.isEnabled()

    # Cancel changes nothing.
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    box = dialog.confirmation
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert box.textFormat() is Qt.TextFormat.PlainText
    assert box.text().startswith("Remove Chen Wei from Caucus? Every member is told")
    box.button(QMessageBox.StandardButton.Cancel).click()
    QApplication.processEvents()
    assert "Chen Wei — member; Not verified" in _rows(dialog)

    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    box = dialog.confirmation
    assert isinstance(box, QMessageBox)
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: "Chen Wei — removed" in _rows(dialog), timeout=SIGNAL_TIMEOUT_MS)
    assert not dialog.remove_button.isEnabled()  # a removed member cannot be removed again
    assert page.view.members_label.text() == "Members: Boris Petrov"
    dialog.reject()

    sync_gui(qtbot, controller)
    for peer in (boris, chen):
        sync_peer(peer)
    with chen.unlocked() as room:
        assert room.messenger.group("Caucus").self_removed
    with boris.unlocked() as room:
        assert chen.name not in [
            room.directory.display_name(k) for k in room.messenger.group("Caucus").members
        ]
