"""GUI fixtures: a real AppController over a real vault, Qt offscreen, and helpers that act
the way a delegate does (type, press keys, drop files) and wait on signals."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from delegate_app import i18n
from delegate_app.core.paths import ProfilePaths
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Vault
from delegate_app.ui.controller import AppController
from delegate_app.ui.language import LanguageManager
from delegate_app.ui.library_page import LibraryPageWidget
from delegate_app.ui.main_window import MainWindow
from tests.conftest import PASSPHRASE
from tests.relay_server import RelayProcess
from tests.sync.conftest import start_relay
from tests.sync.profiles import Peer, profiles_at

SIGNAL_TIMEOUT_MS = 20_000


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    """Tests assert English texts: every test ends in English, left to right."""
    yield
    if i18n.current_language() != i18n.SOURCE_LANGUAGE:
        LanguageManager().switch(i18n.SOURCE_LANGUAGE)  # catalogue, Qt translator, direction
        QApplication.sendPostedEvents()


@pytest.fixture
def controller(
    qtbot: QtBot, vault: Vault, profile_paths: ProfilePaths, default_policy: Policy
) -> Iterator[AppController]:
    """The app on an existing (locked) profile, showing the unlock screen."""
    vault.lock()
    app_controller = AppController(profile_paths, default_policy)
    app_controller.start()
    yield app_controller
    app_controller.shutdown()


@pytest.fixture
def make_controller(qtbot: QtBot) -> Iterator[Callable[..., AppController]]:
    """Builds started controllers with a custom policy or idle interval; tears them down after."""
    made: list[AppController] = []

    def make(paths: ProfilePaths, policy: Policy, **kwargs: Any) -> AppController:
        # Tests drive each pass with Sync now and wait for its report; live delivery would
        # bring arrivals in a pass of its own first. Its tests ask for it.
        kwargs.setdefault("sync_live", False)
        made.append(AppController(paths, policy, **kwargs))
        made[-1].start()
        return made[-1]

    yield make
    for app_controller in made:
        app_controller.shutdown()


def unlock(qtbot: QtBot, controller: AppController, passphrase: str = PASSPHRASE) -> MainWindow:
    """Type the passphrase into the unlock screen, press Enter, wait for the main window."""
    window = controller.unlock_window
    assert window is not None and window.isVisible()
    window.passphrase_edit.clear()
    qtbot.keyClicks(window.passphrase_edit, passphrase)
    with qtbot.waitSignal(window.unlocked, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.keyClick(window.passphrase_edit, Qt.Key.Key_Return)
    assert controller.main_window is not None
    return controller.main_window


def import_files(qtbot: QtBot, library: LibraryPageWidget, paths: list[Path]) -> tuple[int, int]:
    """Import through the page (the path the menu and drops use); (imported, refused)."""
    with qtbot.waitSignal(library.import_finished, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        library.import_files(paths)
    imported, refused = blocker.args or (0, 0)
    return int(imported), int(refused)


@pytest.fixture(scope="module")
def gui_relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayProcess]:
    """One relay per test module; each test's profiles have mailboxes of their own."""
    process = start_relay(tmp_path_factory.mktemp("relay") / "relay.db")
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def missions(tmp_path: Path, gui_relay: RelayProcess) -> Iterator[list[Peer]]:
    """Amina (for the GUI, locked) and Boris (unlocked, driven by the core), introduced."""
    with profiles_at(tmp_path / "missions", 2, gui_relay.url) as peers:
        peers[0].vault.lock()
        yield peers
