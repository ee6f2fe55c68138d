"""``delegate --screenshot FILE.png``: the main window, unlocked, with the first document open."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSize, QTimer
from PySide6.QtWidgets import QApplication

from delegate_app.core.errors import DelegateError
from delegate_app.i18n import _
from delegate_app.ui.controller import AppController

SCREENSHOT_SIZE = QSize(1280, 800)
PDF_RENDER_TIMEOUT_MS = 5_000


def take_screenshot(controller: AppController, target: Path, passphrase: str | None) -> int:
    """Render offscreen and save a PNG; 0 on success, 1 (with one line on stderr) on failure."""
    try:
        window = controller.unlock_for_automation(passphrase)
    except DelegateError as exc:
        print(f"delegate: {exc}", file=sys.stderr)
        return 1
    window.resize(SCREENSHOT_SIZE)
    window.show()
    reader = window.library.reader
    window.library.select_first_document()
    if reader.showing_pdf:  # pages render on a Qt thread: wait for the first (bounded)
        waiting = QEventLoop()
        reader.pdf_view.page_rendered.connect(waiting.quit)
        QTimer.singleShot(PDF_RENDER_TIMEOUT_MS, waiting.quit)
        waiting.exec()
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
