"""The library page: import (menu, drop), list and filters, search snippets, reader, PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QFont, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import DocumentKind, ImportOptions
from delegate_app.ui import file_dialogs
from delegate_app.ui.controller import AppController
from delegate_app.ui.document_model import PAGE_SIZE
from delegate_app.ui.import_dialog import ImportDialog
from delegate_app.ui.library_page import LibraryPageWidget
from tests.documents.pdfs import make_pdf
from tests.gui.conftest import SIGNAL_TIMEOUT_MS, import_files, unlock

pytestmark = pytest.mark.gui


def _accept_import_dialog(qtbot: QtBot, library: LibraryPageWidget) -> ImportDialog:
    """The import dialog opened by the menu or a drop: accept its prefilled details."""
    qtbot.waitUntil(lambda: library.findChild(ImportDialog, "importDialog") is not None)
    dialog = library.findChild(ImportDialog, "importDialog")
    assert dialog is not None and dialog.isVisible()
    assert dialog.import_button.isEnabled()
    dialog.import_button.click()
    return dialog


def _search(qtbot: QtBot, controller: AppController, text: str) -> int:
    main = controller.main_window
    assert main is not None
    main.library.search_edit.clear()
    with qtbot.waitSignal(main.library.search_finished, timeout=SIGNAL_TIMEOUT_MS) as done:
        qtbot.keyClicks(main.library.search_edit, text)  # searched after a short pause
    return int(done.args[0]) if done.args else 0


def test_import_menu_search_snippets_and_reading(
    qtbot: QtBot, controller: AppController, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    main = unlock(qtbot, controller)
    library = main.library
    md = tmp_path / "talking-points.md"
    md.write_text("# Talking points\n\nWe welcome the **multistakeholder** approach.\n")
    txt = tmp_path / "corridor.txt"
    txt.write_text("Corridor note: <b>not markup</b> & the multistakeholder camp.\n")
    pdf = tmp_path / "book.pdf"
    pdf.write_bytes(make_pdf("Briefing book", ["Page one: logistics.", "Page two: plenary."]))
    # The native file dialog is the system boundary: it answers with the chosen files.
    chosen = [str(md), str(txt), str(pdf)]
    monkeypatch.setattr(file_dialogs, "open_files", lambda *args, **kwargs: chosen)
    with qtbot.waitSignal(library.import_finished, timeout=SIGNAL_TIMEOUT_MS) as finished:
        main.import_action.trigger()  # File → Import documents… (Ctrl+O)
        _accept_import_dialog(qtbot, library)
    assert finished.args == [3, 0]
    assert main.import_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    assert library.model.rowCount() == 3
    assert main.status_label.text() == "Imported 3 documents."
    assert not main.progress.isVisible()

    assert _search(qtbot, controller, "multistake") == 2
    assert library.list_stack.currentWidget() is library.results
    labels = [library.results.itemWidget(library.results.item(n)) for n in range(2)]
    texts = [label.text() for label in labels if isinstance(label, QLabel)]
    assert all("<b>multistakeholder</b>" in text for text in texts)
    corridor = next(text for text in texts if "Corridor" in text)
    assert "&lt;b&gt;not markup&lt;/b&gt; &amp;" in corridor  # document text is escaped
    assert main.status_label.text() == "2 results"

    hit = next(n for n in range(2) if "Talking" in texts[n])
    with qtbot.waitSignal(library.document_opened, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.mouseClick(
            library.results.viewport(),
            Qt.MouseButton.LeftButton,
            pos=library.results.visualItemRect(library.results.item(hit)).center(),
        )
    assert library.reader.title_label.text() == "Talking points"
    assert "multistakeholder" in library.reader.text_view.toPlainText()
    assert library.reader.banner.text() == "UNCLASSIFIED"
    assert library.reader.footer_banner.isVisibleTo(library.reader)

    library.search_edit.clear()
    qtbot.waitUntil(lambda: library.list_stack.currentWidget() is library.list_view)
    pdf_row = next(r for r in range(library.model.rowCount()) if library.model.summary(r).has_pdf)
    assert not library.model.summary(pdf_row).is_read
    font = library.model.index(pdf_row).data(Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.bold()
    library.list_view.setFocus()
    library.list_view.setCurrentIndex(library.model.index(pdf_row))
    with qtbot.waitSignal(library.document_opened, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.keyClick(library.list_view, Qt.Key.Key_Return)
    reader = library.reader
    assert reader.showing_pdf
    assert reader.pdf_view.page_count == 2
    assert library.model.summary(pdf_row).is_read
    assert library.model.index(pdf_row).data(Qt.ItemDataRole.FontRole) is None
    assert controller.session.library.get(library.model.summary(pdf_row).id).summary.is_read


def test_drop_files_on_the_list_imports_them(
    qtbot: QtBot, controller: AppController, tmp_path: Path
) -> None:
    main = unlock(qtbot, controller)
    library = main.library
    note = tmp_path / "note.txt"
    note.write_text("A note from the corridor.\n")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(note))])
    target = library.list_view.viewport()
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    with qtbot.waitSignal(library.import_finished, timeout=SIGNAL_TIMEOUT_MS) as finished:
        QApplication.sendEvent(target, drop)
        _accept_import_dialog(qtbot, library)
    assert drop.isAccepted() and finished.args == [1, 0]
    assert controller.session.library.count() == 1
    assert library.model.rowCount() == 1

    words = QMimeData()
    words.setText("just text, no files")
    refused = QDragEnterEvent(
        QPoint(10, 10), Qt.DropAction.CopyAction, words, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(target, refused)
    assert not refused.isAccepted()


def test_refused_files_are_reported_and_the_rest_imported(
    qtbot: QtBot, controller: AppController, tmp_path: Path
) -> None:
    main = unlock(qtbot, controller)
    good = tmp_path / "good.md"
    good.write_text("# Fine\n")
    bad = tmp_path / "tool.exe"
    bad.write_bytes(b"MZ\x00\x01")
    assert import_files(qtbot, main.library, [bad, good]) == (1, 1)
    box = main.library.findChild(QMessageBox, "importErrors")
    assert box is not None and box.isVisible() and "tool.exe" in box.text()
    box.close()
    assert main.library.model.rowCount() == 1


def test_sections_filters_and_lazy_list(
    qtbot: QtBot, controller: AppController, tmp_path: Path
) -> None:
    controller.session.unlock(PASSPHRASE_FOR_SEEDING)
    library = Library(controller.session.db, controller.session.policy)
    for n in range(PAGE_SIZE + 20):
        library.import_bytes(
            f"b{n}.md", f"# Briefing {n}\n".encode(),
            ImportOptions(kind=DocumentKind.BRIEFING, event="Summit" if n % 2 else "Forum",
                          classification="RESTRICTED" if n % 5 == 0 else None),
        )  # fmt: skip
    library.import_bytes("n.md", b"# A note\n", ImportOptions(kind=DocumentKind.NOTE))
    controller.session.lock()
    main = unlock(qtbot, controller)
    page = main.library
    assert page.model.rowCount() == PAGE_SIZE  # only the first page of summaries is loaded
    assert page.model.canFetchMore(page.model.index(-1))
    page.list_view.scrollToBottom()
    qtbot.waitUntil(lambda: page.model.rowCount() == PAGE_SIZE + 20, timeout=SIGNAL_TIMEOUT_MS)
    assert main.status_label.text() == "221 documents in the vault"

    page.event_filter.setCurrentIndex(page.event_filter.findData("Summit"))
    assert page.model.rowCount() == (PAGE_SIZE + 20) // 2
    page.classification_filter.setCurrentIndex(page.classification_filter.findData("RESTRICTED"))
    assert 0 < page.model.rowCount() < 30
    assert all(page.model.summary(r).event == "Summit" and
               page.model.summary(r).classification == "RESTRICTED"
               for r in range(page.model.rowCount()))  # fmt: skip
    page.event_filter.setCurrentIndex(0)
    page.classification_filter.setCurrentIndex(0)

    main.sidebar.select("notes")
    assert [page.model.summary(r).title for r in range(page.model.rowCount())] == ["A note"]
    note = tmp_path / "later.txt"
    note.write_text("Imported while Notes is shown.\n")
    import_files(qtbot, page, [note])
    assert {page.model.summary(r).kind for r in range(page.model.rowCount())} == {DocumentKind.NOTE}
    assert page.model.rowCount() == 2


PASSPHRASE_FOR_SEEDING = "correct horse battery staple"


def test_reading_position_is_restored(
    qtbot: QtBot, controller: AppController, tmp_path: Path
) -> None:
    main = unlock(qtbot, controller)
    page = main.library
    long_md = tmp_path / "long.md"
    long_md.write_text("# Long briefing\n\n" + "\n\n".join(f"Paragraph {n}." for n in range(400)))
    short_md = tmp_path / "short.md"
    short_md.write_text("# Short\n\nOne line.\n")
    pdf = tmp_path / "three.pdf"
    pdf.write_bytes(make_pdf("Three pages", ["One.", "Two.", "Three."]))
    import_files(qtbot, page, [long_md, short_md, pdf])
    ids = {page.model.summary(r).title: page.model.summary(r).id
           for r in range(page.model.rowCount())}  # fmt: skip

    page.open_document(ids["Long briefing"])
    bar = page.reader.text_view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=SIGNAL_TIMEOUT_MS)
    bar.triggerAction(bar.SliderAction.SliderPageStepAdd)
    bar.setValue(bar.maximum() // 2)
    page.open_document(ids["Short"])
    assert controller.session.library.get(ids["Long briefing"]).reading_position == (
        pytest.approx(0.5, abs=0.02)
    )
    page.open_document(ids["Long briefing"])
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() > 0, timeout=SIGNAL_TIMEOUT_MS)
    assert bar.value() / bar.maximum() == pytest.approx(0.5, abs=0.02)

    pdf_id = next(i for t, i in ids.items() if t not in ("Long briefing", "Short"))
    page.open_document(pdf_id)
    page.reader.pdf_view.go_to_page(2)
    page.open_document(ids["Short"])
    assert controller.session.library.get(pdf_id).reading_position == 2.0
    page.open_document(pdf_id)
    assert page.reader.pdf_view.current_page() == 2


def test_reader_loads_nothing_remote_and_opens_no_links(
    qtbot: QtBot, controller: AppController
) -> None:
    main = unlock(qtbot, controller)
    browser = main.library.reader.text_view
    assert not browser.openLinks() and not browser.openExternalLinks()
    browser.setHtml("<p>Tracked <img src='https://tracker.example/pixel.png'></p>")
    browser.grab()  # lay out and paint: the image would be fetched now
    assert "https://tracker.example/pixel.png" in browser.refused_resources
    browser.anchorClicked.emit(QUrl("https://example.org/agenda"))
    assert main.status_label.text() == (
        "Links in documents are not opened: https://example.org/agenda"
    )
    assert browser.toPlainText().startswith("Tracked")


def test_arrow_keys_in_the_list_open_the_document_landed_on(
    qtbot: QtBot, controller: AppController, tmp_path: Path
) -> None:
    main = unlock(qtbot, controller)
    page = main.library
    paths = []
    for name in ("alpha", "bravo", "charlie"):
        path = tmp_path / f"{name}.md"
        path.write_text(f"# {name.title()}\n\nText of {name}.\n")
        paths.append(path)
    import_files(qtbot, page, paths)
    first = page.select_first_document()
    assert first is not None
    page.list_view.setFocus()
    qtbot.keyClick(page.list_view, Qt.Key.Key_Down)
    second = page.model.summary(1)
    qtbot.waitUntil(
        lambda: page.reader.document is not None and page.reader.document.summary.id == second.id,
        timeout=SIGNAL_TIMEOUT_MS,
    )
    # A reload of the list (a search, a sync) moves nothing: only the user's keys do.
    page.search_edit.setFocus()
    page.list_view.setCurrentIndex(page.model.index(2))
    qtbot.wait(300)
    assert page.reader.document is not None and page.reader.document.summary.id == second.id
