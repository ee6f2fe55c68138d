"""``delegate --screenshot FILE.png``: the main window, unlocked, on one page.

``--screenshot-page library`` (the default) opens the first document of the first section;
``messages`` opens the conversation with the newest message; ``contacts`` the first contact.
``python -m delegate_app.demo_screenshots`` makes the screenshots of docs/GUI.md this way."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSize, QTimer
from PySide6.QtWidgets import QApplication

from delegate_app.core.errors import DelegateError
from delegate_app.i18n import _
from delegate_app.ui.contacts_page import ContactsPageWidget
from delegate_app.ui.controller import AppController
from delegate_app.ui.main_window import MainWindow

SCREENSHOT_SIZE = QSize(1280, 800)
PDF_RENDER_TIMEOUT_MS = 5_000
PAGES = ("library", "messages", "contacts")


def take_screenshot(
    controller: AppController, target: Path, passphrase: str | None, page: str = "library"
) -> int:
    """Render offscreen and save a PNG; 0 on success, 1 (with one line on stderr) on failure."""
    try:
        window = controller.unlock_for_automation(passphrase)
    except DelegateError as exc:
        print(f"delegate: {exc}", file=sys.stderr)
        return 1
    window.resize(SCREENSHOT_SIZE)
    window.show()
    if page == "messages":
        window.sidebar.select("messages")
        window.show_section("messages")
        conversations = window.messages.conversations
        if conversations:
            window.messages.open_conversation(conversations[0].id)
    elif page == "contacts":
        window.sidebar.select("contacts")
        window.show_section("contacts")
        contacts = next(p for p in window.pages if isinstance(p, ContactsPageWidget))
        if contacts.contacts:
            contacts.select_contact(contacts.contacts[0].name)
    else:
        _open_first_document(window)
    QApplication.processEvents()
    image = window.grab()
    controller.shutdown()
    if image.isNull() or not image.save(str(target), "PNG"):
        print(
            "delegate: " + _("Cannot write the screenshot to {path}.").format(path=target),
            file=sys.stderr,
        )
        return 1
    return 0


def _open_first_document(window: MainWindow) -> None:
    reader = window.library.reader
    window.library.select_first_document()
    if reader.showing_pdf:  # pages render on a Qt thread: wait for the first (bounded)
        waiting = QEventLoop()
        reader.pdf_view.page_rendered.connect(waiting.quit)
        QTimer.singleShot(PDF_RENDER_TIMEOUT_MS, waiting.quit)
        waiting.exec()
