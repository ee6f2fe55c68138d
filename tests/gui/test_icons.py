"""The app's own icons: every name used exists, and each is drawn in the colour asked for."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from delegate_app.ui.controller import AppController
from delegate_app.ui.icons import ui_icon
from delegate_app.ui.resources import find_resource
from tests.gui.conftest import unlock

pytestmark = pytest.mark.gui


def _colours(name: str, colour: str) -> set[str]:
    image = ui_icon(name, colour).pixmap(24, 24).toImage()
    return {
        image.pixelColor(x, y).name()
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).alpha() == 255
    }


def test_an_icon_is_drawn_in_the_colour_of_its_surface(qapp: QApplication) -> None:
    assert _colours("lock", "#dfe6ef") == {"#dfe6ef"}
    assert _colours("lock", "#102030") == {"#102030"}


def test_a_missing_icon_is_empty_not_an_error(qapp: QApplication) -> None:
    assert ui_icon("no-such-icon", "#000000").isNull()


def test_every_section_and_menu_command_has_an_icon_of_the_set(
    qtbot: QtBot, controller: AppController
) -> None:
    main = unlock(qtbot, controller)
    for section in main.sidebar.sections:
        assert section.icon is not None
        assert find_resource(f"icons/ui/{section.icon}.svg") is not None
    for row in range(main.sidebar.list.count()):
        assert not main.sidebar.list.item(row).icon().isNull()
    for menu in (main.file_menu, main.edit_menu, main.help_menu):
        for action in menu.actions():
            if not action.isSeparator():
                assert not action.icon().isNull(), action.text()
    assert QColor(_colours("search", "#1c3354").pop()) == QColor("#1c3354")
