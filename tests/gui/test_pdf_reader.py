"""The PDF reader: the place a reopened PDF resumes at, page navigation, zoom, find, selection
and quoting, the outline, and that no plaintext file is written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from delegate_app.ui.controller import AppController
from delegate_app.ui.library_page import LibraryPageWidget
from delegate_app.ui.main_window import MainWindow
from delegate_app.ui.pdf_layout import compute_layout, screen_resolution
from delegate_app.ui.pdf_view import CURRENT_PAGE_LINE, PdfViewWidget
from tests.documents.pdfs import make_book, make_pdf
from tests.gui.conftest import SIGNAL_TIMEOUT_MS, import_files, unlock

pytestmark = pytest.mark.gui

CHAPTERS = 12


def _import(qtbot: QtBot, library: LibraryPageWidget, tmp_path: Path) -> dict[str, int]:
    book = tmp_path / "book.pdf"
    book.write_bytes(make_book("Briefing book", CHAPTERS))
    flat = tmp_path / "flat.pdf"
    flat.write_bytes(make_book("Flat annex", 4, outline=False, words="fisheries quota"))
    note = tmp_path / "note.md"
    note.write_text("# Corridor note\n\nShort.\n")
    assert import_files(qtbot, library, [book, flat, note]) == (3, 0)
    return {library.model.summary(r).title: library.model.summary(r).id
            for r in range(library.model.rowCount())}  # fmt: skip


@pytest.fixture
def main(qtbot: QtBot, controller: AppController) -> Iterator[MainWindow]:
    window = unlock(qtbot, controller)
    window.resize(1280, 800)
    qtbot.waitExposed(window)
    yield window


def _laid_out(qtbot: QtBot, view: PdfViewWidget) -> None:
    """Wait until Qt has given the view its real size and the pages are laid out."""
    QApplication.sendPostedEvents()
    qtbot.waitUntil(
        lambda: view.isVisible() and view.viewport().width() > 150
        and view.verticalScrollBar().maximum() > 0,
        timeout=SIGNAL_TIMEOUT_MS,
    )  # fmt: skip


def _qt_top_of(view: PdfViewWidget, page: int) -> int:
    """Where QPdfView itself scrolls for ``page``: jump there from another page, then back."""
    bar = view.verticalScrollBar()
    keep = bar.value()
    navigator = view.pageNavigator()
    navigator.jump(0 if page else 1, QPointF(), navigator.currentZoom())
    navigator.jump(page, QPointF(), navigator.currentZoom())
    top = bar.value()
    bar.setValue(keep)
    return top


def _dark_pixels(view: PdfViewWidget) -> int:
    image = view.viewport().grab().toImage()
    step = 4
    return sum(
        1
        for x in range(0, image.width(), step)
        for y in range(0, image.height() // 2, step)
        if QColor(image.pixel(x, y)).lightness() < 100
    )


def test_a_reopened_pdf_shows_its_page_not_a_blank_view(
    qtbot: QtBot, controller: AppController, main: MainWindow, tmp_path: Path
) -> None:
    library = main.library
    ids = _import(qtbot, library, tmp_path)
    book = ids["Briefing book"]
    controller.session.library.set_reading_position(book, 7.0)  # saved in an earlier session

    with qtbot.waitSignal(
        library.reader.pdf_view_created, timeout=SIGNAL_TIMEOUT_MS
    ):  # the first PDF: the view is made now, before it has a size
        library.open_document(book)
    view = library.reader.pdf_view
    _laid_out(qtbot, view)
    qtbot.waitUntil(lambda: _dark_pixels(view) > 20, timeout=SIGNAL_TIMEOUT_MS)  # text shows
    bar = view.verticalScrollBar()
    assert bar.value() == _qt_top_of(view, 7)  # the top of page 8, where Qt puts it
    assert view.current_page() == 7
    assert library.reader.pdf_reader.page_spin.value() == 8

    view.scroll_to_point(9, QPointF(0, 400), fraction_of_view=0.0)  # read on, into page 10
    place = view.reading_place()
    assert 9.3 < place < 9.7
    library.open_document(ids["Corridor note"])
    assert controller.session.library.get(book).reading_position == pytest.approx(place)
    main.resize(1000, 700)  # a different width: every page has another height now
    library.open_document(book)
    _laid_out(qtbot, view)
    layout = compute_layout(view, view.pdf, screen_resolution())
    assert bar.value() == layout.y_for(place)
    assert layout.tops[9] < bar.value() < layout.tops[10]
    # the indicator shows the page across the upper part of the view, as after scrolling
    line = bar.value() + view.viewport().height() * CURRENT_PAGE_LINE
    assert view.current_page() == layout.page_at(line)
    assert library.reader.pdf_reader.page_spin.value() == layout.page_at(line) + 1

    main.resize(1280, 800)  # resizing keeps the place
    _laid_out(qtbot, view)
    layout = compute_layout(view, view.pdf, screen_resolution())
    qtbot.waitUntil(lambda: bar.value() == layout.y_for(place), timeout=SIGNAL_TIMEOUT_MS)


def test_the_layout_matches_qpdfview_in_every_zoom_mode(
    qtbot: QtBot, main: MainWindow, tmp_path: Path
) -> None:
    library = main.library
    library.open_document(_import(qtbot, library, tmp_path)["Briefing book"])
    view = library.reader.pdf_view
    _laid_out(qtbot, view)
    for choose in (view.fit_width, view.fit_page, view.zoom_in, view.zoom_out):
        choose()
        layout = compute_layout(view, view.pdf, screen_resolution())
        bar = view.verticalScrollBar()
        assert bar.maximum() == layout.document_height - view.viewport().height()
        for page in (1, 5, CHAPTERS - 3):
            assert _qt_top_of(view, page) == min(layout.tops[page], bar.maximum())


def test_page_indicator_buttons_and_keys(qtbot: QtBot, main: MainWindow, tmp_path: Path) -> None:
    library = main.library
    library.open_document(_import(qtbot, library, tmp_path)["Briefing book"])
    reader = library.reader.pdf_reader
    view = reader.view
    _laid_out(qtbot, view)
    assert reader.page_prefix.text() == "Page"
    assert reader.page_suffix.text() == f"of {CHAPTERS}"
    assert reader.page_spin.value() == 1 and not reader.previous_button.isEnabled()

    reader.page_spin.setFocus()
    reader.page_spin.selectAll()
    qtbot.keyClicks(reader.page_spin, "5")
    qtbot.keyClick(reader.page_spin, Qt.Key.Key_Return)
    assert view.current_page() == 4
    assert view.verticalScrollBar().value() == _qt_top_of(view, 4)

    qtbot.mouseClick(reader.next_button, Qt.MouseButton.LeftButton)
    assert view.current_page() == 5 and reader.page_spin.value() == 6
    qtbot.mouseClick(reader.previous_button, Qt.MouseButton.LeftButton)
    assert reader.page_spin.value() == 5

    view.setFocus()
    bar = view.verticalScrollBar()
    layout = view.layout_now
    start = bar.value()
    qtbot.keyClick(view, Qt.Key.Key_PageDown)  # a screen on, or the next page's top
    assert bar.value() == min(start + bar.pageStep(), layout.tops[5])
    for _ in range(8):
        qtbot.keyClick(view, Qt.Key.Key_PageDown)
    assert bar.value() > start and view.current_page() >= 5
    qtbot.keyClick(view, Qt.Key.Key_PageUp)
    assert bar.value() < layout.y_for(view.reading_place()) + bar.pageStep()
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert bar.value() == bar.maximum()
    assert reader.page_spin.value() == CHAPTERS and not reader.next_button.isEnabled()
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert bar.value() == 0 and reader.page_spin.value() == 1
    assert reader.page_spin.accessibleName() == "Page"
    assert reader.page_spin.accessibleDescription() == f"Page 1 of {CHAPTERS}"
    reader.outline_button.setFocus()  # the tool bar in reading order, by keyboard
    assert reader.outline_button.hasFocus()
    qtbot.keyClick(reader.outline_button, Qt.Key.Key_Tab)  # "previous" is off on page 1
    assert reader.page_spin.hasFocus()
    qtbot.keyClick(reader.page_spin, Qt.Key.Key_Tab)
    assert reader.next_button.hasFocus()
    qtbot.keyClick(reader.next_button, Qt.Key.Key_Space)
    assert reader.page_spin.value() == 2


def test_zoom_steps_fit_modes_and_the_zoom_kept_for_the_next_pdf(
    qtbot: QtBot, main: MainWindow, tmp_path: Path
) -> None:
    library = main.library
    ids = _import(qtbot, library, tmp_path)
    library.open_document(ids["Briefing book"])
    reader = library.reader.pdf_reader
    view = reader.view
    _laid_out(qtbot, view)
    assert view.zoomMode() == QPdfView.ZoomMode.FitToWidth
    assert reader.fit_width_button.isChecked()
    fitted = view.effective_zoom()
    view.go_to_page(3)

    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoomMode() == QPdfView.ZoomMode.Custom
    assert view.effective_zoom() > fitted
    assert reader.zoom_label.text() == f"{round(view.zoomFactor() * 100)}%"
    assert not reader.fit_width_button.isChecked()
    assert view.verticalScrollBar().value() == _qt_top_of(view, 3)  # the place is kept
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.effective_zoom() < fitted

    qtbot.mouseClick(reader.fit_page_button, Qt.MouseButton.LeftButton)
    assert view.zoomMode() == QPdfView.ZoomMode.FitInView
    page = view.layout_now.pages[3]
    assert page.height() <= view.viewport().height()  # a whole page in view
    qtbot.keyClick(view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    zoom = view.zoomFactor()

    library.open_document(ids["Corridor note"])
    library.open_document(ids["Flat annex"])  # the zoom chosen stays for this session
    _laid_out(qtbot, view)
    assert view.zoomMode() == QPdfView.ZoomMode.Custom and view.zoomFactor() == zoom
    qtbot.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert view.zoomMode() == QPdfView.ZoomMode.FitToWidth
    assert reader.fit_width_button.isChecked()


def test_find_in_the_document_highlights_and_counts(
    qtbot: QtBot, main: MainWindow, tmp_path: Path
) -> None:
    library = main.library
    ids = _import(qtbot, library, tmp_path)
    library.open_document(ids["Flat annex"])
    reader = library.reader.pdf_reader
    view = reader.view
    _laid_out(qtbot, view)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    bar = reader.find_bar
    assert bar.isVisible() and bar.edit.hasFocus()
    assert not library.search_edit.hasFocus()  # Ctrl+F in the reader finds in the document

    qtbot.keyClicks(bar.edit, "quota")
    qtbot.waitUntil(lambda: not bar.searching, timeout=SIGNAL_TIMEOUT_MS)
    assert bar.count == 4  # one per page
    assert bar.count_label.text() == "1 of 4"
    assert view.searchModel() is bar.model and view.currentSearchResultIndex() == 0
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    assert bar.count_label.text() == "2 of 4" and view.current_page() == 1
    qtbot.keyClick(view, Qt.Key.Key_F3)
    assert bar.count_label.text() == "3 of 4" and view.current_page() == 2
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert bar.count_label.text() == "2 of 4"

    library.open_document(ids["Briefing book"])  # another PDF: searched again, the bar kept
    _laid_out(qtbot, view)
    qtbot.waitUntil(lambda: not bar.searching, timeout=SIGNAL_TIMEOUT_MS)
    assert bar.isVisible() and bar.count == 0 and bar.count_label.text() == "No matches"
    library.open_document(ids["Flat annex"])
    qtbot.waitUntil(lambda: bar.count == 4, timeout=SIGNAL_TIMEOUT_MS)

    bar.edit.setFocus()
    bar.edit.selectAll()
    qtbot.keyClicks(bar.edit, "no such words")
    qtbot.waitUntil(lambda: bar.count_label.text() == "No matches", timeout=SIGNAL_TIMEOUT_MS)
    assert not bar.next_button.isEnabled()
    qtbot.keyClick(bar.edit, Qt.Key.Key_Escape)
    assert not bar.isVisible() and view.searchModel() is None


def _word_on_screen(view: PdfViewWidget, page: int, word: str) -> tuple[QPoint, QPoint]:
    """Viewport points just inside the first ``word`` on ``page``."""
    text = view.pdf.getAllText(page).text()
    assert word in text
    layout = view.layout_now
    rect, scale = layout.pages[page], layout.scale(page)
    for y in range(0, int(view.pdf.pagePointSize(page).height()), 2):  # find a line of it
        for x in range(0, int(view.pdf.pagePointSize(page).width()), 4):
            got = view.pdf.getSelection(page, QPointF(x, y), QPointF(x + 40, y))
            if got.isValid() and got.text().startswith(word[:3]):
                box = got.boundingRectangle()
                top = QPointF(rect.x(), rect.y() - view.verticalScrollBar().value())
                start = top + QPointF(box.left() + 1, box.center().y()) * scale
                end = top + QPointF(box.left() + 1, box.center().y()) * scale
                end += QPointF(scale * 60, 0)
                return start.toPoint(), end.toPoint()
    raise AssertionError(f"{word!r} not found on page {page}")


def test_select_copy_and_quote_a_passage_of_a_pdf(
    qtbot: QtBot, main: MainWindow, tmp_path: Path
) -> None:
    library = main.library
    library.open_document(_import(qtbot, library, tmp_path)["Flat annex"])
    view = library.reader.pdf_view
    _laid_out(qtbot, view)
    start, end = _word_on_screen(view, 0, "fisheries")
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(view.viewport(), end)
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=end)
    selected = view.selected_text()
    assert selected.startswith("fisheries")
    assert view.copy_action.isEnabled()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == selected

    panel = library.sharing_panel
    panel.quote_selection()
    assert panel.quote is not None and panel.quote.startswith("fisheries")

    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=start)  # a click clears
    assert view.selected_text() == "" and not view.copy_action.isEnabled()
    qtbot.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert "Chapter 1" in view.selected_text() and "Agenda item 1" in view.selected_text()


def test_outline_where_the_pdf_has_one_thumbnails_otherwise(
    qtbot: QtBot, main: MainWindow, tmp_path: Path
) -> None:
    library = main.library
    ids = _import(qtbot, library, tmp_path)
    library.open_document(ids["Briefing book"])
    reader = library.reader.pdf_reader
    _laid_out(qtbot, reader.view)
    assert reader.outline.isVisible() and reader.outline_button.isVisible()
    model = reader.outline.model()
    titles = [model.index(row, 0).data() for row in range(model.rowCount())]
    assert titles == [f"Chapter {n}" for n in range(1, CHAPTERS + 1)]
    reader.outline.setFocus()
    reader.outline.setCurrentIndex(model.index(5, 0))
    qtbot.keyClick(reader.outline, Qt.Key.Key_Return)
    assert reader.view.current_page() == 5
    assert reader.page_spin.value() == 6
    qtbot.mouseClick(reader.outline_button, Qt.MouseButton.LeftButton)
    assert not reader.outline.isVisible()

    library.open_document(ids["Flat annex"])  # no outline: page thumbnails, when asked for
    assert not reader.outline.isVisible() and not reader.thumbnails.isVisible()
    assert reader.outline_button.text() == "Pages" and not reader.outline_button.isChecked()
    qtbot.mouseClick(reader.outline_button, Qt.MouseButton.LeftButton)
    thumbnails = reader.thumbnails
    assert thumbnails.isVisible() and thumbnails.count() == 4
    qtbot.waitUntil(
        lambda: all(not thumbnails.item(n).icon().isNull() for n in range(4)),
        timeout=SIGNAL_TIMEOUT_MS,
    )  # rendered on QtPdf's thread
    qtbot.mouseClick(
        thumbnails.viewport(), Qt.MouseButton.LeftButton,
        pos=thumbnails.visualItemRect(thumbnails.item(2)).center(),
    )  # fmt: skip
    assert reader.view.current_page() == 2 and reader.page_spin.value() == 3
    qtbot.keyClick(reader.view, Qt.Key.Key_End)
    assert thumbnails.currentRow() == 3  # the thumbnails follow the page


def _files_with_pdf_magic(*roots: Path) -> list[Path]:
    found = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink() and b"%PDF-" in path.read_bytes():
                found.append(path)
    return found


def test_reading_a_pdf_writes_no_plaintext_file(
    qtbot: QtBot, controller: AppController, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))  # where Qt and Python would put temporary files
    main = unlock(qtbot, controller)
    library = main.library
    source = tmp_path / "source"
    source.mkdir()
    pdf = source / "annex.pdf"
    pdf.write_bytes(make_pdf("Annex", ["Fisheries quota, page one.", "Page two."]))
    assert import_files(qtbot, library, [pdf]) == (1, 0)
    pdf.unlink()  # only the vault holds it now
    home = Path.home()
    assert _files_with_pdf_magic(temp, home, controller.session.paths.root) == []

    library.select_first_document()
    reader = library.reader.pdf_reader
    _laid_out_or_short(qtbot, reader.view)
    reader.find_bar.open_bar()
    qtbot.keyClicks(reader.find_bar.edit, "quota")
    qtbot.waitUntil(lambda: reader.find_bar.count == 1, timeout=SIGNAL_TIMEOUT_MS)
    reader.view.select_page_text(0)
    reader.view.copy_selection()
    reader.view.zoom_in()
    controller.lock()
    assert _files_with_pdf_magic(temp, home, controller.session.paths.root, source) == []


def _laid_out_or_short(qtbot: QtBot, view: PdfViewWidget) -> None:
    """A short PDF may fit without scrolling: wait for a real size and a layout only."""
    qtbot.waitUntil(
        lambda: view.isVisible() and view.viewport().width() > 150 and bool(view.layout_now.pages),
        timeout=SIGNAL_TIMEOUT_MS,
    )


def test_wheel_scrolling_moves_the_place_that_is_saved(
    qtbot: QtBot, controller: AppController, main: MainWindow, tmp_path: Path
) -> None:
    library = main.library
    ids = _import(qtbot, library, tmp_path)
    library.open_document(ids["Briefing book"])
    view = library.reader.pdf_view
    _laid_out(qtbot, view)
    bar = view.verticalScrollBar()
    centre = QPointF(view.viewport().rect().center())
    for _ in range(12):
        wheel = QWheelEvent(
            centre, view.viewport().mapToGlobal(centre), QPoint(0, 0), QPoint(0, -120),
            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase, False,
        )  # fmt: skip
        QApplication.sendEvent(view.viewport(), wheel)
    assert bar.value() > 0
    place = view.reading_place()
    assert place == pytest.approx(view.layout_now.place_at(bar.value()))
    library.open_document(ids["Corridor note"])
    assert controller.session.library.get(ids["Briefing book"]).reading_position == (
        pytest.approx(place)
    )
    library.open_document(ids["Briefing book"])
    _laid_out(qtbot, view)
    assert bar.value() == view.layout_now.y_for(place)


@pytest.mark.parametrize("number", [float("nan"), float("inf"), -float("inf"), -3.0, 1e300])
def test_a_pdfs_own_numbers_cannot_break_the_place(
    qtbot: QtBot, main: MainWindow, tmp_path: Path, number: float
) -> None:
    """Outline and link destinations come from the PDF, which anyone can write."""
    library = main.library
    library.open_document(_import(qtbot, library, tmp_path)["Briefing book"])
    view = library.reader.pdf_view
    _laid_out(qtbot, view)
    view.scroll_to_point(3, QPointF(number, number), fraction_of_view=0.0)
    assert 3.0 <= view.reading_place() < 4.0 and view.current_page() == 3
    view.scroll_to_point(CHAPTERS + 5, QPointF(0, 0))  # a page the PDF does not have
    assert view.current_page() == 3
    layout = view.layout_now
    assert 0.0 <= layout.place_at(number) < CHAPTERS
    assert 0 <= layout.y_for(number) <= layout.document_height
