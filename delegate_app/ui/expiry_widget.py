"""A conversation's disappearing-messages timer; greyed out when the organisation forces one."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from delegate_app.i18n import _, ngettext
from delegate_app.ui.retranslate import is_language_change

CHOICES: tuple[int | None, ...] = (None, 1, 7, 30, 90, 365)


def expiry_text(days: int | None) -> str:
    if days is None:
        return _("Messages are kept")
    return ngettext("Disappear after {days} day", "Disappear after {days} days", days).format(
        days=days
    )


class ExpiryWidget(QWidget):
    expiry_chosen = Signal(object)  # int days, or None: kept

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.combo = QComboBox()
        self.combo.setObjectName("expiryCombo")
        self.label.setBuddy(self.combo)
        self.forced: int | None = None
        self._days: int | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.combo)
        self.combo.activated.connect(self._activated)
        self.retranslate_ui()

    def set_state(self, days: int | None, forced: int | None) -> None:
        """Show the conversation's timer; ``forced``: the organisation's (the widget locks)."""
        self._days = days
        self.forced = forced
        self.retranslate_ui()

    def _activated(self, index: int) -> None:
        if self.forced is None:
            self._days = self.combo.itemData(index)
            self.expiry_chosen.emit(self._days)

    def retranslate_ui(self) -> None:
        self.label.setText(_("E&xpiry:"))
        self.combo.blockSignals(True)
        self.combo.clear()
        shown = self._days if self.forced is None else self.forced
        choices = list(CHOICES)
        if shown not in choices:
            choices.append(shown)
        for days in choices:
            self.combo.addItem(expiry_text(days), days)
        self.combo.setCurrentIndex(choices.index(shown))
        self.combo.blockSignals(False)
        locked = self.forced is not None
        self.combo.setEnabled(not locked)
        self.combo.setProperty("locked_by_policy", locked)
        self.combo.setToolTip(_("Set by your organisation") if locked else "")
        self.combo.setAccessibleName(_("Message expiry"))
        self.combo.setAccessibleDescription(_("Set by your organisation") if locked else "")

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)
