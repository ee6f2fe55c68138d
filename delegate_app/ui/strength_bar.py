"""A bar that shows a new passphrase's estimated strength while it is typed."""

from __future__ import annotations

from PySide6.QtWidgets import QProgressBar, QWidget

from delegate_app.i18n import _
from delegate_app.ui.passphrase_strength import STRENGTH_COLOURS, estimate_bits, strength_label

STRENGTH_SCALE_BITS = 120


class StrengthBar(QProgressBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(0, STRENGTH_SCALE_BITS)
        self.setTextVisible(True)
        self.setMaximumHeight(18)
        self._text = ""
        self.show_strength("")

    def show_strength(self, passphrase: str) -> None:
        """Call on every change of the passphrase, and after a language change."""
        self._text = passphrase
        bits = estimate_bits(passphrase)
        label = strength_label(bits)
        self.setValue(min(STRENGTH_SCALE_BITS, int(bits)))
        self.setFormat(_(label) if passphrase else "")
        self.setStyleSheet(
            f"QProgressBar::chunk {{ background: {STRENGTH_COLOURS[label]}; border-radius: 3px; }}"
        )

    def retranslate(self) -> None:
        self.show_strength(self._text)
