"""Regenerate cyber-norms-briefing.pdf (committed, so running the demo needs no generator).

Run: python resources/demo/make_demo_pdf.py
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

PAGES = [
    (
        "Briefing: norms of responsible State behaviour in cyberspace",
        "Permanent Mission of Freedonia - Geneva Summit on Digital Cooperation 2027\n\n"
        "1. Background. The cyber chapter of the draft Declaration reaffirms the eleven voluntary "
        "norms agreed in earlier processes and proposes a new paragraph on the protection of "
        "critical infrastructure, tabled by Genovia.\n\n"
        "2. Assessment. The Genovian text is consistent with our national cyber strategy. It "
        "creates no new legal obligations and strengthens confidence-building measures.",
    ),
    (
        "Recommendations",
        "- Co-sponsor the Genovian paragraph on critical infrastructure.\n"
        "- Support a points-of-contact directory for incident response.\n"
        "- Resist any reference to offensive capabilities in the operative part.\n"
        "- Propose capacity-building language for small and island States.\n\n"
        "Contact: cyber desk, Ministry of Foreign Affairs of Freedonia.",
    ),
    (
        "Annex: points of contact",
        "Incident response points of contact proposed for the directory:\n\n"
        "- National CERT of Freedonia, 24/7 duty officer.\n"
        "- Cyber desk, Ministry of Foreign Affairs (policy questions).\n"
        "- Permanent Mission in Geneva, first secretary for digital affairs.\n\n"
        "The directory should be kept by the summit secretariat and reviewed every year. "
        "Entries name offices, not persons, so that they stay valid across postings.",
    ),
]


def main() -> None:
    pdf = FPDF()
    pdf.set_title("Briefing: norms of responsible State behaviour in cyberspace")
    pdf.set_author("Permanent Mission of Freedonia")
    pdf.set_creation_date(datetime(2027, 4, 1, tzinfo=UTC))
    for heading, text in PAGES:
        pdf.add_page()
        pdf.start_section(heading)  # the outline a reader shows beside the pages
        pdf.set_font("Helvetica", "B", 16)
        pdf.multi_cell(0, 9, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 7, text)
    pdf.output(str(Path(__file__).with_name("08-cyber-norms-briefing.pdf")))


if __name__ == "__main__":
    main()
