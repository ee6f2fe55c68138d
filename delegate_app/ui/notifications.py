"""Desktop notifications for new messages: the tray when there is one, the status bar always.

Message text appears in a notification only when the user's ``notification_previews`` setting
(which the organisation may lock) allows it; otherwise the notification names the sender only,
so a screen seen over a shoulder in a conference hall gives nothing away.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from delegate_app.i18n import _, ngettext
from delegate_app.ui.plain_text import notification_markup_escaped

PREVIEW_CHARS = 120
TRAY_ICON_PX = 64
BADGE_COLOUR = "#c0392b"


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


def badge_text(count: int) -> str:
    return "99+" if count > 99 else str(count)


def badge_icon(base: QIcon, count: int, size: int = TRAY_ICON_PX) -> QIcon:
    """``base`` with ``count`` in a red disc at its corner (``base`` itself for 0)."""
    if count <= 0:
        return base
    pixmap = base.pixmap(size, size)
    if pixmap.isNull():
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    disc = QRect(size // 2 - 2, 0, size // 2 + 2, size // 2 + 2)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(BADGE_COLOUR))
    painter.drawEllipse(disc)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(size // 4 if count > 9 else size // 3)
    painter.setFont(font)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(disc, Qt.AlignmentFlag.AlignCenter, badge_text(count))
    painter.end()
    return QIcon(pixmap)


def tray_tooltip(count: int) -> str:
    if count <= 0:
        return _("Delegate")
    return ngettext(
        "Delegate — {count} unread message", "Delegate — {count} unread messages", count
    ).format(count=count)


class Notifier:
    """Shows notifications through a tray icon when the desktop has a system tray."""

    def __init__(self, window: QWidget) -> None:
        self._window = window
        self._tray: QSystemTrayIcon | None = None
        self.menu: QMenu | None = None  # the tray icon's context menu (ui/tray_menu.py)
        self.last: tuple[str, str] | None = None  # what was shown last (title, body)
        self.unread = 0

    def _tray_icon(self) -> QSystemTrayIcon | None:
        if self._tray is None and QSystemTrayIcon.isSystemTrayAvailable():
            self._tray = QSystemTrayIcon(self._window.windowIcon(), self._window)
            self._tray.setToolTip(_("Delegate"))
            if self.menu is not None:
                self._tray.setContextMenu(self.menu)
            self._tray.show()
        return self._tray

    def set_menu(self, menu: QMenu) -> None:
        self.menu = menu
        if self._tray is not None:
            self._tray.setContextMenu(menu)

    def show_tray(self) -> QSystemTrayIcon | None:
        """Put the icon (and its menu) in the tray now, if the desktop has one."""
        return self._tray_icon()

    def set_unread(self, count: int) -> None:
        """The tray icon carries the unread count (and says it on hover); 0 while locked."""
        self.unread = max(0, count)
        tray = self._tray if count <= 0 else self._tray_icon()
        if tray is not None:
            tray.setIcon(badge_icon(self._window.windowIcon(), self.unread))
            tray.setToolTip(tray_tooltip(self.unread))

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
