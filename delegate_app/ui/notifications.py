"""Desktop notifications for new messages: the tray when there is one, the status bar always.

Message text appears in a notification only when the user's ``notification_previews`` setting
(which the organisation may lock) allows it; otherwise the notification names the sender only,
so a screen seen over a shoulder in a conference hall gives nothing away.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from delegate_app.i18n import _, ngettext
from delegate_app.ui.plain_text import notification_markup_escaped

PREVIEW_CHARS = 120


@dataclass(frozen=True)
class Arrival:
    """One new incoming message, as a notification shows it."""

    sender: str
    text: str


def notification_text(arrivals: Sequence[Arrival], *, previews: bool) -> tuple[str, str]:
    """(title, body) for ``arrivals``; the body is empty unless previews are allowed."""
    senders = list(dict.fromkeys(a.sender for a in arrivals))
    if len(arrivals) == 1:
        title = _("New message from {name}").format(name=senders[0])
    elif len(senders) == 1:
        title = ngettext(
            "{count} new message from {name}", "{count} new messages from {name}", len(arrivals)
        ).format(count=len(arrivals), name=senders[0])
    else:
        title = ngettext("{count} new message", "{count} new messages", len(arrivals)).format(
            count=len(arrivals)
        )
    body = ""
    if previews:
        text = " ".join(arrivals[-1].text.split())
        body = text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"
    return title, body


class Notifier:
    """Shows notifications through a tray icon when the desktop has a system tray."""

    def __init__(self, window: QWidget) -> None:
        self._window = window
        self._tray: QSystemTrayIcon | None = None
        self.last: tuple[str, str] | None = None  # what was shown last (title, body)

    def _tray_icon(self) -> QSystemTrayIcon | None:
        if self._tray is None and QSystemTrayIcon.isSystemTrayAvailable():
            self._tray = QSystemTrayIcon(self._window.windowIcon(), self._window)
            self._tray.setToolTip(_("Delegate"))
            self._tray.show()
        return self._tray

    def notify(self, arrivals: Sequence[Arrival], *, previews: bool) -> str:
        """Notify about ``arrivals``; returns the in-app status line."""
        title, body = notification_text(arrivals, previews=previews)
        self.last = (title, body)
        tray = self._tray_icon()
        if tray is not None and QSystemTrayIcon.supportsMessages():
            shown = notification_markup_escaped(body)  # the message's text is not markup
            tray.showMessage(title, shown, QSystemTrayIcon.MessageIcon.Information, 10_000)
        if not body:
            return title
        # TRANSLATORS: a notification in the status bar: who wrote, then the message's text
        return _("{title}: {text}").format(title=title, text=body)

    def close(self) -> None:
        if self._tray is not None:
            self._tray.hide()
            self._tray.deleteLater()
            self._tray = None
