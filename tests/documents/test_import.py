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
