"""Text from other people is shown as text: a contact whose name, organisation, group title,
document metadata, message and comment text are HTML cannot draw markup in the window.

The hostile contact is a real profile on a real relay; its card, messages, group, shared
document and comment reach the GUI through the real core. Each page and dialog is opened and
the whole widget tree is walked: every label, message box, tooltip and item view that shows a
hostile value must show it character for character (markup visible, not rendered).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6 import QtGui
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLabel,
    QMessageBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from delegate_app.core.contacts.book import ContactBook, own_card
from delegate_app.core.crypto.keywrap import FAST_KDF
from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import ImportOptions
from delegate_app.core.paths import resolve_profile
from delegate_app.core.policy import Policy
from delegate_app.core.profile import ProfileInfo, init_profile
from delegate_app.ui.bidi import isolate
from delegate_app.ui.contacts_page import ContactsPageWidget
from delegate_app.ui.controller import AppController
from delegate_app.ui.conversation_list_delegate import ConversationItemDelegate
from delegate_app.ui.document_delegate import DocumentItemDelegate
from delegate_app.ui.main_window import MainWindow
from delegate_app.ui.message_delegate import MessageBubbleDelegate
from delegate_app.ui.plain_text import notification_markup_escaped, plain_tooltip
from delegate_app.ui.share_dialog import ShareDialog
from delegate_app.ui.verification_dialog import VerificationDialog
from tests.conftest import PASSPHRASE
from tests.gui.conftest import SIGNAL_TIMEOUT_MS, import_files
from tests.gui.missions import open_gui, sync_gui
from tests.relay_server import RelayProcess
from tests.sync.profiles import Peer, introduce, sync_peer

pytestmark = pytest.mark.gui

# Each hostile value, keyed by a phrase of it that is found wherever the value is shown.
NAME = '<b style="color:green">✔ Verified by your organisation</b>'
ORGANISATION = '<img src="https://evil.example/pixel.png"><a href="https://evil.example/">Ministry of Truth</a>'  # noqa: E501
GROUP = "<h1>Secret caucus</h1><img src=x>"
MESSAGE = '<font color="red">Wire the funds</font> <a href="https://evil.example/">now</a>'
TITLE = '<a href="https://evil.example/">Plan of attack</a><img src="file:///etc/hosts">'
EVENT = "<i>Summit of lies</i><br>"
TAG = "<s>Annex tag</s>"
COMMENT = "<table><tr><td>Agree with annex</td></tr></table><hr>"
FILE_NAME = "<u>Annex of doom<img src=x>.xyz"  # a refused import: its name is in the error
HOSTILE = {
    "Verified by your organisation": NAME,
    "Ministry of Truth": ORGANISATION,
    "Secret caucus": GROUP,
    "Wire the funds": MESSAGE,
    "Plan of attack": TITLE,
    "Summit of lies": EVENT,
    "Annex tag": TAG,
    "Agree with annex": COMMENT,
    "Annex of doom": FILE_NAME,
}
# Delegates of ours that paint text as text; Qt's own delegates (QStyledItemDelegate, the
# combo box's) never render item text as markup.
PLAIN_DELEGATES = (DocumentItemDelegate, MessageBubbleDelegate, ConversationItemDelegate)


@pytest.fixture
def hostile_missions(tmp_path: Path, gui_relay: RelayProcess) -> Iterator[list[Peer]]:
    """Amina (for the GUI, locked) and a contact whose card fields are HTML, introduced."""
    policy = Policy.from_raw(None)
    peers = []
    for index, (name, organisation) in enumerate(
        (("Amina Haddad", "Mission of Freedonia"), (NAME, ORGANISATION))
    ):
        root = tmp_path / f"profile-{index}"
        info = ProfileInfo(name, organisation, gui_relay.url)
        vault = init_profile(resolve_profile(root), info, PASSPHRASE, policy, kdf=FAST_KDF)
        peers.append(Peer(name, root, vault, policy))
    introduce(peers)
    try:
        yield peers
    finally:
        for peer in peers:
            peer.close()


def _displayed(text: str, text_format: Qt.TextFormat) -> str:
    """What Qt draws for ``text`` in ``text_format``, as plain characters."""
    rich = text_format == Qt.TextFormat.RichText or (
        text_format == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(text)
    )
    if not rich:
        return text
    document = QTextDocument()
    document.setHtml(text)
    return document.toPlainText()


def _check(where: str, raw: str, shown: str, problems: list[str]) -> None:
    """A hostile value found in ``raw`` (or what is ``shown``) must be shown in full."""
    flat = " ".join(shown.split())
    for phrase, value in HOSTILE.items():
        if (phrase in raw or phrase in shown) and value not in shown and value not in flat:
            problems.append(f"{where}: {value!r} shown as {shown!r}")


def _check_model(view: QAbstractItemView, problems: list[str], found: list[str]) -> None:
    model: QAbstractItemModel | None = view.model()
    if model is None:
        return
    where = f"{type(view).__name__} {view.objectName()!r}"
    delegate = view.itemDelegate()
    for row in range(model.rowCount(QModelIndex())):
        index = model.index(row, 0, QModelIndex())
        display = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        ours = type(delegate).__module__.startswith(("delegate_app", "tests"))
        if any(p in display for p in HOSTILE) and ours and type(delegate) not in PLAIN_DELEGATES:
            problems.append(f"{where}: row {row} painted by {type(delegate).__name__}")
        _check(f"{where} row {row}", display, display, problems)
        found.append(display)
        tip = str(index.data(Qt.ItemDataRole.ToolTipRole) or "")
        _check(f"{where} row {row} tooltip", tip, _displayed(tip, Qt.TextFormat.AutoText),
               problems)  # fmt: skip


def hostile_text_rendered(found: list[str]) -> list[str]:
    """Every place in every open window where a hostile value is not shown as text;
    ``found`` collects the texts shown."""
    problems: list[str] = []
    for top in QApplication.topLevelWidgets():
        for widget in [top, *top.findChildren(QWidget)]:
            where = f"{type(widget).__name__} {widget.objectName()!r}"
            if isinstance(widget, QLabel):
                text = widget.text()
                _check(where, text, _displayed(text, widget.textFormat()), problems)
                found.append(text)
            if isinstance(widget, QMessageBox):
                for text in (widget.text(), widget.informativeText()):
                    _check(where, text, _displayed(text, widget.textFormat()), problems)
            tip = widget.toolTip()
            _check(f"{where} tooltip", tip, _displayed(tip, Qt.TextFormat.AutoText), problems)
            if isinstance(widget, QAbstractItemView):
                _check_model(widget, problems, found)
    return problems


def _prepare_hostile_content(amina: Peer, stranger: Peer) -> None:
    """The hostile contact writes, makes a group, shares a document and comments on it."""
    with stranger.unlocked() as room:
        room.messenger.send_text("Amina Haddad", MESSAGE)
        room.messenger.create_group(GROUP, ["Amina Haddad"])
        room.messenger.send_to_group(GROUP, "Agenda for the caucus")
        library = Library(room.db, room.policy)
        options = ImportOptions(event=EVENT, tags=(TAG,), author=NAME)
        doc = library.import_bytes("plan.md", b"# Plan\n\nAttack the agenda.\n", options)
        library.update(doc.id, title=TITLE)
        room.sharing.share(doc.id, ["Amina Haddad"])
        room.sharing.comment(doc.id, COMMENT)
    sync_peer(stranger)


def _import_key_change(amina: Peer, tmp_path: Path, relay_url: str) -> None:
    """A second card for the same name with another key: the key-change banner names it."""
    root = tmp_path / "impostor"
    info = ProfileInfo(NAME, ORGANISATION, relay_url)
    vault = init_profile(resolve_profile(root), info, PASSPHRASE, amina.policy, kdf=FAST_KDF)
    card = own_card(vault.db, amina.policy)
    vault.lock()
    with amina.unlocked() as room:
        ContactBook(room.db, room.policy).import_card(card)


def test_hostile_names_titles_and_texts_are_never_rendered_as_markup(
    qtbot: QtBot,
    make_controller: Callable[..., AppController],
    hostile_missions: list[Peer],
    gui_relay: RelayProcess,
    tmp_path: Path,
) -> None:
    amina, stranger = hostile_missions
    _prepare_hostile_content(amina, stranger)
    _import_key_change(amina, tmp_path, gui_relay.url)
    controller, main = open_gui(qtbot, make_controller, amina)
    sync_gui(qtbot, controller)
    found: list[str] = []

    def walk(step: str) -> None:
        QApplication.processEvents()
        assert hostile_text_rendered(found) == [], step

    walk("after sync")  # the status line announced the new messages
    _walk_contacts(qtbot, main, walk)
    _walk_messages(qtbot, main, walk)
    _walk_library(qtbot, main, walk, tmp_path)
    # The walk saw each hostile value somewhere (so it checked something real).
    seen = " ".join(found)
    missing = [phrase for phrase in HOSTILE if phrase not in seen]
    assert missing == []


def _walk_contacts(qtbot: QtBot, main: MainWindow, walk: Callable[[str], None]) -> None:
    main.sidebar.select("contacts")
    page = main.stack.currentWidget()
    assert isinstance(page, ContactsPageWidget)
    page.select_contact(NAME)
    assert page.name_label.text() == NAME and page.detail_label.text() == ORGANISATION
    assert page.banner.isVisibleTo(main)  # the impostor's key change
    assert isolate(NAME) in page.banner.message.text()  # kept apart from the sentence
    walk("contacts page")
    dialog = page.show_safety_number()
    assert isinstance(dialog, VerificationDialog)
    walk("safety number dialog")
    dialog.reject()


def _walk_messages(qtbot: QtBot, main: MainWindow, walk: Callable[[str], None]) -> None:
    main.sidebar.select("messages")
    page = main.messages
    qtbot.waitUntil(lambda: page.list.count() == 2, timeout=SIGNAL_TIMEOUT_MS)
    for row in range(page.list.count()):
        page.list.setCurrentRow(row)
        walk(f"conversation {row}")
    dialog = page.new_group()
    walk("new group dialog")
    dialog.reject()


def _walk_library(
    qtbot: QtBot, main: MainWindow, walk: Callable[[str], None], tmp_path: Path
) -> None:
    main.sidebar.select("briefings")
    library = main.library
    qtbot.waitUntil(lambda: library.model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
    library.select_first_document()
    qtbot.waitUntil(lambda: library.sharing_panel.comment_list.count() == 1,
                    timeout=SIGNAL_TIMEOUT_MS)  # fmt: skip
    assert library.reader.title_label.text() == TITLE
    walk("reader and comments")
    library.share_action.trigger()
    dialog = next(w for w in library.findChildren(ShareDialog) if w.isVisible())
    walk("share dialog")
    dialog.reject()
    library.search_edit.setText("attack")
    library.run_search()
    assert library.results.count() == 1
    walk("search results")
    refused = tmp_path / FILE_NAME
    refused.write_bytes(b"not a document")
    assert import_files(qtbot, library, [refused]) == (0, 1)
    qtbot.waitUntil(lambda: library.findChild(QMessageBox, "importErrors") is not None,
                    timeout=SIGNAL_TIMEOUT_MS)  # fmt: skip
    walk("import errors")


def test_notification_bodies_are_escaped_where_the_server_reads_markup() -> None:
    # freedesktop.org notification servers (Linux, the BSDs) render <b>, <a href>, <img>.
    for platform in ("linux", "freebsd13"):
        shown = notification_markup_escaped(MESSAGE, platform=platform)
        assert "<" not in shown and _displayed(shown, Qt.TextFormat.RichText) == MESSAGE
    for platform in ("win32", "darwin"):  # shown as text there already
        assert notification_markup_escaped(MESSAGE, platform=platform) == MESSAGE


def test_tooltips_that_look_like_markup_show_it_as_text() -> None:
    for text in (TITLE, f"Briefing: {TITLE}", f"{NAME}\nsecond line & more"):
        tip = plain_tooltip(text)
        assert _displayed(tip, Qt.TextFormat.AutoText) == text
    assert plain_tooltip("Up to date at 10:04") == "Up to date at 10:04"


def test_an_isolate_cannot_be_closed_or_overridden_by_the_text_inside_it() -> None:
    from delegate_app.ui.bidi import isolate

    hostile = "Boris\u2069\u202e evil \u202a\u2066x\u2067y\u2068z\u202c\u202d\u202b"
    isolated = isolate(hostile)
    assert isolated == "\u2068Boris evil xyz\u2069"
    assert isolate("صباح الخير") == "\u2068صباح الخير\u2069"  # ordinary text untouched
