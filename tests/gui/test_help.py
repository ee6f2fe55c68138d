"""Help → Keyboard shortcuts lists the keys the window really has; Getting started is there."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from pytestqt.qtbot import QtBot

from delegate_app.ui.controller import AppController
from delegate_app.ui.guide_dialog import GuideDialog
from delegate_app.ui.shortcuts_dialog import ShortcutsDialog, window_shortcuts
from tests.gui.conftest import unlock

pytestmark = pytest.mark.gui


def _native(keys: str) -> str:
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)


def test_shortcuts_come_from_the_windows_actions(qtbot: QtBot, controller: AppController) -> None:
    main = unlock(qtbot, controller)
    rows = dict(window_shortcuts(main))
    assert rows["Lock"] == _native("Ctrl+L")
    assert rows["Search everything"] == _native("Ctrl+Shift+F")
    assert rows["Sync now"] == ", ".join([_native("F5"), _native("Ctrl+R")])
    assert rows["Keyboard shortcuts"] == _native("Ctrl+/")
    # Every row is an action that really has that shortcut: nothing listed that the keys lack.
    main.lock_action.setShortcut(QKeySequence("Ctrl+K"))
    assert dict(window_shortcuts(main))["Lock"] == _native("Ctrl+K")


def test_the_shortcuts_dialog_opens_from_its_own_shortcut(
    qtbot: QtBot, controller: AppController
) -> None:
    main = unlock(qtbot, controller)
    main.activateWindow()
    qtbot.keyClick(main, Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)
    dialog = main.findChild(ShortcutsDialog)
    assert dialog is not None and dialog.isVisible()
    items = [dialog.table.item(row, 0) for row in range(dialog.table.rowCount())]
    names = [item.text() for item in items if item is not None]
    assert "Quit" in names and "Preferences" in names
    dialog.close()


def test_getting_started_follows_the_language(qtbot: QtBot, controller: AppController) -> None:
    main = unlock(qtbot, controller)
    dialog = main.show_guide()
    assert isinstance(dialog, GuideDialog)
    texts = [label.text() for label in dialog.labels]
    assert "Contacts" in texts
    assert any("safety number" in text for text in texts)
    dialog.close()
    main.switch_language("fr")
    french = main.show_guide()
    assert isinstance(french, GuideDialog)
    assert not any("safety number" in label.text() for label in french.labels)
    french.close()
