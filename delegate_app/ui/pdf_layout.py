"""Where QPdfView puts each page, and reading places measured against that layout.

QPdfView keeps its page geometry private. Restoring a reading position, keeping the place
across a resize or a zoom, painting a text selection and mapping a click to a point on a page
all need it, so this module computes the same layout QPdfView computes in multi-page mode
(``tests/gui/test_pdf_reader.py`` checks the two agree). A place is the page plus the fraction
of that page scrolled past, stored in the vault as one number (``7.25``: a quarter into the
eighth page), so a saved whole page number (the earlier format) still means the top of it.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRect, QSize, QSizeF, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView


def screen_resolution() -> float:
    """Pixels per point, as QPdfView takes it when it is made."""
    screen = QGuiApplication.primaryScreen()
    return (screen.logicalDotsPerInch() if screen is not None else 96.0) / 72.0


@dataclass(frozen=True)
class PageLayout:
    pages: tuple[QRect, ...]  # each page's rectangle in document pixels
    points: tuple[QSizeF, ...]  # each page's size in points (1/72 inch)
    spacing: int
    document_height: int = 0  # pages, gaps and margins

    @property
    def tops(self) -> list[int]:
        return [rect.y() for rect in self.pages]

    def page_at(self, y: float) -> int:
        """The page at document height ``y`` (the one above, in a gap between pages)."""
        return max(0, bisect_right(self.tops, y) - 1) if self.pages else 0

    def place_at(self, y: float) -> float:
        """The reading place (page + fraction of it) at document height ``y``."""
        if not self.pages or not math.isfinite(y):
            return 0.0
        page = self.page_at(y)
        rect = self.pages[page]
        fraction = (y - rect.y()) / max(1, rect.height() + self.spacing)
        return page + min(max(fraction, 0.0), 0.999)

    def y_for(self, place: float) -> int:
        """The document height of reading place ``place`` (clamped to the pages)."""
        if not self.pages or not math.isfinite(place):
            return 0
        page = min(max(int(place), 0), len(self.pages) - 1)
        fraction = min(max(place - int(place), 0.0), 1.0) if place >= 0 else 0.0
        rect = self.pages[page]
        return rect.y() + round(fraction * (rect.height() + self.spacing))

    def scale(self, page: int) -> float:
        """Pixels per point on ``page`` at this zoom."""
        if not 0 <= page < len(self.pages):
            return 1.0
        return self.pages[page].width() / max(self.points[page].width(), 1.0)

    def to_page_point(self, page: int, point: QPointF) -> QPointF:
        """A point in document pixels as a point (1/72 inch) on ``page``."""
        rect, scale = self.pages[page], self.scale(page)
        return QPointF((point.x() - rect.x()) / scale, (point.y() - rect.y()) / scale)


def compute_layout(view: QPdfView, document: QPdfDocument, resolution: float) -> PageLayout:
    """The layout QPdfView (multi-page mode) computes for its current viewport and zoom."""
    spacing = view.pageSpacing()
    margins = view.documentMargins()
    if document.status() != QPdfDocument.Status.Ready:
        return PageLayout((), (), spacing)
    viewport = view.viewport().size()
    mode = view.zoomMode()
    sizes: list[QSize] = []
    points = [document.pagePointSize(page) for page in range(document.pageCount())]
    for page_points in points:
        if mode == QPdfView.ZoomMode.Custom:
            size = QSizeF(page_points * resolution * view.zoomFactor()).toSize()
        elif mode == QPdfView.ZoomMode.FitToWidth:
            size = QSizeF(page_points * resolution).toSize()
            width = viewport.width() - margins.left() - margins.right()
            size = size * (width / max(1, size.width()))
        else:  # FitInView
            room = QSize(
                viewport.width() - margins.left() - margins.right(),
                viewport.height() - spacing,
            )
            size = QSizeF(page_points * resolution).toSize()
            size = size.scaled(room, Qt.AspectRatioMode.KeepAspectRatio)
        sizes.append(size)
    total_width = max((s.width() for s in sizes), default=0) + margins.left() + margins.right()
    rects = []
    y = margins.top()
    for size in sizes:
        x = (max(total_width, viewport.width()) - size.width()) // 2
        rects.append(QRect(x, y, size.width(), size.height()))
        y += size.height() + spacing
    return PageLayout(tuple(rects), tuple(points), spacing, y + margins.bottom())
