"""Start-up: the unlock window paints before the heavy modules load; they load right after."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from delegate_app.core.formatting import is_right_to_left
from delegate_app.core.paths import ProfilePaths
from delegate_app.core.policy import SUPPORTED_LANGUAGES
from delegate_app.core.vault import Vault
from delegate_app.ui.language import layout_direction
from tests.conftest import PASSPHRASE
from tests.gui.startup_child import HEAVY

pytestmark = pytest.mark.gui
TIMEOUT_S = 120


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DELEGATE_PASSPHRASE": PASSPHRASE}
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True,
        timeout=TIMEOUT_S, check=False,
    )  # fmt: skip


def test_unlock_window_paints_before_sqlcipher_libsodium_babel_and_the_main_window_load(
    vault: Vault, profile_paths: ProfilePaths
) -> None:
    vault.lock()
    result = _run("-m", "tests.gui.startup_child", str(profile_paths.root))
    assert result.returncode == 0, result.stderr
    at_paint, after_preload = (json.loads(line) for line in result.stdout.splitlines()[:2])
    assert at_paint == []
    assert after_preload == list(HEAVY)


def test_startup_probe_unlocks_and_paints_the_main_window_after_preloading(
    vault: Vault, profile_paths: ProfilePaths
) -> None:
    vault.lock()
    for flag in ("--benchmark-unlock", "--benchmark-startup"):
        result = _run("-m", "delegate_app.app", "--profile", str(profile_paths.root), flag)
        assert result.returncode == 0, result.stderr
        word, seconds, label, kib = result.stdout.split()
        assert (word, label) == ("painted", "rss_kb")
        assert float(seconds) > 0 and int(kib) > 0


@pytest.mark.parametrize("code", SUPPORTED_LANGUAGES)
def test_layout_direction_from_qt_agrees_with_babel(code: str) -> None:
    """The start-up language sets the direction from Qt's locale data, not Babel's."""
    assert (layout_direction(code).name == "RightToLeft") == is_right_to_left(code)
