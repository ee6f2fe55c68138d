"""Real PDFs for tests, made with fpdf2 in memory."""

from __future__ import annotations

from fpdf import FPDF


def make_pdf(title: str, pages: list[str]) -> bytes:
    pdf = FPDF()
    pdf.set_title(title)
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())
