"""The sync worker on its QThread: owned by the controller, shown in the status bar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtNetwork import QNetworkInformation
from pytestqt.qtbot import QtBot

from delegate_app.core.formatting import format_time
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Database
from delegate_app.ui.controller import AppController
from delegate_app.ui.notifications import Arrival, notification_text
from delegate_app.ui.sync_worker import SyncWorker
from tests.gui.conftest import SIGNAL_TIMEOUT_MS, unlock
from tests.gui.missions import open_gui, sync_gui, wait_up_to_date
from tests.relay_server import RelayProcess
from tests.sync.conftest import start_relay
from tests.sync.profiles import Peer, profiles_at, sync_peer

pytestmark = pytest.mark.gui


def test_status_bar_shows_up_to_date_and_lock_joins_the_worker(
    qtbot: QtBot, make_controller: Callable[..., AppController], missions: list[Peer]
) -> None:
    before = datetime.now(UTC)
    controller, main = open_gui(qtbot, make_controller, missions[0])
    after = datetime.now(UTC)
    assert main.sync_label.text() in {f"Up to date at {format_time(t)}" for t in (before, after)}
    assert main.sync_label.accessibleName() == "Sync state"
    sync = controller.sync
    assert sync is not None and sync.running
    assert sync.thread.objectName() == "delegate-sync"
    report = sync_gui(qtbot, controller)  # Sync now wakes the engine well before its poll
    assert report.errors == [] and report.rejected == []
    main.switch_language("fr")  # the state is described again, in the new language
    qtbot.waitUntil(lambda: main.sync_label.text().startswith("À jour à "))
    main.switch_language("ar")
    qtbot.waitUntil(main.messages.isRightToLeft)
    main.switch_language("en")
    qtbot.waitUntil(lambda: main.sync_label.text().startswith("Up to date at "))

    controller.lock()
    assert controller.sync is None and not sync.running  # stopped and joined before the lock
    assert main.sync_label.text() == ""
    main = unlock(qtbot, controller)
    qtbot.waitUntil(lambda: controller.sync is not None)  # started once the window is up
    assert controller.sync is not sync
    wait_up_to_date(qtbot, main)


def test_offline_then_back_when_the_network_returns(
    qtbot: QtBot, make_controller: Callable[..., AppController], tmp_path: Path
) -> None:
    relay = start_relay(tmp_path / "relay.db")
    try:
        with profiles_at(tmp_path / "missions", 2, relay.url) as peers:
            peers[0].vault.lock()
            controller, main = open_gui(qtbot, make_controller, peers[0])
            # The system says the network is up: a silent relay is "unreachable", not "offline".
            controller._reachability_changed(QNetworkInformation.Reachability.Online)
            relay.stop()
            main.sync_now_action.trigger()
            qtbot.waitUntil(
                lambda: main.sync_label.text().startswith("Relay unreachable; next try at "),
                timeout=SIGNAL_TIMEOUT_MS,
            )
            controller._reachability_changed(QNetworkInformation.Reachability.Disconnected)
            assert main.sync_label.text() == "Offline: no network connection"
            relay = start_relay(tmp_path / "relay.db", port=relay.port)
            # What QNetworkInformation reports when the link comes back: retry at once.
            controller._reachability_changed(QNetworkInformation.Reachability.Online)
            wait_up_to_date(qtbot, main)
    finally:
        relay.stop()


def test_a_profile_without_a_relay_says_it_does_not_sync(
    qtbot: QtBot, controller: AppController
) -> None:
    main = unlock(qtbot, controller)
    qtbot.waitUntil(lambda: main.sync_label.text() != "", timeout=SIGNAL_TIMEOUT_MS)
    reason = "This profile has no relay address: set one before syncing."
    # The reason is isolated, so in Arabic its full stop stays at its own end.
    assert main.sync_label.text() == f"Not syncing: \u2068{reason}\u2069"
    main.sync_now_action.trigger()  # harmless: there is nothing to wake
    controller.lock()
    assert controller.sync is None


def test_notifications_show_text_only_when_previews_are_allowed() -> None:
    one = [Arrival("Boris Petrov", "Plenary  moved\nto 15:00")]
    assert notification_text(one, previews=False) == ("New message from Boris Petrov", "")
    assert notification_text(one, previews=True) == (
        "New message from Boris Petrov", "Plenary moved to 15:00"
    )  # fmt: skip
    two = [*one, Arrival("Boris Petrov", "x" * 500)]
    title, body = notification_text(two, previews=True)
    assert title == "2 new messages from Boris Petrov" and len(body) == 120
    mixed = [*one, Arrival("Chen Wei", "Hello")]
    assert notification_text(mixed, previews=False) == ("2 new messages", "")


def test_a_worker_that_fails_unexpectedly_says_so_and_finishes(qtbot: QtBot) -> None:
    def broken_vault() -> Database:
        raise RuntimeError("disk gone")

    worker = SyncWorker(broken_vault, Policy.from_raw(None))
    with qtbot.waitSignals([worker.unavailable, worker.finished], timeout=SIGNAL_TIMEOUT_MS):
        worker.run()  # the thread's body, run here: it must not raise


def test_a_message_arrives_by_long_poll_without_waiting_for_the_idle_poll(
    qtbot: QtBot,
    make_controller: Callable[..., AppController],
    gui_relay: RelayProcess,
    missions: list[Peer],
) -> None:
    amina, boris = missions
    started = waiting(gui_relay)
    # A ten-minute idle poll: only the long-poll between passes can bring the message.
    controller = make_controller(
        amina.vault.paths, amina.policy, sync_idle_poll=600.0, sync_live=True
    )
    main = unlock(qtbot, controller)
    wait_up_to_date(qtbot, main)
    qtbot.waitUntil(lambda: waiting(gui_relay) > started, timeout=SIGNAL_TIMEOUT_MS)
    sync = controller.sync
    assert sync is not None
    with qtbot.waitSignal(
        sync.worker.report_ready,
        timeout=SIGNAL_TIMEOUT_MS,
        check_params_cb=lambda report: report.received == 1,
    ):
        with boris.unlocked() as room:
            room.messenger.send_text("Amina Haddad", "Live from the plenary")
        sync_peer(boris)
    controller.lock()  # the worker stops at once, its long-poll abandoned
    assert controller.sync is None and not sync.running


def waiting(relay: RelayProcess) -> int:
    """How many fetches have started to wait at ``relay`` so far (its log names each)."""
    return relay.stderr_text.count('"event": "fetch_waiting"')
