"""GUI fixtures: a real AppController over a real vault, Qt offscreen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

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
    app_controller.shutdown()


@pytest.fixture
def make_controller(qtbot: QtBot) -> Iterator[Callable[..., AppController]]:
    """Builds controllers with custom policy or idle interval; tears them all down after."""
    made: list[AppController] = []

    def make(paths: ProfilePaths, policy: Policy, **kwargs: Any) -> AppController:
        made.append(AppController(paths, policy, **kwargs))
        made[-1].start()
        return made[-1]

    yield make
    for controller in made:
        controller.shutdown()
