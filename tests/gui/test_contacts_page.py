"""The contacts page: trust states, importing cards, my card, verification, key changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot

from delegate_app.core.contacts.book import own_card
from delegate_app.core.crypto.cards import parse_any_card
from delegate_app.core.crypto.keywrap import FAST_KDF
from delegate_app.core.paths import resolve_profile
from delegate_app.core.policy import Policy
from delegate_app.core.profile import ProfileInfo, init_profile
from delegate_app.core.qr import qr_matrix
from delegate_app.ui import file_dialogs
from delegate_app.ui.bidi import isolate
from delegate_app.ui.contacts_page import ContactsPageWidget
from delegate_app.ui.controller import AppController
from delegate_app.ui.main_window import MainWindow
from delegate_app.ui.verification_dialog import VerificationDialog
from tests.conftest import PASSPHRASE
from tests.gui.conftest import SIGNAL_TIMEOUT_MS
from tests.gui.missions import open_gui
from tests.sync.profiles import Peer, sync_peer

pytestmark = pytest.mark.gui


def _contacts(main: MainWindow) -> ContactsPageWidget:
    main.sidebar.select("contacts")
    page = main.stack.currentWidget()
    assert isinstance(page, ContactsPageWidget)
    return page


def _card_of_new_profile(root: Path, name: str, organisation: str, relay: str) -> str:
    vault = init_profile(
        resolve_profile(root), ProfileInfo(name, organisation, relay), PASSPHRASE,
        Policy.from_raw(None), kdf=FAST_KDF,
    )  # fmt: skip
    try:
        return own_card(vault.db, Policy.from_raw(None)).to_text()
    finally:
        vault.lock()


def test_verify_a_contact_by_comparing_the_safety_number(
    qtbot: QtBot, make_controller: Callable[..., AppController], missions: list[Peer]
) -> None:
    amina, boris = missions
    _controller, main = open_gui(qtbot, make_controller, amina)
    page = _contacts(main)
    assert page.list.count() == 1
    assert page.list.item(0).text() == (
        f"{isolate('Boris Petrov')} — {isolate('Embassy of Sylvania')}\n{isolate('Not verified')}"
    )
    page.list.setCurrentRow(0)
    qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, VerificationDialog) and dialog.isVisible()
    with boris.unlocked() as room:  # what Boris reads on his screen
        theirs = room.contacts.safety_number(room.contacts.get("Amina Haddad"))
    assert dialog.digits.text().split() == theirs.split()
    assert len(dialog.digits.text().split("\n")) == 3  # 12 groups of five, four to a line
    assert dialog.qr.matrix == qr_matrix(theirs.replace(" ", ""))
    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    assert page.list.item(0).text().endswith("\n" + isolate("Verified"))
    assert page.trust_label.text() == "Verified"


def test_import_a_card_from_a_file_and_from_pasted_text_and_show_my_card(
    qtbot: QtBot,
    make_controller: Callable[..., AppController],
    missions: list[Peer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    amina, _boris = missions
    controller, main = open_gui(qtbot, make_controller, amina)
    page = _contacts(main)
    chen = _card_of_new_profile(tmp_path / "chen", "Chen Wei", "Grand Fenwick", "http://x")
    card_file = tmp_path / "chen.txt"
    card_file.write_text(chen + "\n")
    monkeypatch.setattr(file_dialogs, "open_file", lambda *a, **k: str(card_file))
    with qtbot.waitSignal(page.contact_imported, timeout=SIGNAL_TIMEOUT_MS) as imported:
        qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    assert imported.args == ["Chen Wei"]
    assert main.status_label.text() == "Added contact Chen Wei (Grand Fenwick)."
    dara = _card_of_new_profile(tmp_path / "dara", "Dara Okafor", "Genovia", "http://x")
    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *a, **k: (dara, True))
    qtbot.mouseClick(page.paste_button, Qt.MouseButton.LeftButton)
    names = [
        page.list.item(n).text().split(" — ")[0].strip("\u2068\u2069")
        for n in range(page.list.count())
    ]
    assert sorted(names) == ["Boris Petrov", "Chen Wei", "Dara Okafor"]
    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *a, **k: ("garbage", True))
    qtbot.mouseClick(page.paste_button, Qt.MouseButton.LeftButton)
    assert page.error_label.text() == "This is not a Delegate contact card."

    dialog = page.show_my_card()
    mine = own_card(controller.session.db, controller.session.policy)
    assert parse_any_card(dialog.card_text.encode()).identity == mine.identity
    assert dialog.qr.matrix == qr_matrix(dialog.card_text)
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == dialog.card_text
    target = tmp_path / "my-card.txt"
    monkeypatch.setattr(file_dialogs, "save_file", lambda *a, **k: str(target))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert parse_any_card(target.read_bytes().strip()).name == "Amina Haddad"


def test_a_key_change_blocks_sending_until_the_new_number_was_seen_and_accepted(
    qtbot: QtBot,
    make_controller: Callable[..., AppController],
    missions: list[Peer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    amina, boris = missions
    controller, main = open_gui(qtbot, make_controller, amina)
    messages = main.messages
    main.sidebar.select("messages")
    messages.start_direct("Boris Petrov")
    assert messages.view.composer.isEnabled()
    # Boris reinstalled: same name, a new identity key.
    relay_url = boris.room.relay_url or ""
    new_card = _card_of_new_profile(tmp_path / "boris2", "Boris Petrov", "Sylvania", relay_url)
    contacts = _contacts(main)
    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *a, **k: (new_card, True))
    qtbot.mouseClick(contacts.paste_button, Qt.MouseButton.LeftButton)
    assert main.status_label.text() == "Boris Petrov now presents a different security key."
    assert contacts.banner.isVisible()
    assert "Key changed" in contacts.list.item(0).text()

    main.sidebar.select("messages")
    view = messages.view
    assert not view.composer.isEnabled()
    banner = view.banner
    assert banner.isVisibleTo(main) and banner.contact is not None
    assert f"{isolate('Boris Petrov')}'s security key changed" in banner.message.text()
    assert not banner.accept_button.isEnabled()  # the new number was not shown yet
    qtbot.mouseClick(banner.compare_button, Qt.MouseButton.LeftButton)
    dialog = messages.dialog
    assert isinstance(dialog, VerificationDialog) and dialog.pending
    assert "NEW key" in dialog.intro.text() and dialog.verify_button.parent() is None
    new_number = controller.session.mailroom.contacts.safety_number(
        controller.session.mailroom.contacts.get("Boris Petrov"), pending=True
    )
    assert dialog.digits.text().split() == new_number.split()
    dialog.reject()
    assert banner.accept_button.isEnabled()
    qtbot.mouseClick(banner.accept_button, Qt.MouseButton.LeftButton)
    assert view.composer.isEnabled() and not banner.isVisibleTo(main)
    assert view.title_label.text() == "Boris Petrov"  # the conversation with the new key
    view.composer.edit.setPlainText("Welcome back")
    with qtbot.waitSignal(messages.message_queued, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.mouseClick(view.composer.send_button, Qt.MouseButton.LeftButton)
    assert controller.session.mailroom.contacts.get("Boris Petrov").verified is False
    sync_peer(boris)  # the old Boris no longer receives: the message went to the new key
    with boris.unlocked() as room:
        assert [m.body for m in room.messenger.messages()] == []


def test_keep_old_key_unblocks_sending_to_the_old_key(
    qtbot: QtBot,
    make_controller: Callable[..., AppController],
    missions: list[Peer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    amina, boris = missions
    _controller, main = open_gui(qtbot, make_controller, amina)
    new_card = _card_of_new_profile(tmp_path / "b2", "Boris Petrov", "Sylvania", "http://x")
    contacts = _contacts(main)
    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *a, **k: (new_card, True))
    qtbot.mouseClick(contacts.paste_button, Qt.MouseButton.LeftButton)
    contacts.select_contact("Boris Petrov")
    qtbot.mouseClick(contacts.banner.keep_button, Qt.MouseButton.LeftButton)
    assert not contacts.banner.isVisibleTo(main)
    assert contacts.list.item(0).text().endswith("\n" + isolate("Not verified"))
    main.sidebar.select("messages")
    main.messages.start_direct("Boris Petrov")
    assert main.messages.view.composer.isEnabled()
    main.messages.view.composer.edit.setPlainText("Still you?")
    with qtbot.waitSignal(main.messages.message_queued, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.mouseClick(main.messages.view.composer.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "sent" in main.messages.view.row_texts()[0], timeout=SIGNAL_TIMEOUT_MS)
    sync_peer(boris)
    with boris.unlocked() as room:
        assert [m.body for m in room.messenger.messages()] == ["Still you?"]


def test_the_details_say_whether_messages_with_the_contact_have_forward_secrecy(
    qtbot: QtBot, make_controller: Callable[..., AppController], missions: list[Peer]
) -> None:
    amina, _boris = missions
    _controller, main = open_gui(qtbot, make_controller, amina)
    page = _contacts(main)
    page.list.setCurrentRow(0)
    assert page.secrecy_label.text() == "Forward secrecy: off"  # nothing exchanged yet
    with amina.unlocked() as room:  # the first message starts a session (Boris's v3 card)
        room.messenger.send_text("Boris Petrov", "In a ratchet session.")
    page.refresh()
    page.list.setCurrentRow(0)
    assert page.secrecy_label.text() == "Forward secrecy: on"
