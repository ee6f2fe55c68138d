"""Sharing from the library: the Share… dialog, provenance, comments, conflicts — with a
second mission on a real relay."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from pytestqt.qtbot import QtBot

from delegate_app.core.documents.library import Library
from delegate_app.core.messaging.outbox import Outbox
from delegate_app.ui.bidi import isolate
from delegate_app.ui.controller import AppController
from delegate_app.ui.share_dialog import ShareDialog
from tests.gui.conftest import SIGNAL_TIMEOUT_MS, import_files
from tests.gui.missions import open_gui, sync_gui
from tests.sync.profiles import Peer, blob_descriptor, share_with_descriptor, sync_peer

pytestmark = pytest.mark.gui


def _outbox_empty(controller: AppController) -> bool:
    return Outbox(controller.session.db).pending_count() == 0


def test_share_from_the_library_reaches_the_peer_with_provenance(
    qtbot: QtBot,
    make_controller: Callable[..., AppController],
    missions: list[Peer],
    tmp_path: Path,
) -> None:
    amina, boris = missions
    controller, main = open_gui(qtbot, make_controller, amina)
    library = main.library
    assert not library.share_action.isEnabled()  # nothing open yet
    paper = tmp_path / "position.md"
    paper.write_text("# Position on water\n\nWe support the draft.\n")
    assert import_files(qtbot, library, [paper]) == (1, 0)
    library.select_first_document()
    assert library.share_action.isEnabled()
    assert library.share_action.shortcut() == QKeySequence("Ctrl+Shift+S")
    assert library.share_action in main.file_menu.actions()
    assert library.sharing_panel.provenance_label.text() == "Not shared."
    library.share_action.trigger()
    dialog = next(w for w in library.findChildren(ShareDialog) if w.isVisible())
    dialog.set_checked(["Boris Petrov"])
    dialog.accept()
    assert main.status_label.text() == "Shared “Position on water” with Boris Petrov."
    assert library.sharing_panel.provenance_label.text() == "Shared by you."
    qtbot.waitUntil(lambda: _outbox_empty(controller), timeout=SIGNAL_TIMEOUT_MS)

    assert sync_peer(boris).received == 1
    with boris.unlocked() as room:
        peer_library = Library(room.db, room.policy)
        [summary] = peer_library.list()
        assert summary.title == "Position on water"
        provenance = room.sharing.provenance(summary.id)
        amina_key = room.contacts.get("Amina Haddad").identity_key.hex()
    assert provenance is not None and provenance.verified
    assert provenance.shared_by == amina_key


def test_received_document_shows_provenance_takes_comments_and_resolves_a_conflict(
    qtbot: QtBot, make_controller: Callable[..., AppController], missions: list[Peer]
) -> None:
    amina, boris = missions
    with boris.unlocked() as room:
        peer_library = Library(room.db, room.policy)
        doc = peer_library.import_bytes("agenda.md", b"# Agenda\n\nItem one: opening.\n")
        room.sharing.share(doc.id, ["Amina Haddad"])
    sync_peer(boris)
    controller, main = open_gui(qtbot, make_controller, amina)
    library = main.library
    qtbot.waitUntil(lambda: library.model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
    library.select_first_document()
    panel = library.sharing_panel
    provenance = panel.provenance_label.text()
    assert provenance.startswith("Shared by Boris Petrov, received ")
    assert provenance.endswith("; signature verified.")

    assert library.reader.text_view.find("Item one: opening.")  # the user selects a passage
    qtbot.mouseClick(panel.quote_button, Qt.MouseButton.LeftButton)
    assert panel.context_label.text() == "Quoting “Item one: opening.”."
    qtbot.keyClicks(panel.comment_edit, "Should the chair open?")
    with qtbot.waitSignal(panel.comment_posted, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.mouseClick(panel.post_button, Qt.MouseButton.LeftButton)
    assert panel.comment_list.count() == 1
    assert panel.comment_list.item(0).text().startswith("You · ")
    qtbot.waitUntil(lambda: _outbox_empty(controller), timeout=SIGNAL_TIMEOUT_MS)
    sync_peer(boris)
    with boris.unlocked() as room:
        [comment] = room.sharing.comments(doc.id)
        assert (comment.body, comment.quote) == ("Should the chair open?", "Item one: opening.")
        room.sharing.comment(doc.id, "Yes, the chair.", reply_to=comment.id)
        # Both sides now edit the same line: a conflict for Amina.
        Library(room.db, room.policy).update(doc.id, body="# Agenda\n\nItem one: host opens.\n")
        room.sharing.share(doc.id)
    own_id = library.reader.document.summary.id if library.reader.document else -1
    controller.session.library.update(own_id, body="# Agenda\n\nItem one: chair opens.\n")
    library.reload_document(own_id)
    sync_peer(boris)
    sync_gui(qtbot, controller)
    qtbot.waitUntil(lambda: panel.comment_list.count() == 2, timeout=SIGNAL_TIMEOUT_MS)
    reply = panel.comment_list.item(1).text()
    assert reply.startswith("Boris Petrov · ") and "↳ reply to You" in reply
    assert panel.conflict_frame.isVisibleTo(main)
    assert "Boris Petrov changed the same passages" in panel.conflict_label.text()
    assert "chair opens" in library.reader.text_view.toPlainText()
    qtbot.mouseClick(panel.keep_theirs_button, Qt.MouseButton.LeftButton)
    assert not panel.conflict_frame.isVisibleTo(main)
    assert "host opens" in library.reader.text_view.toPlainText()


def test_an_attachment_on_a_relay_nobody_trusts_is_shown_as_not_downloaded(
    qtbot: QtBot, make_controller: Callable[..., AppController], missions: list[Peer]
) -> None:
    amina, boris = missions
    descriptor = blob_descriptor("http://127.0.0.1:9/<b>track</b>?who=amina", 4096)
    share_with_descriptor(boris, amina, descriptor)
    sync_peer(boris)
    _controller, main = open_gui(qtbot, make_controller, amina)
    library = main.library
    qtbot.waitUntil(lambda: library.model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
    library.select_first_document()
    label = library.sharing_panel.attachment_label
    assert label.isVisibleTo(main)
    assert label.textFormat() is Qt.TextFormat.PlainText
    assert label.text() == (
        "Attached PDF: The attachment is on a relay you do not use with this contact"
        " (http://127.0.0.1:9); it was not downloaded."
    )


def test_reader_shows_the_audience_who_a_comment_reaches_and_an_ignored_widening(
    qtbot: QtBot, make_controller: Callable[..., AppController], missions: list[Peer]
) -> None:
    amina, boris = missions
    stranger = "ab" * 32  # a key Boris names as a holder of Amina's paper
    with amina.unlocked() as room:
        doc = Library(room.db, room.policy).import_bytes("water.md", b"# Water\n\nDraft one.\n")
        uid = room.sharing.share(doc.id, ["Boris Petrov"]).document_uid
    sync_peer(amina)
    sync_peer(boris)
    with boris.unlocked() as room:
        boris_doc = room.sharing.store.document_id(uid)
        assert boris_doc is not None
        room.sharing.store.add_holders(uid, [stranger])
        Library(room.db, room.policy).update(boris_doc, body="# Water\n\nDraft two.\n")
        room.sharing.share(boris_doc, ["Amina Haddad"])
    sync_peer(boris)
    controller, main = open_gui(qtbot, make_controller, amina)
    sync_gui(qtbot, controller)
    library = main.library
    library.select_first_document()
    panel = library.sharing_panel
    qtbot.waitUntil(lambda: panel.notice_frame.isVisibleTo(main), timeout=SIGNAL_TIMEOUT_MS)
    boris_name = isolate("Boris Petrov")
    assert panel.audience_label.text() == f"Shared with: {boris_name}."
    assert panel.recipients_label.text() == f"Your comment will go to: {boris_name}."
    assert panel.notice_label.text() == (
        f"{boris_name} tried to change who this document is shared with; the change was ignored."
    )
    for label in (panel.audience_label, panel.recipients_label, panel.notice_label):
        assert label.textFormat() is Qt.TextFormat.PlainText
    qtbot.mouseClick(panel.dismiss_button, Qt.MouseButton.LeftButton)
    assert not panel.notice_frame.isVisibleTo(main)
    assert controller.session.mailroom.sharing.audience_notices(doc.id) == []


def test_a_document_nobody_else_holds_says_a_comment_stays_in_the_vault(
    qtbot: QtBot, make_controller: Callable[..., AppController], missions: list[Peer]
) -> None:
    amina, _boris = missions
    with amina.unlocked() as room:
        Library(room.db, room.policy).import_bytes("notes.md", b"# Notes\n\nMine only.\n")
    _controller, main = open_gui(qtbot, make_controller, amina)
    library = main.library
    qtbot.waitUntil(lambda: library.model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
    library.select_first_document()
    panel = library.sharing_panel
    assert not panel.audience_label.isVisibleTo(main)
    assert not panel.notice_frame.isVisibleTo(main)
    assert panel.recipients_label.text() == (
        "Your comment will stay in your vault: nobody else holds this document."
    )
