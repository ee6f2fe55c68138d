"""After an upgrade, the library indexes the other forms of words in the background, with
progress in the status bar, and the search box then finds them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import ImportOptions
from delegate_app.core.paths import ProfilePaths
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Vault
from delegate_app.ui.controller import AppController
from tests.gui.conftest import SIGNAL_TIMEOUT_MS, unlock

pytestmark = pytest.mark.gui
DOCUMENTS = 450  # more than one batch of the worker


def test_stems_indexed_after_unlock_then_found_from_the_search_box(
    qtbot: QtBot, vault: Vault, profile_paths: ProfilePaths, default_policy: Policy
) -> None:
    library = Library(vault.db, default_policy)
    for n in range(DOCUMENTS):
        text = f"# Записка {n}\n\nПроект соглашения номер {n}.\n"
        library.import_bytes(f"{n}.md", text.encode(), ImportOptions(language="ru"))
    # As the upgrade leaves a vault: no stems yet.
    vault.db.execute("DELETE FROM documents_stems")
    vault.db.execute("DELETE FROM settings WHERE key = 'documents.stems_complete'")
    vault.lock()
    controller = AppController(profile_paths, default_policy)
    controller.start()
    try:
        main = unlock(qtbot, controller)
        progress: list[tuple[int, int]] = []
        main.library.import_progress.connect(lambda done, total: progress.append((done, total)))
        qtbot.waitUntil(lambda: not main.progress.isVisible(), timeout=SIGNAL_TIMEOUT_MS * 3)
        assert controller.session.library.stems_pending() == 0
        assert main.status_label.text() == (
            "Search now finds other forms of words in every document."
        )
        assert progress and progress[-1] == (DOCUMENTS, DOCUMENTS)
        main.library.search_edit.clear()
        with qtbot.waitSignal(main.library.search_finished, timeout=SIGNAL_TIMEOUT_MS) as done:
            main.library.search_edit.setText("соглашение")  # the text says соглашения
        assert done.args[0] == 50  # one page of results
        results = main.library.results
        first = results.item(0)
        assert first is not None
        accessible = first.data(Qt.ItemDataRole.AccessibleTextRole)
        assert accessible.endswith("(another form of the words)")  # not the word typed
        label = results.itemWidget(first)
        assert isinstance(label, QLabel) and "another form of the words" in label.text()
    finally:
        controller.shutdown()
