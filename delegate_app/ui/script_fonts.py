"""The interface font's fallbacks follow the language: a Chinese interface in a CJK sans font.

Left to itself, Qt fills in Han characters from whichever installed font fontconfig lists
first for the script, which on many Linux systems is a brush-style font (AR PL UKai) that is
hard to read at interface sizes. The app font keeps its own family for Latin text and names the
first installed CJK sans-serif family as its fallback while the interface is Chinese.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication

#: Simplified Chinese sans-serif families, best first (Linux, then Windows and macOS).
CJK_SANS_SC = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
)
FALLBACKS = {"zh_CN": CJK_SANS_SC}

_base_families: list[str] | None = None


def fallback_families(code: str, installed: set[str]) -> list[str]:
    """The installed fallback families for the interface language ``code``, best first."""
    return [family for family in FALLBACKS.get(code, ()) if family in installed]


def apply_language_font(app: QGuiApplication, code: str) -> None:
    """Give the application font the fallbacks for ``code`` (and drop those of the last one)."""
    global _base_families
    font = QFont(app.font())
    if _base_families is None:
        _base_families = list(font.families()) or [font.family()]
    fallbacks = fallback_families(code, set(QFontDatabase.families()))
    families = [*_base_families, *(f for f in fallbacks if f not in _base_families)]
    if families != list(font.families()):
        font.setFamilies(families)
        app.setFont(font)
