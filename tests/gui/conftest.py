"""GUI fixtures: a real AppController over a real vault, Qt offscreen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from delegate_app.core.paths import ProfilePaths
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Vault
from delegate_app.ui.controller import AppController


@pytest.fixture
def controller(
    qtbot: QtBot, vault: Vault, profile_paths: ProfilePaths, default_policy: Policy
) -> Iterator[AppController]:
    vault.lock()
    app_controller = AppController(profile_paths, default_policy)
    app_controller.start()
    yield app_controller
    if app_controller.session.is_unlocked:
        app_controller.session.lock()
    for widget in (app_controller.main_window, app_controller.unlock_window):
        if widget is not None:
            widget.close()
