"""The app's look: Fusion with a calm light palette, the stylesheet, and the window icon."""

from __future__ import annotations

import logging

from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QAbstractItemView, QApplication

from delegate_app.ui.resources import find_resource

log = logging.getLogger(__name__)

STYLESHEET = "style/delegate.qss"
APP_ICON = "icons/delegate.svg"
SOFT_HIGHLIGHT = "#dbe6f4"
INK = "#1d2733"

_PALETTE = {
    QPalette.ColorRole.Window: "#f3f4f6",
    QPalette.ColorRole.WindowText: INK,
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f7f8fa",
    QPalette.ColorRole.Text: INK,
    QPalette.ColorRole.Button: "#eceef2",
    QPalette.ColorRole.ButtonText: INK,
    QPalette.ColorRole.Highlight: "#2c5282",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#ffffff",
    QPalette.ColorRole.ToolTipText: INK,
    QPalette.ColorRole.PlaceholderText: "#7b8794",
    QPalette.ColorRole.Link: "#2c5282",
    QPalette.ColorRole.Mid: "#c5cbd3",
}


def calm_palette() -> QPalette:
    palette = QPalette()
    for role, colour in _PALETTE.items():
        palette.setColor(role, QColor(colour))
    disabled = QColor("#8a939e")
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):  # fmt: skip
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def app_icon() -> QIcon:
    path = find_resource(APP_ICON)
    return QIcon(str(path)) if path is not None else QIcon()


def apply_style(app: QApplication) -> None:
    """Style the whole application; a missing stylesheet leaves the palette alone working."""
    app.setStyle("Fusion")
    app.setPalette(calm_palette())
    app.setWindowIcon(app_icon())
    path = find_resource(STYLESHEET)
    if path is None:
        log.warning("Stylesheet %s not found; using the plain palette", STYLESHEET)
        return
    app.setStyleSheet(path.read_text(encoding="utf-8"))


def use_soft_selection(view: QAbstractItemView) -> None:
    """A light selection colour with dark text, for lists whose rows carry coloured details."""
    palette = view.palette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        palette.setColor(group, QPalette.ColorRole.Highlight, QColor(SOFT_HIGHLIGHT))
        palette.setColor(group, QPalette.ColorRole.HighlightedText, QColor(INK))
    view.setPalette(palette)
