"""``delegatectl docs``: import, list, search and show through a real subprocess."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.helpers import delegatectl
from tests.documents.pdfs import make_pdf


def _profile(tmp_path: Path) -> Path:
    profile = tmp_path / "p"
    init = delegatectl("init", "--profile", profile, "--name", "A. Haddad", "--organisation", "F")
    assert init.returncode == 0, init.stderr
    return profile


def test_import_list_search_show(tmp_path: Path) -> None:
    profile = _profile(tmp_path)
    md = tmp_path / "paper.md"
    md.write_text("# Position on AI governance\n\nWe favour a multistakeholder approach.\n")
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(make_pdf("Briefing book", ["Logistics for the plenary session."]))
    imported = delegatectl(
        "docs", "import", md, pdf, "--profile", profile, "--kind", "position-paper",
        "--event", "Geneva 2027", "--classification", "RESTRICTED", "--tags", "ai, governance",
        "--json",
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    assert [d["title"] for d in json.loads(imported.stdout)] == [
        "Position on AI governance",
        "Briefing book",
    ]

    listed = json.loads(delegatectl("docs", "list", "--profile", profile, "--json").stdout)
    assert {d["classification"] for d in listed} == {"RESTRICTED"}
    assert any(d["tags"] == ["ai", "governance"] for d in listed)

    found = delegatectl("docs", "search", "multistake", "--profile", profile, "--json")
    (hit,) = json.loads(found.stdout)
    assert hit["title"] == "Position on AI governance"
    assert hit["highlights"] == ["multistakeholder"]

    plain = delegatectl("docs", "search", "plenary", "--profile", profile)
    assert "[plenary]" in plain.stdout

    shown = delegatectl("docs", "show", str(hit["id"]), "--profile", profile)
    assert shown.returncode == 0
    assert "RESTRICTED" in shown.stdout and "multistakeholder approach" in shown.stdout


def test_bad_files_are_one_line_errors(tmp_path: Path) -> None:
    profile = _profile(tmp_path)
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    good = tmp_path / "good.md"
    good.write_text("# Good\n")
    result = delegatectl(
        "docs", "import", empty, good, tmp_path / "missing.md", "--profile", profile
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "empty.md is empty" in result.stderr
    assert "missing.md cannot be read" in result.stderr
    assert "Imported" in result.stdout  # the good file still went in
    missing = delegatectl("docs", "show", "999", "--profile", profile)
    assert missing.returncode == 1 and "No document with id 999" in missing.stderr
