"""Message requests above the conversation list: what people who are not contacts sent.

A request names no one: an envelope carries only its sender's keys, so the list shows the
sender's safety number (to compare with them before accepting) and the first message's text,
which is the sender's own words and is shown as plain text. Accepting takes the sender's card
(a file, or pasted text), as adding any contact does; deleting can also block the sender. All
of it goes through the core's ``Requests`` service.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from delegate_app.core.contacts.card_files import CardFileError, read_card_file
from delegate_app.core.crypto.cards import parse_any_card
from delegate_app.core.errors import DelegateError
from delegate_app.core.formatting import format_datetime
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.messaging.requests import MessageRequest, preview_text
from delegate_app.i18n import _, ngettext
from delegate_app.ui import file_dialogs
from delegate_app.ui.bidi import in_direction, isolate
from delegate_app.ui.plain_text import show_as_plain_text
from delegate_app.ui.retranslate import is_language_change

REQUEST_ROLE = Qt.ItemDataRole.UserRole + 1
PREVIEW_CHARS = 80


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


class MessageRequestsWidget(QFrame):
    """A "Message requests (N)" button that opens the list, with Accept, Delete and Block."""

    accepted = Signal(str)  # the new contact's name
    changed = Signal()  # requests were accepted or deleted
    status_message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageRequests")
        self.room: Mailroom | None = None
        self.requests: list[MessageRequest] = []
        self.discarded = 0
        self.toggle_button = QPushButton()
        self.toggle_button.setObjectName("messageRequestsButton")
        self.toggle_button.setCheckable(True)
        self.panel = QWidget()
        self.list = QListWidget()
        self.list.setObjectName("messageRequestList")
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.discarded_label = QLabel()
        self.discarded_label.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        # The preview, and errors quoting a card's name, are text from outside.
        show_as_plain_text(self.details, self.discarded_label, self.error_label)
        self.accept_button = QPushButton()
        self.paste_button = QPushButton()
        self.delete_button = QPushButton()
        self.block_button = QPushButton()
        self._layout()
        self.toggle_button.toggled.connect(self._toggled)
        self.list.currentItemChanged.connect(lambda *_args: self._show_current())
        self.accept_button.clicked.connect(self.accept_from_file)
        self.paste_button.clicked.connect(self.accept_pasted)
        self.delete_button.clicked.connect(lambda: self.delete_current(block=False))
        self.block_button.clicked.connect(lambda: self.delete_current(block=True))
        self.panel.setVisible(False)
        self.setVisible(False)
        self.retranslate_ui()

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        for button in (
            self.accept_button, self.paste_button, self.delete_button, self.block_button,
        ):  # fmt: skip
            buttons.addWidget(button)
        panel = QVBoxLayout(self.panel)
        panel.setContentsMargins(0, 0, 0, 0)
        panel.addWidget(self.list)
        panel.addWidget(self.details)
        panel.addLayout(buttons)
        panel.addWidget(self.error_label)
        panel.addWidget(self.discarded_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toggle_button)
        layout.addWidget(self.panel)

    # -- data ----------------------------------------------------------------------------------

    def refresh(self, room: Mailroom | None) -> None:
        self.room = room
        if room is None:
            self.requests, self.discarded = [], 0
        else:
            room.requests.sweep()
            self.requests = room.requests.all()
            self.discarded = room.requests.discarded()
        self.setVisible(bool(self.requests or self.discarded))
        current = self.current_request()
        self.list.blockSignals(True)
        self.list.clear()
        for request in self.requests:
            item = QListWidgetItem()
            item.setData(REQUEST_ROLE, request.id)
            self.list.addItem(item)
            if current is not None and request.id == current.id:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        self.list.blockSignals(False)
        self.retranslate_ui()

    def current_request(self) -> MessageRequest | None:
        item = self.list.currentItem()
        if item is None:
            return None
        wanted = int(item.data(REQUEST_ROLE))
        return next((r for r in self.requests if r.id == wanted), None)

    def _toggled(self, shown: bool) -> None:
        self.panel.setVisible(shown)
        if shown:
            self.list.setFocus(Qt.FocusReason.OtherFocusReason)
        elif self.discarded and self.room is not None:
            self.room.requests.clear_discarded()  # seen: the next count starts from zero
            self.refresh(self.room)

    # -- actions -------------------------------------------------------------------------------

    def accept_from_file(self) -> None:
        name = file_dialogs.open_file(
            self,
            _("The sender's contact card"),
            _("Contact cards (*.txt *.card);;All files (*)"),
        )
        if not name:
            return
        try:
            data = read_card_file(Path(name))
        except CardFileError as exc:
            self.error_label.setText(str(exc))
            return
        self.accept_card_bytes(data)

    def accept_pasted(self) -> None:
        text, ok = QInputDialog.getMultiLineText(
            self, _("Paste the sender's card"), _("Contact card text:")
        )
        if ok and text.strip():
            self.accept_card_bytes(text.strip().encode("utf-8", "replace"))

    def accept_card_bytes(self, data: bytes) -> bool:
        """Accept the current request with the card in ``data``; False (and why) if refused."""
        request = self.current_request()
        if request is None or self.room is None:
            return False
        try:
            result = self.room.requests.accept(request.id, parse_any_card(data))
        except DelegateError as exc:
            self.error_label.setText(str(exc))
            return False
        self.error_label.clear()
        self.status_message.emit(
            ngettext(
                "Added contact {name}; {count} message delivered.",
                "Added contact {name}; {count} messages delivered.",
                result.delivered,
            ).format(name=result.contact.name, count=result.delivered)
        )
        self.refresh(self.room)
        self.accepted.emit(result.contact.name)
        self.changed.emit()
        return True

    def delete_current(self, *, block: bool) -> None:
        request = self.current_request()
        if request is None or self.room is None:
            return
        try:
            self.room.requests.delete(request.id, block=block)
        except DelegateError as exc:
            self.error_label.setText(str(exc))
            return
        self.error_label.clear()
        self.status_message.emit(
            _("Deleted the request; this sender's messages will be dropped from now on.")
            if block
            else _("Deleted the request.")
        )
        self.refresh(self.room)
        self.changed.emit()

    # -- text ----------------------------------------------------------------------------------

    def _item_text(self, request: MessageRequest) -> str:
        # TRANSLATORS: a message request in its list: "3 messages · Hello, we met in Geneva…"
        count = request.count
        text = ngettext("{count} message · {preview}", "{count} messages · {preview}", count)
        # The row takes the interface's direction whatever the preview starts with: the
        # sender's "Hello." keeps its full stop after the word in the Arabic interface.
        return in_direction(
            text.format(count=count, preview=isolate(_short(preview_text(request)))),
            right_to_left=self.list.isRightToLeft(),
        )

    def _show_current(self) -> None:
        request = self.current_request()
        enabled = request is not None
        for button in (
            self.accept_button, self.paste_button, self.delete_button, self.block_button,
        ):  # fmt: skip
            button.setEnabled(enabled)
        if request is None:
            self.details.clear()
            return
        self.details.setText(
            _(
                "Not in your contacts, and the name is not known: an envelope carries only "
                "the sender's key. Compare this safety number with them, then accept with "
                "their card.\nSafety number: {number}\nLast received: {time}\n"
                "First message: {preview}"
            ).format(
                # Isolated: text in another script, a date or a run of digit groups must not
                # be reordered with the label around it in a right-to-left interface.
                number=isolate(request.safety_number),
                time=isolate(format_datetime(request.last_at, "short")),
                # One line: a stranger's line breaks must not draw a line of our own (a fake
                # "Safety number:" one, say) under the labels above.
                preview=isolate(" ".join(preview_text(request).split())),
            )
        )

    def retranslate_ui(self) -> None:
        count = len(self.requests)
        self.toggle_button.setText(
            ngettext("Message &requests ({count})", "Message &requests ({count})", count).format(
                count=count
            )
        )
        self.toggle_button.setAccessibleName(self.toggle_button.text().replace("&", ""))
        self.list.setAccessibleName(_("Message requests"))
        for row in range(self.list.count()):
            item = self.list.item(row)
            request = next((r for r in self.requests if r.id == int(item.data(REQUEST_ROLE))), None)
            if request is not None:
                item.setText(self._item_text(request))
        self.accept_button.setText(_("&Accept with their card…"))
        self.paste_button.setText(_("Accept with &pasted card…"))
        self.delete_button.setText(_("&Delete"))
        self.block_button.setText(_("Delete and &block"))
        for button in (
            self.accept_button, self.paste_button, self.delete_button, self.block_button,
        ):  # fmt: skip
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
        self.discarded_label.setText(
            ngettext(
                "{count} more envelope from people who are not your contacts was discarded "
                "(over the limits for message requests).",
                "{count} more envelopes from people who are not your contacts were discarded "
                "(over the limits for message requests).",
                self.discarded,
            ).format(count=self.discarded)
            if self.discarded
            else ""
        )
        self.discarded_label.setVisible(bool(self.discarded))
        self._show_current()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)
