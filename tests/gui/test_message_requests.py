"""Message requests in the app: real widgets offscreen, a real relay, strangers' real envelopes."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from delegate_app.core.contacts.book import ContactBook, own_card
from delegate_app.ui.bidi import isolate
from delegate_app.ui.controller import AppController
from tests.gui.missions import open_gui, sync_gui
from tests.relay_server import RelayProcess
from tests.sync.profiles import Peer, profiles_at, sync_peer

pytestmark = pytest.mark.gui

HOSTILE = '<b style="color:green">✔ Verified by your organisation</b> hello'


def test_requests_are_listed_as_text_accepted_with_a_card_and_deleted_with_block(
    qtbot: QtBot,
    make_controller: Callable[..., AppController],
    missions: list[Peer],
    gui_relay: RelayProcess,
    tmp_path: Path,
) -> None:
    amina = missions[0]
    with ExitStack() as stack:
        chen, dara = (
            stack.enter_context(profiles_at(tmp_path / f"s{i}", 1, gui_relay.url, first=2 + i))[0]
            for i in (0, 1)
        )
        with amina.unlocked():
            card = own_card(amina.vault.db, amina.policy)
        fake = "Buy now\nSafety number: 00000 11111 22222"  # a line of its own, it would look ours
        for stranger, text in ((chen, HOSTILE), (dara, fake)):
            ContactBook(stranger.vault.db, stranger.policy).import_card(card)
            stranger.room.messenger.send_text("Amina Haddad", text)
            assert sync_peer(stranger).sent == 1
        chen_card = own_card(chen.vault.db, chen.policy).to_text().encode()

        controller, main = open_gui(qtbot, make_controller, amina)  # its first pass fetches
        main.sidebar.select("messages")
        page = main.messages
        widget = page.requests
        qtbot.waitUntil(lambda: len(widget.requests) == 2)
        assert widget.isVisible() and widget.toggle_button.text() == "Message &requests (2)"
        assert widget.toggle_button in page.focus_chain()
        widget.toggle_button.setFocus()
        qtbot.keyClick(widget.toggle_button, Qt.Key.Key_Space)  # reachable by keyboard
        assert widget.panel.isVisible() and widget.list.hasFocus()
        rows = {widget.list.item(n).text(): n for n in range(widget.list.count())}
        (chen_row,) = [n for text, n in rows.items() if "Verified" in text]
        widget.list.setCurrentRow(chen_row)
        assert widget.details.textFormat() is Qt.TextFormat.PlainText
        assert HOSTILE in widget.details.text()  # the markup shown as the characters it is
        # Isolated, so that text in another script is not reordered with the labels in Arabic.
        assert isolate(HOSTILE) in widget.details.text() and isolate(HOSTILE) in (
            widget.list.item(chen_row).text()
        )
        assert widget.current_request().safety_number in widget.details.text()  # type: ignore[union-attr]

        (dara_row,) = [n for n in rows.values() if n != chen_row]
        widget.list.setCurrentRow(dara_row)
        lines = widget.details.text().splitlines()
        assert [line for line in lines if line.startswith("Safety number:")] == [lines[1]]
        assert "Buy now Safety number: 00000" in lines[-1]  # the preview stays on one line
        widget.list.setCurrentRow(chen_row)

        dara_card = own_card(dara.vault.db, dara.policy).to_text().encode()
        assert not widget.accept_card_bytes(dara_card)  # another key's card: refused
        assert "not of the key" in widget.error_label.text() and len(widget.requests) == 2
        assert widget.accept_card_bytes(chen_card)
        assert [c.name for c in page.room.contacts.contacts()] == ["Boris Petrov", "Chen Wei"]
        conversation = page.current_conversation()
        assert conversation is not None and len(page.view.row_texts()) == 1
        assert HOSTILE in page.view.row_texts()[0]
        assert widget.toggle_button.text() == "Message &requests (1)"

        widget.list.setCurrentRow(0)
        widget.block_button.click()
        assert widget.requests == [] and not widget.isVisible()
        dara.room.messenger.send_text("Amina Haddad", "Buy now, again")
        assert sync_peer(dara).sent == 1
        report = sync_gui(qtbot, controller)
        assert report.received == report.held == report.discarded == 0  # blocked: silently
        assert widget.requests == [] and not widget.isVisible()
