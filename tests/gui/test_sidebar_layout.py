"""The sidebar fits its longest section name in every language and keeps one leading edge."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from delegate_app.ui.controller import AppController
from tests.gui.conftest import unlock

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("code", ["ru", "fr", "es", "ar"])
def test_no_section_name_is_cut(qtbot: QtBot, controller: AppController, code: str) -> None:
    main = unlock(qtbot, controller)
    main.resize(main.minimumSize())  # the narrowest the window can be
    main.switch_language(code)
    qtbot.wait(50)
    side = main.sidebar.list
    widest = max(side.visualItemRect(side.item(row)).width() for row in range(side.count()))
    assert side.sizeHintForColumn(0) <= side.viewport().width()
    assert widest <= side.viewport().width()


def test_name_and_mission_follow_the_interface_edge(
    qtbot: QtBot, controller: AppController
) -> None:
    main = unlock(qtbot, controller)
    title = main.sidebar.title_label
    assert title.alignment() & Qt.AlignmentFlag.AlignLeft
    main.switch_language("ar")
    qtbot.waitUntil(lambda: bool(title.alignment() & Qt.AlignmentFlag.AlignRight))
    assert title.alignment() & Qt.AlignmentFlag.AlignAbsolute
    assert main.sidebar.title_label.text() == "Amina Haddad"  # the data itself is untouched
    main.switch_language("en")
    qtbot.waitUntil(lambda: bool(title.alignment() & Qt.AlignmentFlag.AlignLeft))
