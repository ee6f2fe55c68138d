"""The library's search says what it searched: every section by default with each hit's
section shown, a scope control, snippets without Markdown markup, and an empty state that says
nothing matched and offers to widen the search."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import DocumentKind, ImportOptions
from delegate_app.ui.controller import AppController
from delegate_app.ui.library_page import LibraryPageWidget
from tests.gui.conftest import SIGNAL_TIMEOUT_MS, unlock

pytestmark = pytest.mark.gui
PASSPHRASE = "correct horse battery staple"


def _search(qtbot: QtBot, page: LibraryPageWidget, text: str) -> int:
    page.search_edit.clear()
    with qtbot.waitSignal(page.search_finished, timeout=SIGNAL_TIMEOUT_MS) as done:
        qtbot.keyClicks(page.search_edit, text)
    return int(done.args[0]) if done.args else 0


def _hit_texts(page: LibraryPageWidget) -> list[str]:
    labels = [page.results.itemWidget(page.results.item(n)) for n in range(page.results.count())]
    return [label.text() for label in labels if isinstance(label, QLabel)]


def test_search_covers_every_section_and_says_what_it_searched(
    qtbot: QtBot, controller: AppController
) -> None:
    controller.session.unlock(PASSPHRASE)
    library = Library(controller.session.db, controller.session.policy)
    library.import_bytes(
        "b.md", b"# Fisheries briefing\n\n## Quotas\n\nThe **quota** table, see [annex](https://x.org).\n",
        ImportOptions(kind=DocumentKind.BRIEFING, event="COP"),
    )  # fmt: skip
    library.import_bytes(
        "n.md", b"# A note\n\n- quota figures\n", ImportOptions(kind=DocumentKind.NOTE)
    )
    controller.session.lock()
    main = unlock(qtbot, controller)
    page = main.library
    assert main.sidebar.current_section().key == "briefings"  # type: ignore[union-attr]
    assert page.searches_everywhere()  # by default

    assert _search(qtbot, page, "quota") == 2  # the note too, from the Briefings section
    texts = _hit_texts(page)
    assert any("Briefings · " in t for t in texts) and any("Notes · " in t for t in texts)
    briefing = next(t for t in texts if "Fisheries" in t)
    assert "**" not in briefing and "##" not in briefing and "https://x.org" not in briefing
    assert "<b>quota</b>" in briefing and "annex" in briefing
    note = next(t for t in texts if "A note" in t)
    assert "- quota" not in note

    page.search_scope.setCurrentIndex(page.search_scope.findData(False))  # this section only
    qtbot.waitUntil(lambda: page.results.count() == 1, timeout=SIGNAL_TIMEOUT_MS)
    assert "Briefings · " not in _hit_texts(page)[0]

    main.sidebar.select("position-papers")
    assert _search(qtbot, page, "quota") == 0
    assert page.list_stack.currentWidget() is page.no_results
    assert (
        page.no_results.message.text()
        == "Nothing matched “\u2068quota\u2069” in \u2068Position papers\u2069."
    )
    assert page.no_results.widen_button.isVisibleTo(page) and (
        page.no_results.widen_button.text() == "Search all sections"
    )
    page.no_results.widen_button.click()  # widened: every section
    assert page.searches_everywhere() and page.list_stack.currentWidget() is page.results
    assert page.results.count() == 2

    page.event_filter.setCurrentIndex(page.event_filter.findData("COP"))
    assert _search(qtbot, page, "figures") == 0
    assert "event or classification" in page.no_results.message.text()
    page.no_results.widen_button.click()  # widened: without the filters
    assert page.event_filter.currentData() is None and page.results.count() == 1

    assert _search(qtbot, page, "zzzz") == 0
    assert page.no_results.message.text() == "Nothing matched “\u2068zzzz\u2069” in any section."
    assert not page.no_results.widen_button.isVisibleTo(page)  # as wide as it gets
    assert page.no_results.message.textFormat() == Qt.TextFormat.PlainText  # the query is text
