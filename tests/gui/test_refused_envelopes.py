"""A pass that refused envelopes says so once in the status bar, whatever their number."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.qtbot import QtBot

from delegate_app.core.messaging.models import Priority
from delegate_app.ui.controller import AppController
from tests.gui.conftest import SIGNAL_TIMEOUT_MS
from tests.gui.missions import open_gui
from tests.sync.profiles import Peer, sync_peer


def test_a_flood_of_refused_envelopes_is_one_status_line(
    qtbot: QtBot, make_controller: Callable[..., AppController], missions: list[Peer]
) -> None:
    amina, boris = missions
    with boris.unlocked() as room:
        target = room.directory.by_name("Amina Haddad")
        with room.db.transaction() as db:
            for _ in range(30):
                room.sender.enqueue(db, [target], content_type="x/unknown", body=b"x",
                                    kind="message", priority=Priority.MESSAGE)  # fmt: skip
    assert sync_peer(boris).sent == 30
    _controller, main = open_gui(qtbot, make_controller, amina)
    qtbot.waitUntil(
        lambda: main.status_label.text() == "30 envelopes were refused as damaged or forged.",
        timeout=SIGNAL_TIMEOUT_MS,
    )
