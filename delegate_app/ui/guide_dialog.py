"""Help → Getting started: what a new delegate needs to know in the first five minutes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from delegate_app.i18n import _


def guide_paragraphs() -> list[tuple[str, str]]:
    """(heading, text) of each part of the guide, in the interface language."""
    return [
        (
            _("Your library"),
            _(
                "Import briefings and position papers with File → Import documents (Ctrl+O) or "
                "by dropping files on the window. They are kept encrypted on this computer and "
                "can be read and searched offline."
            ),
        ),
        (
            _("Contacts"),
            _(
                "Exchange contact cards with other missions on the Contacts page. Before you send "
                "anything confidential, compare the safety number with the other person, in "
                "person or by telephone."
            ),
        ),
        (
            _("Messages and sharing"),
            _(
                "Messages and shared documents are encrypted end to end: the relay only passes on "
                "sealed envelopes. What you write offline is sent as soon as a connection appears."
            ),
        ),
        (
            _("Search"),
            _(
                "Ctrl+F searches the section you are in; Ctrl+Shift+F searches documents, "
                "messages and comments together."
            ),
        ),
        (
            _("Locking"),
            _(
                "Ctrl+L locks Delegate at once, and it locks itself after a while without use. "
                "Nothing can be read again without your passphrase."
            ),
        ),
    ]


class GuideDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Getting started"))
        layout = QVBoxLayout(self)
        self.labels: list[QLabel] = []
        for heading, text in guide_paragraphs():
            title = QLabel(heading, self)
            title.setTextFormat(Qt.TextFormat.PlainText)
            font = title.font()
            font.setBold(True)
            title.setFont(font)
            body = QLabel(text, self)
            body.setTextFormat(Qt.TextFormat.PlainText)
            body.setWordWrap(True)
            layout.addWidget(title)
            layout.addWidget(body)
            self.labels += [title, body]
        layout.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(480)
