"""Compare a safety number with a contact: digits in groups, a QR code, "Mark as verified".

For a contact whose key changed, the dialog shows the safety number of the *new* key and
offers no verification (the new key must be accepted first, from the key-change banner).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from delegate_app.core.contacts.models import Contact
from delegate_app.i18n import _
from delegate_app.ui.bidi import isolate
from delegate_app.ui.plain_text import show_as_plain_text
from delegate_app.ui.qr_widget import QrCodeWidget
from delegate_app.ui.retranslate import is_language_change

GROUPS_PER_LINE = 4


def grouped_lines(number: str) -> str:
    """The safety number's digit groups, four to a line."""
    groups = number.split()
    return "\n".join(
        " ".join(groups[i : i + GROUPS_PER_LINE]) for i in range(0, len(groups), GROUPS_PER_LINE)
    )


class VerificationDialog(QDialog):
    verified = Signal(int)  # contact id: the user confirmed the numbers match

    def __init__(
        self, contact: Contact, number: str, *, pending: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("verificationDialog")
        self.contact = contact
        self.number = number
        self.pending = pending
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.digits = QLabel(grouped_lines(number))
        self.digits.setObjectName("safetyNumber")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setWeight(QFont.Weight.DemiBold)
        self.digits.setFont(font)
        self.digits.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.digits.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # digits read the same
        selectable = Qt.TextInteractionFlag
        self.digits.setTextInteractionFlags(
            selectable.TextSelectableByKeyboard | selectable.TextSelectableByMouse
        )
        self.digits.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.qr = QrCodeWidget()
        self.qr.set_text(number.replace(" ", ""))
        self.state_label = QLabel()
        show_as_plain_text(self.intro, self.digits, self.state_label)  # they name the contact
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.verify_button = QPushButton()
        self.verify_button.setObjectName("markVerified")
        if not pending:
            self.buttons.addButton(self.verify_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.verify_button.clicked.connect(self._mark_verified)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.digits)
        layout.addWidget(self.qr, 1)
        layout.addWidget(self.state_label)
        layout.addWidget(self.buttons)
        self.retranslate_ui()

    def _mark_verified(self) -> None:
        self.verified.emit(self.contact.id)
        self.accept()

    def retranslate_ui(self) -> None:
        name = isolate(self.contact.name)  # a right-to-left name cannot reorder the sentence
        self.setWindowTitle(_("Safety number with {name}").format(name=self.contact.name))
        if self.pending:
            self.intro.setText(
                _(
                    "{name} presents a NEW key. Compare this safety number with {name} in "
                    "person or on a call you trust before you accept the new key."
                ).format(name=name)
            )
        else:
            self.intro.setText(
                _(
                    "Compare these numbers with {name} in person or on a call you trust, or "
                    "scan each other's code. If they match, mark {name} as verified."
                ).format(name=name)
            )
        self.digits.setAccessibleName(_("Safety number"))
        self.digits.setAccessibleDescription(self.number)
        self.qr.setAccessibleName(_("Safety number as a QR code"))
        self.verify_button.setText(_("&Mark as verified"))
        self.verify_button.setAccessibleName(_("Mark as verified"))
        self.state_label.setText(
            _("{name} is verified.").format(name=name) if self.contact.verified else ""
        )

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)
