"""The app's own icon set: Tabler's outline icons (MIT, ``resources/icons/ui``), in any colour.

The SVGs draw with ``currentColor``; each icon is rendered in the colour of the surface it sits
on (light on the navy sidebar, the palette's text colour in menus), at the sizes Qt asks for,
and cached. A missing file gives an empty icon, never an error: an icon is decoration.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from delegate_app.ui.resources import find_resource

SIZES = (16, 18, 20, 24, 32, 48)


@cache
def _svg(name: str) -> str | None:
    path = find_resource(f"icons/ui/{name}.svg")
    return path.read_text(encoding="utf-8") if path is not None else None


@cache
def ui_icon(name: str, colour: str) -> QIcon:
    """The icon ``name`` (a file in ``resources/icons/ui`` without ``.svg``) drawn in ``colour``."""
    svg = _svg(name)
    icon = QIcon()
    if svg is None:
        return icon
    renderer = QSvgRenderer(QByteArray(svg.replace("currentColor", colour).encode("utf-8")))
    if not renderer.isValid():
        return icon
    for size in SIZES:
        for scale in (1, 2):  # crisp on high-density screens too
            pixmap = QPixmap(QSize(size, size) * scale)
            pixmap.setDevicePixelRatio(scale)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            renderer.render(painter, QRectF(0, 0, size, size))
            painter.end()
            icon.addPixmap(pixmap)
    return icon


def palette_icon(name: str, colour: QColor) -> QIcon:
    return ui_icon(name, colour.name())
