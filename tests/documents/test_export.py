"""Exporting documents out of the vault: exact bytes, owner-only files, the policy's word."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from delegate_app.core.documents import (
    DocumentNotFoundError,
    ExportFailedError,
    ExportForbiddenError,
    ExportTargetExistsError,
)
from delegate_app.core.documents.export import suggested_file_name
from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import BodyFormat
from delegate_app.core.policy import Policy, RawPolicy
from delegate_app.core.vault import Vault
from delegate_app.core.vault.keyfile import write_private_file
from tests.documents.pdfs import make_pdf

MARKDOWN = "# Talking points\n\nWe **support** the «text» — نص.\n".encode()


@pytest.fixture
def library(vault: Vault, default_policy: Policy) -> Library:
    return Library(vault.db, default_policy)


def _policy(
    *, locked: dict[str, object] | None = None, defaults: dict[str, object] | None = None
) -> Policy:
    return Policy.from_raw(RawPolicy("test-policy.json", locked or {}, defaults or {}))


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An empty directory for exports (the profile lives beside it in ``tmp_path``)."""
    directory = tmp_path / "exports"
    directory.mkdir()
    return directory


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_markdown_export_writes_the_stored_body_owner_only(library: Library, out: Path) -> None:
    doc = library.import_bytes("talking_points.md", MARKDOWN)
    content = library.export_content(doc.id)
    assert content.file_format is BodyFormat.MARKDOWN
    assert content.suggested_name == "Talking-points.md"
    target = out / content.suggested_name
    library.export(doc.id, target)
    assert target.read_bytes() == MARKDOWN
    assert _mode(target) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["Talking-points.md"]  # no temp


def test_pdf_export_writes_the_imported_pdf(library: Library, out: Path) -> None:
    pdf = make_pdf("Briefing book", ["Logistics for the plenary.", "Second page."])
    doc = library.import_bytes("book.pdf", pdf)
    assert library.suggested_export_name(doc.id) == "Briefing-book.pdf"
    target = out / "book-copy.pdf"
    content = library.export(doc.id, target)
    assert content.file_format is BodyFormat.PDF
    assert target.read_bytes() == pdf
    assert _mode(target) == 0o600


def test_html_and_text_export_in_their_own_format(library: Library, out: Path) -> None:
    html = library.import_bytes("page.html", b"<h1>Data flows</h1><p>Our position.</p>")
    text = library.import_bytes("note.txt", b"Corridor note\n\nThe negotiation moved.\n")
    assert library.export_content(html.id).data == library.get(html.id).body.encode()
    assert library.suggested_export_name(html.id) == "Data-flows.html"
    library.export(text.id, out / "note.txt")
    assert (out / "note.txt").read_bytes() == b"Corridor note\n\nThe negotiation moved.\n"
    assert library.suggested_export_name(text.id) == "Corridor-note.txt"


def test_locked_policy_forbids_export_and_writes_nothing(vault: Vault, out: Path) -> None:
    doc = Library(vault.db, Policy.from_raw(None)).import_bytes("talking_points.md", MARKDOWN)
    library = Library(vault.db, _policy(locked={"export_allowed": False}))
    assert not library.export_allowed
    target = out / "out.md"
    with pytest.raises(ExportForbiddenError, match="does not allow documents to be exported"):
        library.export(doc.id, target, overwrite=True)
    with pytest.raises(ExportForbiddenError):
        library.export_content(doc.id)
    assert list(out.iterdir()) == []


def test_an_organisation_default_is_followed_too(vault: Vault, out: Path) -> None:
    """Users have no switch for export, so a default of false forbids it as a lock does."""
    doc = Library(vault.db, Policy.from_raw(None)).import_bytes("talking_points.md", MARKDOWN)
    off = Library(vault.db, _policy(defaults={"export_allowed": False}))
    with pytest.raises(ExportForbiddenError):
        off.export(doc.id, out / "out.md")
    assert list(out.iterdir()) == []
    on = Library(vault.db, _policy(locked={"export_allowed": True}))
    on.export(doc.id, out / "out.md")
    assert (out / "out.md").read_bytes() == MARKDOWN


def test_an_existing_file_is_replaced_only_when_asked(library: Library, out: Path) -> None:
    doc = library.import_bytes("talking_points.md", MARKDOWN)
    target = out / "out.md"
    target.write_bytes(b"keep me")
    with pytest.raises(ExportTargetExistsError):
        library.export(doc.id, target)
    assert target.read_bytes() == b"keep me"
    link = out / "dangling.md"
    link.symlink_to(out / "nowhere.md")
    with pytest.raises(ExportTargetExistsError):
        library.export(doc.id, link)
    assert not (out / "nowhere.md").exists()
    library.export(doc.id, target, overwrite=True)
    assert target.read_bytes() == MARKDOWN
    assert _mode(target) == 0o600
    assert sorted(p.name for p in out.iterdir()) == ["dangling.md", "out.md"]


def test_unwritable_target_and_unknown_document_are_typed_errors(
    library: Library, out: Path
) -> None:
    doc = library.import_bytes("talking_points.md", MARKDOWN)
    with pytest.raises(ExportFailedError, match="cannot be written"):
        library.export(doc.id, out / "missing-directory" / "out.md")
    with pytest.raises(DocumentNotFoundError):
        library.export(doc.id + 100, out / "out.md")
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    ("title", "file_format", "expected"),
    [
        ("Position on AI governance", BodyFormat.MARKDOWN, "Position-on-AI-governance.md"),
        ("../../etc/passwd", BodyFormat.TEXT, "etc-passwd.txt"),
        ('Q3: "cables" / notes*?', BodyFormat.HTML, "Q3-cables-notes.html"),
        (".hidden", BodyFormat.TEXT, "hidden.txt"),
        ("مُذَكِّرَة  الوفد", BodyFormat.PDF, "مُذَكِّرَة-الوفد.pdf"),
        ("数据流动立场文件", BodyFormat.MARKDOWN, "数据流动立场文件.md"),
        ("\u202eevil\u202c\x00\n", BodyFormat.TEXT, "evil.txt"),
        ("•••", BodyFormat.PDF, "document.pdf"),
        ("con", BodyFormat.TEXT, "con-document.txt"),
    ],
)
def test_suggested_file_names_are_safe(title: str, file_format: BodyFormat, expected: str) -> None:
    assert suggested_file_name(title, file_format) == expected


def test_long_titles_are_cut_to_a_name_every_file_system_takes() -> None:
    name = suggested_file_name("数" * 200, BodyFormat.MARKDOWN)
    assert name == "数" * 40 + ".md"
    assert len(name.encode()) <= 255


def test_without_hard_links_an_existing_file_is_still_kept(
    library: Library, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FAT on a USB stick has no hard links: the fallback checks the name before moving."""

    def no_links(_source: object, _target: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr("os.link", no_links)
    doc = library.import_bytes("talking_points.md", MARKDOWN)
    (out / "taken.md").write_bytes(b"keep me")
    with pytest.raises(FileExistsError):  # the move itself refuses, not only the early check
        write_private_file(out / "taken.md", b"replaced", overwrite=False)
    library.export(doc.id, out / "free.md")
    assert (out / "taken.md").read_bytes() == b"keep me"
    assert (out / "free.md").read_bytes() == MARKDOWN
    assert sorted(p.name for p in out.iterdir()) == ["free.md", "taken.md"]
