"""The tray icon carries the unread count (none while locked); status-bar notices clear."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from delegate_app.ui.controller import AppController
from delegate_app.ui.notifications import BADGE_COLOUR, badge_icon, badge_text, tray_tooltip
from delegate_app.ui.style import app_icon
from tests.gui.conftest import SIGNAL_TIMEOUT_MS, unlock

pytestmark = pytest.mark.gui


def test_the_badge_shows_the_count_on_the_icon(qapp: QApplication) -> None:
    base = app_icon()
    assert badge_icon(base, 0) is base
    image = badge_icon(base, 7).pixmap(64, 64).toImage()
    assert image.pixelColor(36, 17) == QColor(BADGE_COLOUR)  # the disc, top trailing corner
    no_icon = badge_icon(QIcon(), 3).pixmap(64, 64).toImage()
    assert no_icon.pixelColor(36, 17) == QColor(BADGE_COLOUR)
    assert badge_text(7) == "7" and badge_text(100) == "99+"


def test_the_tray_says_the_count_on_hover() -> None:
    assert tray_tooltip(0) == "Delegate"
    assert tray_tooltip(1) == "Delegate — 1 unread message"
    assert tray_tooltip(3) == "Delegate — 3 unread messages"


def test_the_unread_count_goes_to_the_tray_and_is_gone_when_locked(
    qtbot: QtBot, controller: AppController
) -> None:
    main = unlock(qtbot, controller)
    main.messages.unread_changed.emit(4)
    assert main.notifier.unread == 4
    controller.lock()
    assert main.notifier.unread == 0


def test_a_notice_gives_the_status_bar_back_to_the_page(
    qtbot: QtBot, controller: AppController
) -> None:
    main = unlock(qtbot, controller)
    page_line = main.current_page.status_text()
    main.notice_timer.setInterval(50)
    main.show_notice("New message from Boris Petrov")
    assert main.status_label.text() == "New message from Boris Petrov"
    qtbot.waitUntil(lambda: main.status_label.text() == page_line, timeout=SIGNAL_TIMEOUT_MS)


def test_the_tray_menu_shows_hides_and_locks(qtbot: QtBot, controller: AppController) -> None:
    main = unlock(qtbot, controller)
    menu = main.tray_menu
    assert menu is not None
    assert main.notifier.menu is menu  # the tray icon's context menu, where there is a tray
    assert main.lock_action in menu.actions() and main.quit_action in menu.actions()
    menu.update_actions()
    assert menu.hide_action.isVisible() and not menu.show_action.isVisible()
    assert menu.hide_action.text() == "&Hide Delegate"
    menu.hide_action.trigger()
    assert not main.isVisible()
    menu.update_actions()
    assert menu.show_action.isVisible() and not menu.hide_action.isVisible()
    menu.show_action.trigger()
    assert main.isVisible()

    main.lock_action.trigger()  # the File menu's Lock, in the tray menu too
    assert not controller.session.is_unlocked
    window = controller.unlock_window
    assert window is not None and window.isVisible()
    menu.hide_action.trigger()
    assert not window.isVisible()
    menu.show_action.trigger()  # locked: Show brings back the unlock window, not the vault
    assert window.isVisible() and not main.isVisible()
