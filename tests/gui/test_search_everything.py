"""Edit → Search everything: documents, messages and comments grouped, plain text, and a hit
opens where it lives (a message selected in its conversation)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
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
