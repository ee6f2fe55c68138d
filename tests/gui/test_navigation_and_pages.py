"""Keyboard navigation, accessible names, menus, and pages registered by other features."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from delegate_app.i18n import N_
from delegate_app.ui.controller import AppController
from delegate_app.ui.pages import PageContext, PageWidget, Section
from tests.gui.conftest import SIGNAL_TIMEOUT_MS, import_files, unlock

pytestmark = pytest.mark.gui


def test_panes_are_reachable_by_keyboard(
    qtbot: QtBot, controller: AppController, tmp_path: Path
) -> None:
    main = unlock(qtbot, controller)
    page = main.library
    doc = tmp_path / "a.md"
    doc.write_text("# Agenda\n")
    import_files(qtbot, page, [doc])
    page.select_first_document()
    main.activateWindow()

    def focused_in(widget: QWidget) -> bool:
        focus = QApplication.focusWidget()
        return focus is not None and (focus is widget or widget.isAncestorOf(focus))

    qtbot.keyClick(main, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert focused_in(main.sidebar)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F6)
    assert focused_in(page.list_view)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F6)
    assert focused_in(page.reader)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F6)
    assert focused_in(main.sidebar)  # F6 wraps around
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)
    assert focused_in(page.reader)
    qtbot.keyClick(main, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert focused_in(page.list_view)
    qtbot.keyClick(main, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert focused_in(page.reader)
    qtbot.keyClick(main, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is page.search_edit

    # Enter in the search field runs the search at once and moves to the results.
    qtbot.keyClicks(page.search_edit, "agenda")
    qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is page.results and page.results.count() == 1

    qtbot.keyClick(page.results, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not controller.session.is_unlocked, timeout=SIGNAL_TIMEOUT_MS)


def test_menus_and_controls_are_named_for_keyboard_and_screen_readers(
    qtbot: QtBot, controller: AppController
) -> None:
    main = unlock(qtbot, controller)
    titles = [menu.title() for menu in (main.file_menu, main.edit_menu, main.view_menu,
                                        main.help_menu)]  # fmt: skip
    assert titles == ["&File", "&Edit", "&View", "&Help"]
    shortcuts = {action.text(): action.shortcut().toString() for action in main.actions()}
    assert shortcuts["&Lock"] == "Ctrl+L"
    assert shortcuts["&Quit"] == "Ctrl+Q"
    assert shortcuts["&Find…"] == "Ctrl+F"
    assert shortcuts["&Import documents…"] == "Ctrl+O"
    assert shortcuts["&Next pane"] == "F6"
    page = main.library
    for widget in (main.sidebar.list, page.search_edit, page.event_filter,
                   page.classification_filter, page.list_view, page.results,
                   page.reader.text_view):  # fmt: skip
        assert widget.accessibleName(), widget
    main.view_menu.popup(main.pos())
    main.language_menu.popup(main.pos())  # built when first shown
    qtbot.waitUntil(lambda: bool(main.language_actions), timeout=SIGNAL_TIMEOUT_MS)
    checked = [a.data() for a in main.language_actions if a.isChecked()]
    assert checked == ["en"]
    main.language_menu.close()
    main.view_menu.close()


class _ArchivePageWidget(PageWidget):
    """What a later feature adds: a page with its own sections."""

    def __init__(self, context: PageContext) -> None:
        super().__init__(context)
        self.label = QLabel(self)
        self.shown: list[str] = []
        self.locks = 0
        self.retranslate_ui()

    def sections(self) -> Sequence[Section]:
        return (Section("archive", N_("Archive")),)

    def show_section(self, key: str) -> None:
        self.shown.append(key)
        self.status_message.emit("3 archived")

    def vault_locking(self) -> None:
        self.locks += 1

    def focus_chain(self) -> list[QWidget]:
        return [self.label]

    def retranslate_ui(self) -> None:
        self.label.setText("Archive page")


def test_a_registered_page_gets_a_section_and_the_lock(
    qtbot: QtBot, controller: AppController
) -> None:
    main = unlock(qtbot, controller)
    archive = _ArchivePageWidget(main.context)
    main.register_page(archive)
    assert [s.key for s in main.sidebar.sections] == [
        "briefings", "position-papers", "notes", "messages", "contacts", "archive"
    ]  # fmt: skip
    assert main.sidebar.list.item(5).text() == "Archive"
    main.sidebar.list.setCurrentRow(5)
    assert main.stack.currentWidget() is archive and archive.shown == ["archive"]
    assert main.status_label.text() == "3 archived"
    assert main.focus_chain()[1:] == [archive.label]
    main.sidebar.list.setCurrentRow(0)
    assert main.stack.currentWidget() is main.library
    controller.lock()
    assert archive.locks == 1


def test_language_switch_retranslates_open_windows_and_mirrors_arabic(
    qtbot: QtBot, controller: AppController, tmp_path: Path
) -> None:
    main = unlock(qtbot, controller)
    doc = tmp_path / "a.md"
    doc.write_text("# Agenda\n")
    import_files(qtbot, main.library, [doc])
    main.library.select_first_document()
    main.switch_language("fr")
    qtbot.waitUntil(lambda: main.file_menu.title() == "&Fichier", timeout=SIGNAL_TIMEOUT_MS)
    assert main.sidebar.list.item(0).text() == "Notes d'information"
    assert controller.session.preferences().language == "fr"
    assert main.library.reader.meta_label.text().count("\u2068") >= 2  # isolated pieces
    meta = main.library.reader.meta_label
    main.switch_language("ar")
    qtbot.waitUntil(lambda: meta.text().startswith("\u200f"), timeout=SIGNAL_TIMEOUT_MS)
    assert main.isRightToLeft() and main.file_menu.title() != "&Fichier"
    main.switch_language("en")
    qtbot.waitUntil(lambda: main.file_menu.title() == "&File", timeout=SIGNAL_TIMEOUT_MS)
    assert not main.isRightToLeft() and meta.text().startswith("\u200e")
