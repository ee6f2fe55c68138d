"""Importing each format, and refusing bad input without storing anything."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from delegate_app.core.documents import ImportRefusedError
from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import BodyFormat, DocumentKind, ImportOptions
from delegate_app.core.policy import Policy, RawPolicy
from delegate_app.core.vault import Vault
from tests.documents.pdfs import make_pdf

MARKER = "ZEBRA-MARKER-41c7 confidential fallback position"


@pytest.fixture
def library(vault: Vault, default_policy: Policy) -> Library:
    return Library(vault.db, default_policy)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_markdown_import_title_and_render(library: Library, tmp_path: Path) -> None:
    path = _write(tmp_path, "talking_points.md", b"# Talking points\n\nWe **support** the text.\n")
    summary = library.import_file(path, ImportOptions(kind=DocumentKind.BRIEFING, event="G-Summit"))
    assert summary.title == "Talking points"
    assert summary.event == "G-Summit"
    assert summary.classification == "UNCLASSIFIED"
    doc = library.get(summary.id)
    assert doc.body_format is BodyFormat.MARKDOWN
    assert "<strong>support</strong>" in library.render_html(summary.id)


def test_html_import_is_sanitised(library: Library, tmp_path: Path) -> None:
    hostile = (
        b"<html><head><title>Position on data flows</title>"
        b'<link rel="stylesheet" href="https://tracker.example/s.css">'
        b"<script>alert('x')</script></head><body>"
        b'<h1>Data flows</h1><p onclick="steal()">Our position.</p>'
        b'<img src="https://tracker.example/pixel.gif">'
        b'<p style="background:url(https://tracker.example/bg.png)">More.</p>'
        b'<a href="javascript:alert(1)">bad link</a><a href="https://un.example/">ok link</a>'
        b"</body></html>"
    )
    summary = library.import_file(_write(tmp_path, "position.html", hostile))
    assert summary.title == "Position on data flows"
    rendered = library.render_html(summary.id)
    for forbidden in ("<script", "alert(", "onclick", "<img", "tracker.example", "javascript:",
                      "<link", "style="):  # fmt: skip
        assert forbidden not in rendered, forbidden
    assert "Our position." in rendered
    assert 'href="https://un.example/"' in rendered
    assert library.search("pixel") == []


def test_text_import_non_utf8(library: Library, tmp_path: Path) -> None:
    path = _write(
        tmp_path, "note.txt", "Délégation — note\n\nRésumé des échanges.".encode("cp1252")
    )
    summary = library.import_file(path, ImportOptions(kind=DocumentKind.NOTE))
    assert summary.title == "Délégation — note"
    assert "Résumé" in library.get(summary.id).body
    utf16 = _write(tmp_path, "u16.txt", "مذكرة\nنص".encode("utf-16"))
    assert library.import_file(utf16).title == "مذكرة"


def test_pdf_import_extracts_text_and_keeps_bytes(library: Library, tmp_path: Path) -> None:
    data = make_pdf("Cyber norms briefing", ["Page one about norms.", "Page two on capacity."])
    summary = library.import_file(_write(tmp_path, "norms.pdf", data))
    assert summary.has_pdf
    assert summary.title == "Cyber norms briefing"
    assert library.pdf_bytes(summary.id) == data
    assert "capacity" in library.get(summary.id).body
    assert [hit.document.id for hit in library.search("capacity")] == [summary.id]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.md", b"", "empty"),
        ("blank.txt", b"   \n\n ", "empty"),
        ("broken.pdf", b"%PDF-1.7\n this is not really a pdf", "not a readable PDF"),
        ("fake.pdf", b"GIF89a....", "not a readable PDF"),
        ("binary.txt", b"\x00\x01\x02binary\x00", "not a text file"),
        ("sheet.xlsx", b"PK\x03\x04", "only Markdown"),
    ],
)
def test_bad_inputs_refused_and_nothing_stored(
    library: Library, tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    with pytest.raises(ImportRefusedError, match=message):
        library.import_file(_write(tmp_path, name, data))
    assert library.count() == 0


def test_truncated_pdf_refused(library: Library, tmp_path: Path) -> None:
    data = make_pdf("Truncated", ["Some text here."])
    with pytest.raises(ImportRefusedError):
        library.import_file(_write(tmp_path, "cut.pdf", data[: len(data) // 3]))
    assert library.count() == 0


def test_oversize_refused_with_policy_limit(vault: Vault, tmp_path: Path) -> None:
    policy = Policy.from_raw(RawPolicy("test", locked={"max_import_mb": 1}, defaults={}))
    library = Library(vault.db, policy)
    big = _write(tmp_path, "big.txt", b"a" * (1024 * 1024 + 1))
    with pytest.raises(ImportRefusedError, match="larger than the 1 MB"):
        library.import_file(big)
    assert library.count() == 0


def test_unknown_classification_refused(library: Library, tmp_path: Path) -> None:
    path = _write(tmp_path, "a.md", b"# A\n")
    with pytest.raises(Exception, match="Unknown classification"):
        library.import_file(path, ImportOptions(classification="TOP SECRET"))
    summary = library.import_file(path, ImportOptions(classification="confidential"))
    assert summary.classification == "CONFIDENTIAL"


def test_documents_encrypted_at_rest_no_temp_files(vault: Vault, tmp_path: Path) -> None:
    library = Library(vault.db, Policy.from_raw(None))
    source = tmp_path / "src"
    source.mkdir()
    before = set(os.listdir(tempfile.gettempdir()))
    library.import_file(_write(source, "p.md", f"# Paper\n\n{MARKER}\n".encode()))
    library.import_file(_write(source, "p.pdf", make_pdf("PDF", [MARKER])))
    assert len(library.search("ZEBRA")) == 2
    assert set(os.listdir(tempfile.gettempdir())) == before
    for path in vault.paths.root.rglob("*"):
        if path.is_file():
            assert b"ZEBRA-MARKER" not in path.read_bytes(), path.name
    vault.lock()
    for path in vault.paths.root.rglob("*"):
        if path.is_file():
            assert b"ZEBRA-MARKER" not in path.read_bytes(), path.name


def test_progress_reported(library: Library, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    library.import_file(
        _write(tmp_path, "p.md", b"# P\n" + b"x" * 3_000_000),
        progress=lambda a, b: seen.append((a, b)),
    )
    assert seen[-1][0] == seen[-1][1] == 3_000_004
    assert len(seen) >= 3


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("```\n# not a heading\n```\n\n# Real title\n", "Real title"),
        ("Intro line\n\nUnderlined *title*\n==================\n", "Underlined title"),
        ("## Agenda\n\n# Main\n", "Main"),
        ("### Only a subheading\n", "Only a subheading"),
        ("No heading at all.\n", "delegation notes"),
    ],
)
def test_markdown_title_from_first_heading(library: Library, text: str, title: str) -> None:
    assert library.import_bytes("delegation_notes.md", text.encode()).title == title


def test_html_title_falls_back_to_h1_then_file_name(library: Library) -> None:
    with_h1 = b"<html><body><h1>Cyber <em>norms</em></h1><p>Text.</p></body></html>"
    assert library.import_bytes("a.html", with_h1).title == "Cyber norms"
    assert library.import_bytes("plain-page.htm", b"<p>Only text.</p>").title == "plain page"


def test_pdf_without_metadata_title_takes_the_file_name(library: Library) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 10, "Untitled content")
    summary = library.import_bytes("annex_b.pdf", bytes(pdf.output()))
    assert summary.title == "annex b"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Délégation — café".encode(), "Délégation — café"),
        ("\ufeffDélégation — café".encode(), "Délégation — café"),  # UTF-8 with BOM
        ("Délégation — café".encode("utf-16-le"), None),  # no BOM: NUL bytes, refused
        ("\ufeffДелегация".encode("utf-16-le"), "Делегация"),
        ("\ufeffДелегация".encode("utf-16-be"), "Делегация"),
        ("Délégation — café €".encode("cp1252"), "Délégation — café €"),
        (b"caf\xe9 \x81", "café \x81"),  # not cp1252 either: Latin-1 takes every byte
    ],
)
def test_text_encodings(library: Library, data: bytes, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(ImportRefusedError, match="not a text file"):
            library.import_bytes("n.txt", data)
        return
    assert library.get(library.import_bytes("n.txt", data).id).body == expected


def test_markdown_raw_html_and_images_are_neutralised(library: Library) -> None:
    text = (
        b"# Paper\n\n<script>alert(1)</script>\n\n![pixel](https://tracker.example/p.gif)\n\n"
        b'<img src="http://tracker.example/x.png" onerror="steal()">\n\n'
        b"[a link](https://un.example/doc) and [bad](javascript:alert(2))\n"
    )
    rendered = library.render_html(library.import_bytes("p.md", text).id)
    for forbidden in ("<script", "<img", 'href="javascript', 'href="https://tracker'):
        assert forbidden not in rendered, forbidden
    assert "&lt;script&gt;" in rendered and "&lt;img" in rendered  # shown as text, never run
    assert 'href="https://un.example/doc"' in rendered


def test_html_styles_forms_frames_and_data_urls_removed(library: Library) -> None:
    hostile = (
        b"<title>T</title><style>@import url(https://tracker.example/a.css);</style>"
        b'<iframe src="https://tracker.example/f"></iframe><form action="https://x.example">'
        b'<input name="q"></form><svg><image href="https://tracker.example/s.png"/></svg>'
        b'<object data="https://tracker.example/o"></object>'
        b'<a href="data:text/html;base64,PHNjcmlwdD4=">d</a><table><tr><td>cell</td></tr></table>'
    )
    rendered = library.render_html(library.import_bytes("h.html", hostile).id)
    for forbidden in ("tracker.example", "<iframe", "<form", "<input", "<svg", "data:", "@import"):
        assert forbidden not in rendered, forbidden
    assert "<td>cell</td>" in rendered


def test_one_transaction_per_document_failure_leaves_nothing(
    library: Library, vault: Vault
) -> None:
    library.import_bytes("ok.md", b"# Fine\n")
    vault.db.execute(
        "CREATE TRIGGER refuse_fts BEFORE INSERT ON attachments BEGIN SELECT RAISE(ABORT, 'x'); END"
    )
    with pytest.raises(Exception, match="x"):
        library.import_bytes("p.pdf", make_pdf("P", ["text"]))
    assert library.count() == 1
    assert library.search("text") == []
