"""QR codes for contact cards and safety numbers, as a matrix any front end can draw.

The CLI writes image files with segno directly; the GUI paints :func:`qr_matrix` itself, so
no image file of a card or a safety number is ever written to disk behind the user's back.
"""

from __future__ import annotations

QrMatrix = tuple[tuple[bool, ...], ...]


def qr_matrix(text: str) -> QrMatrix:
    """The modules of ``text``'s QR code (error correction M, no quiet zone): True is dark."""
    import segno  # on first use: the app starts without it

    code = segno.make(text, error="m", micro=False)
    return tuple(tuple(bool(module) for module in row) for row in code.matrix)
