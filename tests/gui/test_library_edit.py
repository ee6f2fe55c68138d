"""The library's import dialog, Document details…, Delete document… and the export warning."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from delegate_app.core.documents.models import DocumentKind, ImportOptions
from delegate_app.core.paths import ProfilePaths
from delegate_app.core.policy import Policy, RawPolicy
from delegate_app.core.sharing.store import SharingStore
from delegate_app.core.vault import Vault
from delegate_app.ui import file_dialogs
from delegate_app.ui.controller import AppController
from delegate_app.ui.document_details_dialog import DocumentDetailsDialog
from delegate_app.ui.import_dialog import ImportDialog
from delegate_app.ui.library_page import LibraryPageWidget
from delegate_app.ui.main_window import MainWindow
from tests.gui.conftest import SIGNAL_TIMEOUT_MS, import_files, unlock

pytestmark = pytest.mark.gui
W = TypeVar("W", bound=QWidget)


@pytest.fixture
def vault_paths(vault: Vault, profile_paths: ProfilePaths) -> ProfilePaths:
    """An existing profile, locked, for an app started with a policy of the test's own."""
    vault.lock()
    return profile_paths


def _policy(**defaults: object) -> Policy:
    """An organisation *default* (not a lock): users have no switch, so it is followed."""
    return Policy.from_raw(RawPolicy("test-policy.json", {}, defaults))


def _start(
    qtbot: QtBot, make_controller: Callable[..., AppController], paths: ProfilePaths,
    policy: Policy,
) -> MainWindow:  # fmt: skip
    return unlock(qtbot, make_controller(paths, policy))


def _files(tmp_path: Path, *names: str) -> list[Path]:
    made = []
    for name in names:
        path = tmp_path / name
        path.write_text(f"# {path.stem.title()}\n\nText of {path.stem}.\n", encoding="utf-8")
        made.append(path)
    return made


def _dialog(qtbot: QtBot, parent: QWidget, kind: type[W], name: str) -> W:
    """The visible dialog ``name`` (one closed before may linger until deleted)."""

    def shown() -> list[W]:
        return [w for w in parent.findChildren(kind, name) if w.isVisible()]

    qtbot.waitUntil(lambda: len(shown()) == 1)
    return shown()[0]


def _open_first(qtbot: QtBot, library: LibraryPageWidget) -> None:
    with qtbot.waitSignal(library.document_opened, timeout=SIGNAL_TIMEOUT_MS):
        library.select_first_document()


def test_a_batch_is_imported_with_the_details_chosen(
    qtbot: QtBot, make_controller: Callable[..., AppController], vault_paths: ProfilePaths,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    main = _start(qtbot, make_controller, vault_paths, _policy(default_classification="restricted"))
    library = main.library
    chosen = [str(p) for p in _files(tmp_path, "alpha.md", "beta.md")]
    monkeypatch.setattr(file_dialogs, "open_files", lambda *args, **kwargs: chosen)
    main.import_action.trigger()
    dialog: ImportDialog = _dialog(qtbot, library, ImportDialog, "importDialog")
    assert dialog.windowTitle() == "Import 2 documents"
    assert "alpha.md" in dialog.files_label.text() and "every file" in dialog.files_label.text()
    form = dialog.form
    assert form.classification() == "RESTRICTED"  # the policy's default, prefilled
    assert form.kind() is DocumentKind.BRIEFING  # the section shown
    combo = form.classification_combo
    offered = [combo.itemText(i) for i in range(combo.count())]
    assert offered == ["UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL"]
    form.kind_combo.setCurrentIndex(form.kind_combo.findData("position-paper"))
    form.classification_combo.setCurrentIndex(form.classification_combo.findData("CONFIDENTIAL"))
    qtbot.keyClicks(form.event_combo.lineEdit(), "UNOC 3")
    qtbot.keyClicks(form.tags_edit, "oceans, high seas")
    form.language_combo.setCurrentIndex(form.language_combo.findData("fr"))
    with qtbot.waitSignal(library.import_finished, timeout=SIGNAL_TIMEOUT_MS) as finished:
        dialog.import_button.click()
    assert finished.args == [2, 0]
    documents = main.session.library.list()
    assert len(documents) == 2
    for summary in documents:
        assert summary.kind is DocumentKind.POSITION_PAPER
        assert (summary.classification, summary.event, summary.language) == (
            "CONFIDENTIAL", "UNOC 3", "fr",
        )  # fmt: skip
        assert summary.tags == ("oceans", "high seas")

    main.import_action.trigger()  # Cancel imports nothing
    again: ImportDialog = _dialog(qtbot, library, ImportDialog, "importDialog")
    again.reject()
    qtbot.waitUntil(lambda: library.findChild(ImportDialog, "importDialog") is None)
    assert main.session.library.count() == 2


def test_a_required_classification_must_be_picked(
    qtbot: QtBot, make_controller: Callable[..., AppController], vault_paths: ProfilePaths,
    tmp_path: Path,
) -> None:  # fmt: skip
    policy = _policy(require_classification=True, default_classification="RESTRICTED")
    main = _start(qtbot, make_controller, vault_paths, policy)
    library = main.library
    library.ask_import(_files(tmp_path, "gamma.md"))
    dialog: ImportDialog = _dialog(qtbot, library, ImportDialog, "importDialog")
    assert dialog.form.classification() is None  # nothing preselected, not even the default
    assert dialog.form.classification_combo.currentText() == "Choose a classification…"
    assert not dialog.import_button.isEnabled()
    assert dialog.required_label.isVisibleTo(dialog)
    assert "requires a classification" in dialog.required_label.text()
    dialog.form.classification_combo.setCurrentIndex(
        dialog.form.classification_combo.findData("UNCLASSIFIED")
    )
    assert dialog.import_button.isEnabled()
    assert not dialog.required_label.isVisibleTo(dialog)
    with qtbot.waitSignal(library.import_finished, timeout=SIGNAL_TIMEOUT_MS):
        dialog.import_button.click()
    assert [s.classification for s in main.session.library.list()] == ["UNCLASSIFIED"]
    # No other way in skips the choice: the library itself refuses an import naming none.
    assert import_files(qtbot, library, _files(tmp_path, "delta.md")) == (0, 1)
    box = library.findChild(QMessageBox, "importErrors")
    assert box is not None and "requires a classification" in box.text()
    box.close()


def test_details_are_edited_and_search_finds_the_new_title(
    qtbot: QtBot, controller: AppController, tmp_path: Path
) -> None:
    main = unlock(qtbot, controller)
    library = main.library
    assert import_files(qtbot, library, _files(tmp_path, "fisheries.md")) == (1, 0)
    assert not library.details_action.isEnabled()  # nothing open yet
    _open_first(qtbot, library)
    assert library.details_action in main.file_menu.actions()
    assert library.delete_action in main.file_menu.actions()
    library.list_view.setFocus()
    qtbot.keyClick(library.list_view, Qt.Key.Key_F2)
    dialog: DocumentDetailsDialog = _dialog(qtbot, library, DocumentDetailsDialog,
                                            "documentDetails")  # fmt: skip
    assert dialog.form.title() == "Fisheries"
    assert dialog.form.classification() == "UNCLASSIFIED"
    assert dialog.form.title_edit is not None
    dialog.form.title_edit.clear()
    assert not dialog.save_button.isEnabled()  # a document needs a title
    qtbot.keyClicks(dialog.form.title_edit, "Ocean governance")
    dialog.form.set_tags(["law of the sea"])
    dialog.form.classification_combo.setCurrentIndex(
        dialog.form.classification_combo.findData("CONFIDENTIAL")
    )
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    summary = library.model.summary(0)
    assert (summary.title, summary.tags, summary.classification) == (
        "Ocean governance", ("law of the sea",), "CONFIDENTIAL",
    )  # fmt: skip
    assert library.reader.title_label.text() == "Ocean governance"
    assert library.reader.banner.text() == "CONFIDENTIAL"
    hits = main.session.library.search("governance")
    assert [hit.document.id for hit in hits] == [summary.id]
    assert [hit.document.id for hit in main.session.library.search("sea")] == [summary.id]

    # The list's context menu offers the same on the row under the pointer.
    menu = library._list_menu(library.list_view.visualRect(library.model.index(0)).center())
    assert menu is not None
    texts = [action.text() for action in menu.actions() if not action.isSeparator()]
    assert texts == ["&Open", "Document &details…", "&Delete document…"]
    menu.close()


def _button(box: QMessageBox, name: str) -> QPushButton:
    button = box.findChild(QPushButton, name)
    assert button is not None
    return button


def test_delete_says_who_holds_the_document_and_deletes_only_when_confirmed(
    qtbot: QtBot, controller: AppController, tmp_path: Path
) -> None:
    main = unlock(qtbot, controller)
    library = main.library
    assert import_files(qtbot, library, _files(tmp_path, "received.md")) == (1, 0)
    session = main.session
    summary = session.library.list()[0]
    # Recorded as a document a contact shared with us, held by two others (the records the
    # sharing code writes when such a document arrives).
    store = SharingStore(session.db)
    store.set_shared(summary.uid, head_revision="r1", shared_by="aa" * 32, received_at=1.0,
                     verified=True, origin_key="aa" * 32)  # fmt: skip
    store.add_holders(summary.uid, ["bb" * 32, "cc" * 32])
    _open_first(qtbot, library)
    library.list_view.setFocus()
    library.list_view.setCurrentIndex(library.model.index(0))
    qtbot.keyClick(library.list_view, Qt.Key.Key_Delete)
    box: QMessageBox = _dialog(qtbot, library, QMessageBox, "deleteConfirmation")
    assert "Received" in box.text()
    info = box.informativeText()
    assert "It was shared with you by a contact." in info
    assert "2 other people hold a copy." in info
    assert "does not delete their copies" in info
    assert box.defaultButton() is not _button(box, "confirmDelete")  # Enter does not delete
    box.reject()
    assert session.library.count() == 1

    library.delete_action.trigger()  # File → Delete document… (the open document)
    box = _dialog(qtbot, library, QMessageBox, "deleteConfirmation")
    _button(box, "confirmDelete").click()
    qtbot.waitUntil(lambda: session.library.count() == 0)
    assert library.model.rowCount() == 0
    assert library.reader.document is None
    assert not library.export_action.isEnabled() and not library.delete_action.isEnabled()
    assert SharingStore(session.db).holders(summary.uid) == []
    assert main.status_label.text() == "Deleted “\u2068Received\u2069”."


def test_an_unshared_document_says_so(
    qtbot: QtBot, controller: AppController, tmp_path: Path
) -> None:
    main = unlock(qtbot, controller)
    library = main.library
    assert import_files(qtbot, library, _files(tmp_path, "mine.md")) == (1, 0)
    box = library.document_actions.confirm_delete(main.session.library.list()[0].id)
    assert box is not None
    assert "It is not shared with anyone." in box.informativeText()
    main.session.library.delete(main.session.library.list()[0].id)  # gone meanwhile
    _button(box, "confirmDelete").click()
    assert main.status_label.text().startswith("No document with id")


def test_export_at_the_warning_level_asks_first_naming_the_marking(
    qtbot: QtBot, make_controller: Callable[..., AppController], vault_paths: ProfilePaths,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    main = _start(qtbot, make_controller, vault_paths, _policy(export_warning_level="RESTRICTED"))
    library = main.library
    asked: list[str] = []
    out = tmp_path / "out.md"

    def save_file(*args: object) -> str:
        asked.append(str(args[1]))
        return str(out)

    monkeypatch.setattr(file_dialogs, "save_file", save_file)
    source = _files(tmp_path, "secret.md")
    library.import_files(source, ImportOptions(classification="CONFIDENTIAL"))
    qtbot.waitUntil(lambda: library.model.rowCount() == 1)
    _open_first(qtbot, library)
    assert library.exporter.export_current() is None
    box: QMessageBox = _dialog(qtbot, library, QMessageBox, "exportWarning")
    assert "marked \u2068CONFIDENTIAL\u2069" in box.text()
    assert "\u2068RESTRICTED\u2069 or higher" in box.informativeText()
    box.reject()
    assert asked == [] and not out.exists()  # cancelled: not even the save dialog

    library.exporter.export_current()
    box = _dialog(qtbot, library, QMessageBox, "exportWarning")
    with qtbot.waitSignal(library.exporter.export_finished, timeout=SIGNAL_TIMEOUT_MS):
        _button(box, "confirmExport").click()
    assert len(asked) == 1 and out.exists()

    main.session.library.edit_details(library.model.summary(0).id, classification="UNCLASSIFIED")
    out.unlink()
    with qtbot.waitSignal(library.exporter.export_finished, timeout=SIGNAL_TIMEOUT_MS):
        assert library.exporter.export_current() is not None  # below the level: no question
    QApplication.processEvents()
    assert library.findChild(QMessageBox, "exportWarning") is None


def test_a_search_hit_can_be_deleted_and_the_results_follow(
    qtbot: QtBot, controller: AppController, tmp_path: Path
) -> None:
    main = unlock(qtbot, controller)
    library = main.library
    assert import_files(qtbot, library, _files(tmp_path, "zebra-one.md", "zebra-two.md")) == (2, 0)
    library.search_edit.setText("zebra")
    library.run_search()
    assert library.results.count() == 2
    menu = library._results_menu(library.results.visualItemRect(library.results.item(0)).center())
    assert menu is not None
    assert [a.text() for a in menu.actions() if not a.isSeparator()][-1] == "&Delete document…"
    menu.close()
    library.results.setFocus()
    library.results.setCurrentRow(0)
    doomed = int(library.results.item(0).data(Qt.ItemDataRole.UserRole))
    qtbot.keyClick(library.results, Qt.Key.Key_Delete)
    box = _dialog(qtbot, library, QMessageBox, "deleteConfirmation")
    _button(box, "confirmDelete").click()
    qtbot.waitUntil(lambda: library.results.count() == 1)
    remaining = int(library.results.item(0).data(Qt.ItemDataRole.UserRole))
    assert remaining != doomed
    assert [s.id for s in main.session.library.list()] == [remaining]
