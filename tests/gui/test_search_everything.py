"""Edit → Search everything: documents, messages and comments grouped, plain text, and a hit
opens where it lives (a message selected in its conversation)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import ImportOptions
from delegate_app.ui.controller import AppController
from delegate_app.ui.conversation_view import MESSAGE_ROLE
from tests.gui.conftest import SIGNAL_TIMEOUT_MS
from tests.gui.missions import open_gui, sync_gui
from tests.sync.profiles import Peer, sync_peer

pytestmark = pytest.mark.gui
HOSTILE = '<b style="color:green">✔ Verified</b> ceasefire'


def test_search_everything_groups_hits_and_opens_a_message_in_its_conversation(
    qtbot: QtBot, make_controller: Callable[..., AppController], missions: list[Peer]
) -> None:
    amina, boris = missions
    with amina.unlocked() as room:
        Library(room.db, amina.policy).import_bytes(
            "agenda.md", b"# Plenary agenda\n\nThe ceasefire text.\n", ImportOptions()
        )
    for text in ("Good morning.", HOSTILE, "See you at nine."):
        boris.room.messenger.send_text("Amina Haddad", text)
    assert sync_peer(boris).sent == 3
    controller, main = open_gui(qtbot, make_controller, amina)
    sync_gui(qtbot, controller)
    assert main.search_all_action.shortcut().toString() == "Ctrl+Shift+F"
    main.search_all_action.trigger()
    dialog = main.search_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(dialog.query_edit.hasFocus, timeout=SIGNAL_TIMEOUT_MS)
    dialog.query_edit.setText("ceasefire")
    qtbot.keyClick(dialog.query_edit, Qt.Key.Key_Return)  # searches at once, focus to results
    groups = [dialog.tree.topLevelItem(n) for n in range(dialog.tree.topLevelItemCount())]
    assert [g.text(0) for g in groups if g is not None] == ["Documents (1)", "Messages (1)"]
    message_group = groups[1]
    assert message_group is not None
    message_hit = message_group.child(0)
    assert message_hit is not None
    line = message_hit.text(0)
    assert "Boris Petrov" in line and '<b style="color:green">✔ Verified</b>' in line
    qtbot.waitUntil(dialog.tree.hasFocus, timeout=SIGNAL_TIMEOUT_MS)

    dialog.tree.setCurrentItem(message_hit)
    qtbot.keyClick(dialog.tree, Qt.Key.Key_Return)  # opens the message where it lives
    qtbot.waitUntil(lambda: main.sidebar.current_section().key == "messages",  # type: ignore[union-attr]
                    timeout=SIGNAL_TIMEOUT_MS)  # fmt: skip
    current = main.messages.view.list.currentIndex()
    assert current.isValid() and HOSTILE in str(current.data())
    assert current.data(MESSAGE_ROLE) is not None

    assert not dialog.isVisible()  # out of the way; reopening shows the same results
    main.search_all_action.trigger()
    assert dialog.query_edit.text() == "ceasefire"
    document_group = dialog.tree.topLevelItem(0)
    document_hit = document_group.child(0) if document_group is not None else None
    assert document_hit is not None
    dialog.tree.setCurrentItem(document_hit)
    qtbot.keyClick(dialog.tree, Qt.Key.Key_Return)
    reader = main.library.reader.document
    assert reader is not None and reader.summary.title == "Plenary agenda"

    controller.lock()  # nothing of the search outlives the unlocked session
    assert dialog.query_edit.text() == "" and dialog.tree.topLevelItemCount() == 0


def test_filters_narrow_the_search_and_more_results_pages_on(
    qtbot: QtBot, make_controller: Callable[..., AppController], missions: list[Peer]
) -> None:
    from delegate_app.core.documents.models import DocumentKind
    from delegate_app.ui.search_everything import PAGE

    amina, _boris = missions
    with amina.unlocked() as room:
        library = Library(room.db, amina.policy)
        library.import_bytes("a.md", b"# Quota note\n\nQuota.\n",
                             ImportOptions(kind=DocumentKind.NOTE, event="COP"))  # fmt: skip
        library.import_bytes("b.md", b"# Quota briefing\n\nQuota.\n", ImportOptions())
        for n in range(PAGE + 5):
            room.messenger.send_text("Boris Petrov", f"Quota figure {n}.")
        room.messenger.create_group("Quota group", ["Boris Petrov"])
        room.messenger.send_to_group("Quota group", "Quota for the group.")
    controller, main = open_gui(qtbot, make_controller, amina)
    dialog = main.search_everything()
    filters = dialog.filters
    assert [filters.event_combo.itemText(n) for n in range(filters.event_combo.count())] == [
        "Any event", "COP"
    ]  # fmt: skip
    dialog.query_edit.setText("quota")
    qtbot.keyClick(dialog.query_edit, Qt.Key.Key_Return)

    def groups() -> list[str]:
        items = [dialog.tree.topLevelItem(n) for n in range(dialog.tree.topLevelItemCount())]
        return [item.text(0) for item in items if item is not None]

    assert groups() == ["Documents (2)", f"Messages ({PAGE})"]
    assert dialog.more_button.isVisible()
    dialog.more_button.click()  # the next page, appended; the first new hit selected
    assert groups() == ["Documents (2)", f"Messages ({PAGE + 6})"]
    assert not dialog.more_button.isVisible()
    ids = [h.message_id for h in dialog.results.messages]
    assert len(set(ids)) == len(ids)
    current = dialog.tree.currentItem()
    assert current is not None and current.parent() is dialog.tree.topLevelItem(1)

    filters.scope_combo.setCurrentIndex(1)  # documents only
    qtbot.keyClick(dialog.query_edit, Qt.Key.Key_Return)
    assert groups() == ["Documents (2)"]
    filters.section_combo.setCurrentIndex(filters.section_combo.findData(DocumentKind.NOTE.value))
    qtbot.keyClick(dialog.query_edit, Qt.Key.Key_Return)
    assert [h.document.title for h in dialog.results.documents] == ["Quota note"]
    filters.event_combo.setCurrentIndex(0)
    filters.section_combo.setCurrentIndex(0)
    filters.scope_combo.setCurrentIndex(0)
    conversation = filters.conversation_combo
    conversation.setCurrentIndex(next(n for n in range(conversation.count())
                                      if "Quota group" in conversation.itemText(n)))  # fmt: skip
    qtbot.keyClick(dialog.query_edit, Qt.Key.Key_Return)
    assert groups() == ["Messages (1)"]  # a conversation leaves documents and comments out

    filters.until_edit.setDate(QDate(2001, 1, 1))  # before anything was written
    qtbot.keyClick(dialog.query_edit, Qt.Key.Key_Return)
    assert groups() == []
    assert "with these filters" in dialog.summary.text()
    assert dialog.widen_button.isVisible()
    dialog.widen_button.click()  # everything, no filters
    qtbot.keyClick(dialog.query_edit, Qt.Key.Key_Return)
    assert groups() == ["Documents (2)", f"Messages ({PAGE})"]
    assert not dialog.widen_button.isVisible()
    controller.lock()
    assert filters.event_combo.count() == 1  # nothing of the vault stays in the choices
