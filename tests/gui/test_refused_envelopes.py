"""A pass that refused envelopes, or met one no session opens, says so in the status bar."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.qtbot import QtBot

from delegate_app.core.messaging.models import Priority
from delegate_app.core.messaging.ratchet_store import RatchetStore
from delegate_app.ui.bidi import isolate
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


def test_a_message_no_session_opens_is_a_notice_naming_the_sender(
    qtbot: QtBot, make_controller: Callable[..., AppController], missions: list[Peer]
) -> None:
    amina, boris = missions
    boris.room.messenger.send_text("Amina Haddad", "Starts a session.")
    sync_peer(boris)
    sync_peer(amina)  # receives, and answers with a receipt in the session
    sync_peer(boris)
    with amina.unlocked() as room:  # as after restoring a backup from before the session
        assert RatchetStore(room.db).discard_sessions(boris.room.sender.key) >= 1
    boris.room.messenger.send_text("Amina Haddad", "Cannot be opened.")
    sync_peer(boris)
    _controller, main = open_gui(qtbot, make_controller, amina)
    qtbot.waitUntil(
        lambda: (
            main.status_label.text()
            == f"A message from {isolate('Boris Petrov')} could not be decrypted; a new secure "
            "session was started."
        ),
        timeout=SIGNAL_TIMEOUT_MS,
    )
