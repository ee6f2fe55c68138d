"""Helpers for GUI tests with two missions on a real relay (fixtures: ``gui_relay``,
``missions`` in conftest): the GUI drives the first profile, the core the second."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.qtbot import QtBot

from delegate_app.core.policy import Policy
from delegate_app.ui.controller import AppController
from delegate_app.ui.main_window import MainWindow
from sync.client.engine import SyncReport
from tests.gui.conftest import SIGNAL_TIMEOUT_MS, unlock
from tests.sync.profiles import Peer


def open_gui(
    qtbot: QtBot,
    make_controller: Callable[..., AppController],
    peer: Peer,
    policy: Policy | None = None,
) -> tuple[AppController, MainWindow]:
    """The app on ``peer``'s profile, unlocked, with the first sync pass done."""
    controller = make_controller(peer.vault.paths, policy or peer.policy)
    main = unlock(qtbot, controller)
    wait_up_to_date(qtbot, main)
    return controller, main


def wait_up_to_date(qtbot: QtBot, main: MainWindow) -> None:
    qtbot.waitUntil(
        lambda: main.sync_label.text().startswith("Up to date at"), timeout=SIGNAL_TIMEOUT_MS
    )


def sync_gui(qtbot: QtBot, controller: AppController) -> SyncReport:
    """Sync now (File → Sync now, F5) and wait for that pass's report to reach the pages."""
    main, sync = controller.main_window, controller.sync
    assert main is not None and sync is not None
    with qtbot.waitSignal(sync.worker.report_ready, timeout=SIGNAL_TIMEOUT_MS) as done:
        main.sync_now_action.trigger()
    report = done.args[0] if done.args else None
    assert isinstance(report, SyncReport)
    return report
