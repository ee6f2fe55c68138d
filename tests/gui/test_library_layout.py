"""The library's panes: the list pane's width remembered across runs, and the comment panel
folded unless the document is shared or has comments."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from delegate_app.core.paths import ProfilePaths
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Vault
from delegate_app.ui.controller import AppController
from delegate_app.ui.library_page import LIST_WIDTH
from tests.gui.conftest import SIGNAL_TIMEOUT_MS, import_files, unlock

pytestmark = pytest.mark.gui


def test_the_list_pane_keeps_the_width_the_user_gave_it(
    qtbot: QtBot,
    make_controller: Callable[..., AppController],
    vault: Vault,
    profile_paths: ProfilePaths,
    default_policy: Policy,
) -> None:
    vault.lock()
    first = make_controller(profile_paths, default_policy)
    main = unlock(qtbot, first)
    main.resize(1280, 800)
    qtbot.waitExposed(main)
    splitter = main.library.splitter
    assert splitter.sizes()[0] == LIST_WIDTH
    handle = splitter.handle(1)
    centre = handle.rect().center()
    step = 120 if not splitter.isRightToLeft() else -120
    qtbot.mousePress(handle, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseMove(handle, centre + QPoint(step // 2, 0))
    qtbot.mouseMove(handle, centre + QPoint(step, 0))
    qtbot.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=centre + QPoint(step, 0))
    width = splitter.sizes()[0]
    assert width > LIST_WIDTH + 60
    qtbot.waitUntil(
        lambda: first.session.preferences().library_list_width == width,
        timeout=SIGNAL_TIMEOUT_MS,
    )
    first.shutdown()

    second = make_controller(profile_paths, default_policy)
    main = unlock(qtbot, second)
    main.resize(1280, 800)
    qtbot.waitExposed(main)
    assert main.library.splitter.sizes()[0] == width


def test_the_comment_panel_is_folded_until_there_is_something_to_discuss(
    qtbot: QtBot, controller: AppController, tmp_path: Path
) -> None:
    main = unlock(qtbot, controller)
    main.resize(1280, 800)
    qtbot.waitExposed(main)
    library = main.library
    first_note, second_note = tmp_path / "first.md", tmp_path / "second.md"
    first_note.write_text("# First note\n\nPlenary at ten.\n")
    second_note.write_text("# Second note\n\nLunch at one.\n")
    assert import_files(qtbot, library, [first_note, second_note]) == (2, 0)
    ids = {library.model.summary(r).title: library.model.summary(r).id
           for r in range(library.model.rowCount())}  # fmt: skip
    holder = library.comment_panel
    panel = library.sharing_panel

    library.open_document(ids["First note"])
    assert holder.isVisible() and not holder.expanded
    assert not panel.isVisible()  # not shared, no comments: folded to its header
    assert holder.toggle.text() == "Sharing and comments"
    assert holder.height() < 60
    reader_height = library.reader.height()

    qtbot.mouseClick(holder.toggle, Qt.MouseButton.LeftButton)  # the user can still open it
    assert holder.expanded and panel.isVisible()
    qtbot.waitUntil(lambda: holder.height() > 150, timeout=SIGNAL_TIMEOUT_MS)
    assert library.reader.height() < reader_height
    assert panel.comment_edit.hasFocus()
    qtbot.keyClicks(panel.comment_edit, "Ask the chair.")
    with qtbot.waitSignal(panel.comment_posted, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.mouseClick(panel.post_button, Qt.MouseButton.LeftButton)
    assert holder.toggle.text() == "Sharing and comments (1)"

    library.open_document(ids["Second note"])
    assert not holder.expanded and not panel.isVisible()
    library.open_document(ids["First note"])  # it has a comment now: shown unfolded
    assert holder.expanded and panel.isVisible() and panel.comment_list.count() == 1
    qtbot.mouseClick(holder.toggle, Qt.MouseButton.LeftButton)  # folded by the user
    assert not holder.expanded and not panel.isVisible()
    panel.reload()  # e.g. after a sync: the user's choice holds for this document
    assert not holder.expanded

    controller.lock()
    assert not holder.isVisible()
