"""First run, unlock (wrong, right, throttled), and the OS keyring path."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from delegate_app.core.errors import WrongPassphraseError
from delegate_app.core.paths import ProfilePaths
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Vault
from delegate_app.core.vault.throttle import FREE_ATTEMPTS, Attempts, AttemptsFile
from delegate_app.ui.controller import AppController
from tests.gui.conftest import SIGNAL_TIMEOUT_MS, unlock
from tests.memory_keyring import MemoryKeyring

pytestmark = pytest.mark.gui


def test_first_run_creates_profile_and_opens_main_window(
    qtbot: QtBot,
    profile_paths: ProfilePaths,
    default_policy: Policy,
    make_controller: Callable[..., AppController],
) -> None:
    controller = make_controller(profile_paths, default_policy)
    dialog = controller.first_run
    assert dialog is not None and dialog.isVisible()
    assert controller.unlock_window is None
    qtbot.keyClicks(dialog.name_edit, "Amina Haddad")
    qtbot.keyClicks(dialog.organisation_edit, "Mission of Freedonia")
    qtbot.keyClicks(dialog.passphrase_edit, "short")
    assert dialog.strength_bar.format() == "Weak"
    dialog.passphrase_edit.clear()
    qtbot.keyClicks(dialog.passphrase_edit, "tulip Harbour 7 quietly")
    assert dialog.strength_bar.value() >= 70
    assert dialog.strength_bar.format() in ("Strong", "Very strong")
    qtbot.keyClicks(dialog.confirm_edit, "tulip harbour 7 quietly")
    qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    assert dialog.error_label.text() == "The passphrases do not match."
    assert not Vault.exists(profile_paths)

    dialog.confirm_edit.setText("tulip Harbour 7 quietly")
    with qtbot.waitSignal(dialog.accepted, timeout=SIGNAL_TIMEOUT_MS):
        dialog.create_profile()
    assert dialog.passphrase_edit.text() == "" and dialog.confirm_edit.text() == ""
    window = controller.main_window
    assert window is not None and window.isVisible()
    assert controller.session.is_unlocked
    assert window.sidebar.title_label.text() == "Amina Haddad"
    assert window.sidebar.subtitle_label.text() == "Mission of Freedonia"


def test_first_run_reports_a_refused_passphrase(
    qtbot: QtBot,
    profile_paths: ProfilePaths,
    default_policy: Policy,
    make_controller: Callable[..., AppController],
) -> None:
    controller = make_controller(profile_paths, default_policy)
    dialog = controller.first_run
    assert dialog is not None
    dialog.name_edit.setText("Amina Haddad")
    dialog.organisation_edit.setText("Mission of Freedonia")
    dialog.passphrase_edit.setText("short")
    dialog.confirm_edit.setText("short")
    dialog.create_profile()
    qtbot.waitUntil(lambda: "at least" in dialog.error_label.text(), timeout=SIGNAL_TIMEOUT_MS)
    assert dialog.isVisible() and not Vault.exists(profile_paths)
    assert dialog.passphrase_edit.isEnabled()


def test_unlock_wrong_then_right(qtbot: QtBot, controller: AppController) -> None:
    window = controller.unlock_window
    assert window is not None and window.isVisible()
    assert not window.keyring_button.isVisible()
    window.passphrase_edit.setText("wrong passphrase")
    with qtbot.waitSignal(window.unlock_failed, timeout=SIGNAL_TIMEOUT_MS) as failed:
        qtbot.keyClick(window.passphrase_edit, Qt.Key.Key_Return)
    assert failed.args == ["Wrong passphrase."]
    assert window.message_label.text() == "Wrong passphrase."
    assert not controller.session.is_unlocked
    assert window.passphrase_edit.isEnabled()
    main = unlock(qtbot, controller)
    assert main.isVisible() and not window.isVisible()
    assert window.passphrase_edit.text() == ""


def test_throttle_shows_a_countdown_then_allows_another_try(
    qtbot: QtBot, controller: AppController
) -> None:
    window = controller.unlock_window
    assert window is not None
    for _attempt in range(3):
        window.passphrase_edit.setText("wrong passphrase")
        with qtbot.waitSignal(window.unlock_failed, timeout=SIGNAL_TIMEOUT_MS):
            window.try_unlock()
    assert window.message_label.text().startswith("Too many wrong passphrases. Try again in")
    assert window.countdown.isActive()
    assert not window.unlock_button.isEnabled() and not window.passphrase_edit.isEnabled()
    qtbot.waitUntil(window.unlock_button.isEnabled, timeout=10_000)
    assert window.message_label.text() == "Wrong passphrase. You may try again now."
    unlock(qtbot, controller)


def test_a_restarted_app_shows_the_wait_left_from_the_last_session(
    qtbot: QtBot,
    vault: Vault,
    profile_paths: ProfilePaths,
    default_policy: Policy,
    make_controller: Callable[..., AppController],
) -> None:
    vault.lock()
    last_session = Vault.open(profile_paths)
    for _attempt in range(FREE_ATTEMPTS):
        with pytest.raises(WrongPassphraseError):
            last_session.unlock("wrong passphrase")
    # Four more failures, as delegatectl or an earlier run would have recorded them: 32 s to wait.
    recorded = AttemptsFile(profile_paths.unlock_attempts).load()
    AttemptsFile(profile_paths.unlock_attempts).save(
        Attempts(failures=recorded.failures + 4, last_failure=recorded.last_failure)
    )
    controller = make_controller(profile_paths, default_policy)
    window = controller.unlock_window
    assert window is not None and window.isVisible()
    assert window.message_label.text().startswith("Too many wrong passphrases. Try again in")
    assert window.countdown.isActive()
    assert not window.unlock_button.isEnabled() and not window.passphrase_edit.isEnabled()
    window.try_unlock()  # Return pressed anyway: nothing is tried while the wait runs
    assert not controller.session.is_unlocked


def test_keyring_unlocks_at_start_and_on_request_after_a_lock(
    qtbot: QtBot,
    memory_keyring: MemoryKeyring,
    vault: Vault,
    profile_paths: ProfilePaths,
    default_policy: Policy,
    make_controller: Callable[..., AppController],
) -> None:
    assert vault.enable_keyring()
    vault.lock()
    controller = make_controller(profile_paths, default_policy)
    qtbot.waitUntil(lambda: controller.session.is_unlocked, timeout=SIGNAL_TIMEOUT_MS)
    main = controller.main_window
    assert main is not None and main.isVisible()

    controller.lock()
    window = controller.unlock_window
    assert window is not None and window.isVisible() and window.keyring_button.isVisible()
    assert not controller.session.is_unlocked  # no automatic unlock after a lock
    with qtbot.waitSignal(window.unlocked, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.mouseClick(window.keyring_button, Qt.MouseButton.LeftButton)
    assert controller.session.is_unlocked and main.isVisible()


def test_keyring_without_the_key_asks_for_the_passphrase(
    qtbot: QtBot,
    memory_keyring: MemoryKeyring,
    vault: Vault,
    profile_paths: ProfilePaths,
    default_policy: Policy,
    make_controller: Callable[..., AppController],
) -> None:
    assert vault.enable_keyring()
    vault.lock()
    memory_keyring.secrets.clear()  # the keyring lost the key (another machine, a reset)
    controller = make_controller(profile_paths, default_policy)
    window = controller.unlock_window
    assert window is not None
    qtbot.waitUntil(lambda: "keyring did not hold" in window.message_label.text(),
                    timeout=SIGNAL_TIMEOUT_MS)  # fmt: skip
    assert not controller.session.is_unlocked
    unlock(qtbot, controller)
