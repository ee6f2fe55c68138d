"""The contract for live language switching: widgets set their texts in ``retranslate_ui``."""

from __future__ import annotations

from PySide6.QtCore import QEvent


def is_language_change(event: QEvent) -> bool:
    return event.type() == QEvent.Type.LanguageChange
