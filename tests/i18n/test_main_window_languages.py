"""The real main window follows a language switch in place: menus, buttons, status, direction."""

from __future__ import annotations

import gettext
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMenu,
    QWidget,
)
from pytestqt.qtbot import QtBot

from delegate_app.core.paths import ProfilePaths
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Vault
from delegate_app.ui.controller import AppController
from tests.conftest import PASSPHRASE

LOCALE_DIR = Path(__file__).resolve().parents[2] / "delegate_app" / "locale"
Reader = Callable[[], str]


@pytest.fixture
def main_window(
    qtbot: QtBot, vault: Vault, profile_paths: ProfilePaths, default_policy: Policy
) -> Iterator[tuple[AppController, QMainWindow]]:
    vault.lock()
    controller = AppController(profile_paths, default_policy, lang="en")
    controller.session.unlock(PASSPHRASE)
    controller.show_main()
    window = controller.main_window
    assert window is not None
    qtbot.waitExposed(window)
    try:
        yield controller, window
    finally:
        controller.shutdown()


def _readers(window: QMainWindow) -> list[tuple[str, Reader]]:
    """A way to read each user-visible text of the window, bound to the object that shows it."""
    readers: list[tuple[str, Reader]] = [("window title", window.windowTitle)]
    for menu in window.menuBar().findChildren(QMenu):
        readers.append((f"menu {menu.objectName()}", menu.title))
    objects: list[QObject] = [*window.findChildren(QAction), *window.findChildren(QWidget)]
    for obj in objects:
        name = type(obj).__name__
        if isinstance(obj, QLabel | QAbstractButton) or (
            isinstance(obj, QAction) and not obj.isSeparator()
        ):
            readers.append((f"{name} text", obj.text))
        elif isinstance(obj, QLineEdit):
            readers.append((f"{name} placeholder", obj.placeholderText))
        if isinstance(obj, QWidget):
            readers.append((f"{name} accessible name", obj.accessibleName))
            readers.append((f"{name} tooltip", obj.toolTip))
        if isinstance(obj, QListWidget):
            for row in range(obj.count()):
                item = obj.item(row)
                readers.append((f"{name} item", item.text))
    return readers


def _visible_windows() -> set[QWidget]:
    return {widget for widget in QApplication.topLevelWidgets() if widget.isVisible()}


def _check_switch(
    qtbot: QtBot, controller: AppController, window: QMainWindow, code: str
) -> list[str]:
    """Switch to ``code``; list the texts the catalogue translates that did not follow."""
    catalogue = gettext.translation("delegate", localedir=LOCALE_DIR, languages=[code])
    readers = _readers(window)
    english = [(label, read()) for label, read in readers]
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # earlier tests' widgets
    windows_before = _visible_windows()
    status_before = window.statusBar().findChildren(QLabel)[0].text()
    controller.languages.switch(code)
    expected_title = catalogue.gettext("&File")
    qtbot.waitUntil(lambda: window.menuBar().actions()[0].text() == expected_title, timeout=3000)
    QApplication.processEvents()
    assert _visible_windows() == windows_before  # nothing was rebuilt or opened
    stale = []
    translated = 0
    for (label, read), (_label, before) in zip(readers, english, strict=True):
        wanted = catalogue.gettext(before) if before else before
        if wanted != before:
            translated += 1
            if read() != wanted:
                stale.append(f"{label}: {read()!r} (expected {wanted!r})")
    assert translated >= 15  # menus, actions and labels were all in the scan
    status_after = window.statusBar().findChildren(QLabel)[0].text()
    assert status_after != status_before or not status_before
    return stale


def test_french_then_arabic_in_place(
    qtbot: QtBot, main_window: tuple[AppController, QMainWindow]
) -> None:
    controller, window = main_window
    menus = [action.text() for action in window.menuBar().actions()]
    assert menus == ["&File", "&Edit", "&View", "&Help"]

    assert _check_switch(qtbot, controller, window, "fr") == []
    menus = [action.text() for action in window.menuBar().actions()]
    assert menus == ["&Fichier", "&Édition", "&Affichage", "&Aide"]
    assert not window.isRightToLeft()

    controller.languages.switch("en")
    qtbot.waitUntil(lambda: window.menuBar().actions()[0].text() == "&File", timeout=3000)
    assert _check_switch(qtbot, controller, window, "ar") == []
    menus = [action.text() for action in window.menuBar().actions()]
    assert menus == ["&ملف", "&تحرير", "&عرض", "م&ساعدة"]
    qtbot.waitUntil(window.isRightToLeft, timeout=3000)
    assert window.menuBar().isRightToLeft()
    assert window.statusBar().layoutDirection() == Qt.LayoutDirection.RightToLeft
