"""The delegate's flows, clicked and typed through real widgets."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from delegate_app.core.paths import ProfilePaths
from delegate_app.core.policy import Policy, RawPolicy
from delegate_app.core.vault import Vault
from delegate_app.ui.controller import AppController
from delegate_app.ui.first_run_dialog import FirstRunDialog
from delegate_app.ui.main_window import MainWindow
from delegate_app.ui.session import Session
from delegate_app.ui.settings_dialog import SettingsDialog
from tests.conftest import PASSPHRASE
from tests.documents.pdfs import make_pdf


def _unlock(qtbot: QtBot, controller: AppController, passphrase: str = PASSPHRASE) -> MainWindow:
    window = controller.unlock_window
    assert window is not None and window.isVisible()
    window.passphrase_edit.setText(passphrase)
    with qtbot.waitSignal(window.unlocked, timeout=10_000):
        qtbot.keyClick(window.passphrase_edit, Qt.Key.Key_Return)
    assert controller.main_window is not None
    return controller.main_window


def _import(qtbot: QtBot, window: MainWindow, paths: list[Path]) -> None:
    with qtbot.waitSignal(window.import_finished, timeout=20_000):
        window.import_files(paths)


def test_first_run_creates_profile(
    qtbot: QtBot,
    profile_paths: ProfilePaths,
    default_policy: Policy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session = Session(profile_paths, default_policy)
    dialog = FirstRunDialog(session)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.name_edit, "Amina Haddad")
    qtbot.keyClicks(dialog.organisation_edit, "Mission of Freedonia")
    qtbot.keyClicks(dialog.passphrase_edit, "a long enough passphrase")
    qtbot.keyClicks(dialog.confirm_edit, "a different passphrase")
    dialog.create_profile()
    assert "do not match" in dialog.error_label.text()
    assert not Vault.exists(profile_paths)
    dialog.confirm_edit.setText("a long enough passphrase")
    assert dialog.strength_bar.value() > 40
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.create_profile()
    assert session.is_unlocked and session.profile_info().name == "Amina Haddad"
    session.lock()


def test_unlock_wrong_then_right(qtbot: QtBot, controller: AppController) -> None:
    window = controller.unlock_window
    assert window is not None
    window.passphrase_edit.setText("wrong passphrase")
    qtbot.keyClick(window.passphrase_edit, Qt.Key.Key_Return)
    assert window.message_label.text() == "Wrong passphrase."
    assert not controller.session.is_unlocked
    main = _unlock(qtbot, controller)
    assert main.isVisible() and not window.isVisible()


def test_throttle_shows_countdown(qtbot: QtBot, controller: AppController) -> None:
    window = controller.unlock_window
    assert window is not None
    for _attempt in range(3):
        window.passphrase_edit.setText("wrong passphrase")
        window.try_unlock()
    assert "Try again in" in window.message_label.text()
    assert not window.unlock_button.isEnabled()


def test_import_search_open_pdf_and_read_state(
    qtbot: QtBot, controller: AppController, tmp_path: Path
) -> None:
    main = _unlock(qtbot, controller)
    md = tmp_path / "talking-points.md"
    md.write_text("# Talking points\n\nWe welcome the **multistakeholder** approach.\n")
    pdf = tmp_path / "book.pdf"
    pdf.write_bytes(make_pdf("Briefing book", ["Page one: logistics.", "Page two: plenary."]))
    _import(qtbot, main, [md, pdf])
    assert main.model.rowCount() == 2
    assert "Imported 2 documents." in main.status_label.text()

    qtbot.keyClicks(main.search_edit, "multistake")
    assert main.list_stack.currentWidget() is main.results
    assert main.results.count() == 1
    item = main.results.item(0)
    label = main.results.itemWidget(item)
    assert isinstance(label, QLabel) and "<b>multistakeholder</b>" in label.text()
    with qtbot.waitSignal(main.document_opened, timeout=5_000):
        main.results.itemClicked.emit(item)
    assert main.reader.title_label.text() == "Talking points"
    assert "multistakeholder" in main.reader.text_view.toPlainText()

    main.search_edit.clear()
    pdf_row = next(r for r in range(main.model.rowCount()) if main.model.summary(r).has_pdf)
    assert not main.model.summary(pdf_row).is_read
    main.open_document(main.model.summary(pdf_row).id)
    assert main.reader.stack.currentWidget() is main.reader.pdf_view
    qtbot.waitUntil(lambda: main.reader.pdf_view.pdf.pageCount() == 2, timeout=5_000)
    assert main.model.summary(pdf_row).is_read
    assert main.reader.banner.text() == "UNCLASSIFIED"


def test_drop_files_imports(qtbot: QtBot, controller: AppController, tmp_path: Path) -> None:
    main = _unlock(qtbot, controller)
    note = tmp_path / "note.txt"
    note.write_text("A note from the corridor.\n")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(note))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    with qtbot.waitSignal(main.import_finished, timeout=20_000):
        main.dropEvent(event)
    assert controller.session.library.count() == 1


def test_lock_with_ctrl_l_and_unlock(
    qtbot: QtBot, controller: AppController, tmp_path: Path
) -> None:
    main = _unlock(qtbot, controller)
    doc = tmp_path / "a.md"
    doc.write_text("# Secret agenda\n")
    _import(qtbot, main, [doc])
    main.select_first_document()
    qtbot.keyClick(main, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not controller.session.is_unlocked, timeout=5_000)
    assert not main.isVisible()
    assert main.reader.title_label.text() == ""
    assert main.model.rowCount() == 0
    _unlock(qtbot, controller)
    assert main.model.rowCount() == 1


def test_auto_lock_after_idle(
    qtbot: QtBot,
    vault: Vault,
    profile_paths: ProfilePaths,
    default_policy: Policy,
    make_controller: Callable[..., AppController],
) -> None:
    vault.lock()
    controller = make_controller(profile_paths, default_policy, idle_interval_ms=300)
    _unlock(qtbot, controller)
    qtbot.waitUntil(lambda: not controller.session.is_unlocked, timeout=10_000)
    assert controller.unlock_window is not None and controller.unlock_window.isVisible()


def test_locked_policy_settings_are_greyed(
    qtbot: QtBot,
    vault: Vault,
    profile_paths: ProfilePaths,
    make_controller: Callable[..., AppController],
) -> None:
    policy = Policy.from_raw(
        RawPolicy("test", locked={"auto_lock_minutes": 5, "keyring_allowed": False}, defaults={})
    )
    vault.lock()
    controller = make_controller(profile_paths, policy)
    main = _unlock(qtbot, controller)
    dialog = main.open_settings()
    assert isinstance(dialog, SettingsDialog)
    assert not dialog.auto_lock_spin.isEnabled()
    assert dialog.auto_lock_spin.value() == 5
    assert dialog.auto_lock_spin.toolTip() == "Set by your organisation"
    assert not dialog.keyring_check.isEnabled()
    assert dialog.receipts_check.isEnabled()
    dialog.receipts_check.setChecked(False)
    dialog.apply()
    assert controller.session.user_setting("read_receipts") is False
    controller.lock()
    assert controller.unlock_window is not None and controller.unlock_window.isVisible()


def test_screenshot_entry_point(vault: Vault, profile_paths: ProfilePaths, tmp_path: Path) -> None:
    from delegate_app.core.documents.library import Library

    Library(vault.db, Policy.from_raw(None)).import_bytes("a.md", b"# Agenda\n\nItem.\n")
    vault.lock()
    target = tmp_path / "shot.png"
    env = {**os.environ, "DELEGATE_PASSPHRASE": PASSPHRASE}
    result = subprocess.run(
        [sys.executable, "-m", "delegate_app.app", "--profile", str(profile_paths.root),
         "--screenshot", str(target)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1280, 800)
    wrong = subprocess.run(
        [sys.executable, "-m", "delegate_app.app", "--profile", str(profile_paths.root),
         "--screenshot", str(tmp_path / "no.png")],
        env={**env, "DELEGATE_PASSPHRASE": "nope"}, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert wrong.returncode == 1 and "Wrong passphrase" in wrong.stderr
    assert not (tmp_path / "no.png").exists()
