"""Reading a contact card from a file the user chose: bounded, so a huge file is never read."""

from __future__ import annotations

from pathlib import Path

from delegate_app.core.errors import DelegateError
from delegate_app.i18n import _

# A card is a few hundred bytes (a QR code's worth); anything past this is not one.
MAX_CARD_FILE = 64 * 1024


class CardFileError(DelegateError):
    """The card file cannot be read."""


def read_card_file(path: Path) -> bytes:
    """The card bytes of ``path`` (at most :data:`MAX_CARD_FILE`, whitespace stripped)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CARD_FILE + 1)
    except OSError as exc:
        raise CardFileError(
            _("Cannot read {path}: {reason}.").format(path=path, reason=exc.strerror)
        ) from None
    return data[:MAX_CARD_FILE].strip()
