"""File → Export document…: the save dialog, the written file, errors, and the policy's lock."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from delegate_app.core.paths import ProfilePaths
from delegate_app.core.policy import POLICY_ENV_VAR, load_policy
from delegate_app.core.vault import Vault
from delegate_app.ui import file_dialogs
from delegate_app.ui.controller import AppController
from delegate_app.ui.main_window import MainWindow
from tests.documents.pdfs import make_pdf
from tests.gui.conftest import SIGNAL_TIMEOUT_MS, import_files, unlock

pytestmark = pytest.mark.gui

MARKDOWN = "# Talking points\n\nWe welcome the «draft».\n".encode()


class SaveDialog:
    """The native save dialog is the system boundary: it records what it was asked and
    answers with the file the user "chose" ("" for Cancel)."""

    def __init__(self, answer: Path | None) -> None:
        self.answer = answer
        self.calls: list[tuple[str, str, str]] = []

    def __call__(
        self, _parent: QWidget | None, caption: str, directory: str, filters: str
    ) -> str | None:
        self.calls.append((caption, directory, filters))
        return str(self.answer) if self.answer is not None else None


def _open_with(qtbot: QtBot, main: MainWindow, tmp_path: Path, name: str, data: bytes) -> None:
    source = tmp_path / name
    source.write_bytes(data)
    library = main.library
    assert import_files(qtbot, library, [source]) == (1, 0)
    with qtbot.waitSignal(library.document_opened, timeout=SIGNAL_TIMEOUT_MS):
        library.select_first_document()


def test_export_writes_the_open_document_where_the_user_chose(
    qtbot: QtBot, controller: AppController, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    main = unlock(qtbot, controller)
    library = main.library
    assert not library.export_action.isEnabled()  # nothing open yet
    assert library.export_action in main.file_menu.actions()
    assert library.export_action.shortcut() == QKeySequence("Ctrl+E")
    assert library.export_action.text() == "&Export document…"
    _open_with(qtbot, main, tmp_path, "talking_points.md", MARKDOWN)
    assert library.export_action.isEnabled()
    assert library.export_action.statusTip() == ""

    out = tmp_path / "exports"
    out.mkdir()
    dialog = SaveDialog(out / "points.md")
    monkeypatch.setattr(file_dialogs, "save_file", dialog)
    library.list_view.setFocus()
    with qtbot.waitSignal(library.exporter.export_finished, timeout=SIGNAL_TIMEOUT_MS) as done:
        qtbot.keyClick(library.list_view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert done.args == [str(out / "points.md")]
    [(caption, suggested, filters)] = dialog.calls
    assert caption == "Export document"
    assert Path(suggested).name == "Talking-points.md"
    assert filters == "Documents (*.md)"
    assert (out / "points.md").read_bytes() == MARKDOWN
    assert stat.S_IMODE((out / "points.md").stat().st_mode) == 0o600
    assert main.status_label.text() == f"Exported to {out / 'points.md'}."

    dialog.answer = None  # Cancel: nothing is written, nothing starts
    assert library.exporter.export_current() is None
    assert sorted(p.name for p in out.iterdir()) == ["points.md"]
    # The next dialog opens where the last export went.
    assert Path(dialog.calls[-1][1]).parent == out


def test_export_of_a_pdf_and_a_failure_shown_in_a_message_box(
    qtbot: QtBot, controller: AppController, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    main = unlock(qtbot, controller)
    library = main.library
    pdf = make_pdf("Briefing book", ["Logistics.", "Plenary."])
    _open_with(qtbot, main, tmp_path, "book.pdf", pdf)
    target = tmp_path / "book-copy.pdf"
    dialog = SaveDialog(target)
    monkeypatch.setattr(file_dialogs, "save_file", dialog)
    with qtbot.waitSignal(library.exporter.export_finished, timeout=SIGNAL_TIMEOUT_MS):
        main.library.export_action.trigger()
    assert Path(dialog.calls[0][1]).name == "Briefing-book.pdf"
    assert target.read_bytes() == pdf

    dialog.answer = tmp_path / "no-such-folder" / "book.pdf"
    with qtbot.waitSignal(library.exporter.export_failed, timeout=SIGNAL_TIMEOUT_MS) as failed:
        main.library.export_action.trigger()
    assert "cannot be written" in str(failed.args[0])
    box = next(w for w in library.findChildren(QMessageBox) if w.objectName() == "exportError")
    assert box.isVisible() and box.text() == failed.args[0]
    assert main.status_label.text().startswith("The export failed: ")
    box.close()


@pytest.mark.parametrize("section", ["locked", "defaults"])
def test_export_forbidden_by_policy_is_disabled_and_says_why(
    qtbot: QtBot,
    tmp_path: Path,
    vault: Vault,
    profile_paths: ProfilePaths,
    make_controller: Callable[..., AppController],
    monkeypatch: pytest.MonkeyPatch,
    section: str,
) -> None:
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(json.dumps({section: {"export_allowed": False}}))
    monkeypatch.setenv(POLICY_ENV_VAR, str(policy_file))
    vault.lock()
    controller = make_controller(profile_paths, load_policy())
    main = unlock(qtbot, controller)
    library = main.library
    _open_with(qtbot, main, tmp_path, "talking_points.md", MARKDOWN)
    assert library.share_action.isEnabled()  # a document is open …
    assert not library.export_action.isEnabled()  # … but export is the organisation's call
    assert library.export_action.toolTip() == "Set by your organisation"
    assert library.export_action.statusTip() == "Set by your organisation"
    dialog = SaveDialog(tmp_path / "out.md")
    monkeypatch.setattr(file_dialogs, "save_file", dialog)
    library.list_view.setFocus()
    qtbot.keyClick(library.list_view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    library.export_action.trigger()
    assert library.exporter.export_current() is None
    assert dialog.calls == []
    assert not (tmp_path / "out.md").exists()


def test_lock_disables_export(qtbot: QtBot, controller: AppController, tmp_path: Path) -> None:
    main = unlock(qtbot, controller)
    _open_with(qtbot, main, tmp_path, "talking_points.md", MARKDOWN)
    assert main.library.export_action.isEnabled()
    main.lock_action.trigger()
    qtbot.waitUntil(lambda: controller.unlock_window is not None)
    assert not main.library.export_action.isEnabled()
