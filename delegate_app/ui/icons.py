"""The app's own icon set: Tabler's outline icons (MIT, ``resources/icons/ui``), in any colour.

The SVGs draw with ``currentColor``; each icon is rendered in the colour of the surface it sits
on (light on the navy sidebar, the palette's text colour in menus). Rendering happens when Qt
first asks for a size (an icon engine, cached per size), so building the main window costs
parsing, not drawing, every icon of every menu. A missing file gives an empty icon, never an
error: an icon is decoration.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from delegate_app.ui.resources import find_resource


@cache
def _svg(name: str) -> str | None:
    path = find_resource(f"icons/ui/{name}.svg")
    return path.read_text(encoding="utf-8") if path is not None else None


class _SvgEngine(QIconEngine):
    def __init__(self, svg: bytes) -> None:
        super().__init__()
        self._svg = svg
        self._renderer = QSvgRenderer(QByteArray(svg))
        self._pixmaps: dict[tuple[int, int, int], QPixmap] = {}

    def is_valid(self) -> bool:
        return self._renderer.isValid()

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        if mode == QIcon.Mode.Disabled:
            painter.save()
            painter.setOpacity(painter.opacity() * 0.4)
            self._renderer.render(painter, QRectF(rect))
            painter.restore()
        else:
            self._renderer.render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        key = (size.width(), size.height(), int(mode == QIcon.Mode.Disabled))
        cached = self._pixmaps.get(key)
        if cached is None:
            cached = QPixmap(size)
            cached.fill(Qt.GlobalColor.transparent)
            painter = QPainter(cached)
            self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
            painter.end()
            self._pixmaps[key] = cached
        return cached

    def clone(self) -> QIconEngine:
        return _SvgEngine(self._svg)


@cache
def ui_icon(name: str, colour: str) -> QIcon:
    """The icon ``name`` (a file in ``resources/icons/ui`` without ``.svg``) drawn in ``colour``."""
    svg = _svg(name)
    if svg is None:
        return QIcon()
    engine = _SvgEngine(svg.replace("currentColor", colour).encode("utf-8"))
    return QIcon(engine) if engine.is_valid() else QIcon()


def palette_icon(name: str, colour: QColor) -> QIcon:
    return ui_icon(name, colour.name())
