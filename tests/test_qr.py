"""The QR helper the GUI draws contact cards and safety numbers with."""

from __future__ import annotations

import segno

from delegate_app.core.qr import qr_matrix


def test_matrix_is_square_and_matches_segno() -> None:
    text = "DELEGATE-CARD:" + "A" * 300
    matrix = qr_matrix(text)
    assert len(matrix) == len(matrix[0]) > 21
    assert all(len(row) == len(matrix) for row in matrix)
    expected = segno.make(text, error="m", micro=False).matrix
    assert matrix == tuple(tuple(bool(m) for m in row) for row in expected)
    assert matrix[0][0] and matrix[0][6] and not matrix[1][1]  # the finder pattern's corner


def test_different_texts_give_different_codes() -> None:
    assert qr_matrix("12345 67890") != qr_matrix("12345 67891")
