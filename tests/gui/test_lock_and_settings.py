"""Lock (Ctrl+L, idle), what a lock clears, preferences and the policy's locked settings."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from delegate_app.core.paths import ProfilePaths
from delegate_app.core.policy import POLICY_ENV_VAR, Policy, load_policy
from delegate_app.core.vault import Vault
from delegate_app.ui.controller import AppController
from delegate_app.ui.settings_dialog import SettingsDialog
from tests.gui.conftest import SIGNAL_TIMEOUT_MS, import_files, unlock
from tests.memory_keyring import MemoryKeyring

pytestmark = pytest.mark.gui


def test_ctrl_l_locks_and_clears_then_unlock_restores(
    qtbot: QtBot, controller: AppController, tmp_path: Path
) -> None:
    main = unlock(qtbot, controller)
    page = main.library
    doc = tmp_path / "agenda.md"
    doc.write_text("# Secret agenda\n\nItem one.\n")
    import_files(qtbot, page, [doc])
    page.select_first_document()
    qtbot.keyClicks(page.search_edit, "agenda")
    settings = main.open_settings()
    assert settings.isVisible()

    qtbot.keyClick(settings, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not controller.session.is_unlocked, timeout=SIGNAL_TIMEOUT_MS)
    assert not main.isVisible() and not _visible_dialogs()
    assert controller.unlock_window is not None and controller.unlock_window.isVisible()
    # Nothing read from the vault stays on screen or in the widgets.
    assert page.reader.document is None and page.reader.title_label.text() == ""
    assert page.reader.text_view.toPlainText() == ""
    assert page.model.rowCount() == 0 and page.results.count() == 0
    assert page.search_edit.text() == ""
    assert page.event_filter.count() == 1  # only "All events"
    assert main.sidebar.title_label.text() == ""
    assert not controller.idle_lock.active

    unlock(qtbot, controller)
    assert main.isVisible() and page.model.rowCount() == 1
    assert main.sidebar.title_label.text() == "Amina Haddad"
    assert controller.idle_lock.active


def test_lock_during_an_import_stops_the_worker_first(
    qtbot: QtBot, controller: AppController, tmp_path: Path
) -> None:
    main = unlock(qtbot, controller)
    files = []
    for n in range(40):
        path = tmp_path / f"note-{n}.txt"
        path.write_text(f"Note {n}\n" * 2000)
        files.append(path)
    worker = main.library.import_files(files)
    assert worker is not None
    controller.lock()
    assert not controller.tasks.busy or worker.cancelled
    assert controller.tasks.pool.activeThreadCount() == 0  # waited for the thread to return
    assert not controller.session.is_unlocked
    qtbot.waitUntil(lambda: not controller.tasks.busy, timeout=SIGNAL_TIMEOUT_MS)
    unlock(qtbot, controller)
    count = controller.session.library.count()
    assert 0 <= count <= 40
    assert main.library.model.rowCount() == count


def test_auto_lock_after_idle(
    qtbot: QtBot,
    vault: Vault,
    profile_paths: ProfilePaths,
    default_policy: Policy,
    make_controller: Callable[..., AppController],
) -> None:
    vault.lock()
    controller = make_controller(profile_paths, default_policy, idle_interval_ms=300)
    main = unlock(qtbot, controller)
    assert main.open_settings().isVisible()
    qtbot.waitUntil(lambda: not controller.session.is_unlocked, timeout=SIGNAL_TIMEOUT_MS)
    assert controller.unlock_window is not None and controller.unlock_window.isVisible()
    assert not main.isVisible() and not _visible_dialogs()


def test_policy_locked_settings_are_greyed_out(
    qtbot: QtBot,
    tmp_path: Path,
    vault: Vault,
    profile_paths: ProfilePaths,
    make_controller: Callable[..., AppController],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(json.dumps({"locked": {"auto_lock_minutes": 5}}))
    monkeypatch.setenv(POLICY_ENV_VAR, str(policy_file))
    vault.lock()
    controller = make_controller(profile_paths, load_policy())
    main = unlock(qtbot, controller)
    assert controller.idle_lock.interval_ms == 5 * 60_000
    dialog = main.open_settings()
    assert isinstance(dialog, SettingsDialog)
    assert not dialog.auto_lock_spin.isEnabled()
    assert dialog.auto_lock_spin.value() == 5
    assert dialog.auto_lock_spin.toolTip() == "Set by your organisation"
    assert dialog.locked_note.text() == "Greyed-out settings are set by your organisation."
    for free in (dialog.receipts_check, dialog.previews_check, dialog.keyring_check,
                 dialog.language_combo):  # fmt: skip
        assert free.isEnabled() and free.toolTip() == ""
    # Every allowed language but the pseudo-locale, which only developers ask for.
    assert (
        dialog.language_combo.count()
        == len(controller.session.policy.value("allowed_languages")) - 1
    )
    dialog.receipts_check.setChecked(False)
    dialog.auto_lock_spin.setValue(30)  # greyed out: ignored even if set programmatically
    with qtbot.waitSignal(dialog.accepted, timeout=SIGNAL_TIMEOUT_MS):
        dialog.buttons.accepted.emit()
    assert controller.session.user_setting("read_receipts") is False
    assert controller.session.user_setting("auto_lock_minutes") == 5
    assert controller.session.db.get_setting("pref.read_receipts") == "false"


def test_keyring_locked_off_by_policy_is_greyed_out(
    qtbot: QtBot,
    tmp_path: Path,
    vault: Vault,
    profile_paths: ProfilePaths,
    make_controller: Callable[..., AppController],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(json.dumps({"locked": {"keyring_allowed": False}}))
    monkeypatch.setenv(POLICY_ENV_VAR, str(policy_file))
    vault.lock()
    controller = make_controller(profile_paths, load_policy())
    main = unlock(qtbot, controller)
    dialog = main.open_settings()
    assert not dialog.keyring_check.isEnabled()
    assert dialog.keyring_check.toolTip() == "Set by your organisation"
    assert dialog.auto_lock_spin.isEnabled()


def test_changing_auto_lock_minutes_applies_at_once(
    qtbot: QtBot, controller: AppController
) -> None:
    main = unlock(qtbot, controller)
    assert controller.idle_lock.interval_ms == 10 * 60_000  # the policy's default
    dialog = main.open_settings()
    dialog.auto_lock_spin.setValue(3)
    with qtbot.waitSignal(main.preferences_changed, timeout=SIGNAL_TIMEOUT_MS):
        dialog.buttons.accepted.emit()
    assert controller.idle_lock.interval_ms == 3 * 60_000
    assert controller.session.db.get_setting("pref.auto_lock_minutes") == "3"
    assert not _visible_dialogs()


def _visible_dialogs() -> list[QDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]


def test_turning_keyring_unlock_on_and_off(
    qtbot: QtBot, controller: AppController, memory_keyring: MemoryKeyring
) -> None:
    main = unlock(qtbot, controller)
    dialog = main.open_settings()
    assert not dialog.keyring_check.isChecked()
    dialog.keyring_check.setChecked(True)
    with qtbot.waitSignal(dialog.accepted, timeout=SIGNAL_TIMEOUT_MS):
        dialog.buttons.accepted.emit()
    assert controller.session.keyring_enabled and memory_keyring.secrets
    controller.lock()
    window = controller.unlock_window
    assert window is not None and window.keyring_button.isVisible()
    with qtbot.waitSignal(window.unlocked, timeout=SIGNAL_TIMEOUT_MS):
        window.keyring_button.click()
    dialog = main.open_settings()
    assert dialog.keyring_check.isChecked()
    dialog.keyring_check.setChecked(False)
    dialog.buttons.accepted.emit()
    assert not controller.session.keyring_enabled and not memory_keyring.secrets


def test_keyring_unavailable_is_explained(qtbot: QtBot, controller: AppController) -> None:
    main = unlock(qtbot, controller)  # the tests' default keyring backend refuses everything
    dialog = main.open_settings()
    dialog.keyring_check.setChecked(True)
    dialog.buttons.accepted.emit()
    assert dialog.isVisible() and not dialog.keyring_check.isChecked()
    assert dialog.error_label.text() == (
        "The system keyring is not available; the passphrase is still needed."
    )
    assert not controller.session.keyring_enabled


def test_lock_and_unlock_keep_one_window_size_and_place(
    qtbot: QtBot, controller: AppController
) -> None:
    main = unlock(qtbot, controller)
    main.setGeometry(60, 40, 1100, 700)
    controller.lock()
    window = controller.unlock_window
    assert window is not None and window.isVisible()
    assert window.geometry() == main.geometry()
    window.setGeometry(80, 50, 1150, 720)
    unlock(qtbot, controller)
    assert main.isVisible()
    assert main.geometry().size() == window.geometry().size()
    assert main.geometry().topLeft() == window.geometry().topLeft()
