"""Text from other people is shown as text, never as markup.

Names, organisations, group and document titles, message and comment text come from cards
and payloads that anyone can write. Qt renders anything that *looks* like HTML as rich text
in a QLabel (its default ``Qt.AutoText``), a QMessageBox and a tooltip, so a card whose
organisation reads ``<b style="color:green">✔ Verified by your organisation</b>`` would draw
a green badge we never granted. Every widget that shows such text is plain text; where our own
markup must surround foreign text (search snippets), the foreign part is ``html.escape``d.
"""

from __future__ import annotations

import html
import sys

from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox


def show_as_plain_text(*widgets: QLabel | QMessageBox) -> None:
    """Make ``widgets`` show their text literally, whatever it contains."""
    for widget in widgets:
        widget.setTextFormat(Qt.TextFormat.PlainText)


def plain_tooltip(text: str) -> str:
    """``text`` as a tooltip that shows it literally.

    Qt has no plain-text tooltips: a tooltip that looks like rich text is rendered as such.
    Text that could be taken for markup is escaped and wrapped in markup of our own, which
    keeps its line breaks and spaces.
    """
    if not QtGui.Qt.mightBeRichText(text):  # Qt's own test (QtGui adds it to Qt)
        return text
    return f"<p style='white-space:pre-wrap'>{html.escape(text, quote=False)}</p>"


def notification_markup_escaped(text: str, *, platform: str = sys.platform) -> str:
    """``text`` for the body of a desktop notification.

    Notification servers on Linux and the BSDs (the freedesktop.org protocol behind Qt's
    tray messages there) interpret a body's ``<b>``, ``<a href>`` and ``<img>`` tags, so
    the body is escaped on those systems; Windows and macOS show it as text already.
    """
    if platform.startswith(("win", "darwin")):
        return text
    return html.escape(text, quote=False)
