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


def make_book(title: str, chapters: int, *, outline: bool = True, words: str = "") -> bytes:
    """A PDF of ``chapters`` pages, each headed "Chapter n" and filled with text; with an
    outline (one entry per chapter) unless ``outline`` is false."""
    pdf = FPDF()
    pdf.set_title(title)
    for number in range(1, chapters + 1):
        pdf.add_page()
        if outline:
            pdf.start_section(f"Chapter {number}")
        pdf.set_font("Helvetica", "B", 20)
        pdf.multi_cell(0, 12, f"Chapter {number}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=12)
        body = f"{words} " if words else ""
        pdf.multi_cell(0, 8, body + f"Agenda item {number} and the plenary. " * 40)
    return bytes(pdf.output())
