"""``delegatectl docs``: import, list, search and show through a real subprocess."""

from __future__ import annotations

import json
import subprocess
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


def _policy_file(tmp_path: Path, locked: dict[str, object]) -> dict[str, str]:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"policy_version": 1, "locked": locked, "defaults": {}}))
    return {"DELEGATE_POLICY_FILE": str(path)}


def _import_one(
    profile: Path, tmp_path: Path, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    md = tmp_path / "note.md"
    md.write_text("# Fisheries note\n\nQuota text.\n")
    return delegatectl("docs", "import", md, "--profile", profile, "--json", *extra, env=env)


def test_edit_changes_details_and_search_finds_the_new_title(tmp_path: Path) -> None:
    profile = _profile(tmp_path)
    (doc,) = json.loads(_import_one(profile, tmp_path).stdout)
    edited = delegatectl(
        "docs", "edit", str(doc["id"]), "--profile", profile, "--title", "Ocean governance",
        "--classification", "confidential", "--tags", "oceans, law", "--kind", "note",
        "--language", "en", "--event", "UNOC", "--json",
    )  # fmt: skip
    assert edited.returncode == 0, edited.stderr
    details = json.loads(edited.stdout)
    assert (details["title"], details["classification"], details["kind"]) == (
        "Ocean governance", "CONFIDENTIAL", "note",
    )  # fmt: skip
    assert (details["tags"], details["language"], details["event"]) == (
        ["oceans", "law"],
        "en",
        "UNOC",
    )
    found = delegatectl("docs", "search", "governance", "--profile", profile, "--json")
    assert [hit["id"] for hit in json.loads(found.stdout)] == [doc["id"]]
    nothing = delegatectl("docs", "edit", str(doc["id"]), "--profile", profile)
    assert nothing.returncode == 2
    bad = delegatectl("docs", "edit", str(doc["id"]), "--profile", profile, "--title", " ")
    assert bad.returncode == 1
    assert "needs a title" in bad.stderr


def test_delete_asks_first_and_then_deletes(tmp_path: Path) -> None:
    profile = _profile(tmp_path)
    (doc,) = json.loads(_import_one(profile, tmp_path).stdout)
    refused = delegatectl("docs", "delete", str(doc["id"]), "--profile", profile)
    assert refused.returncode == 1
    assert "not shared with anyone" in refused.stderr and "--yes" in refused.stderr
    assert len(json.loads(delegatectl("docs", "list", "--profile", profile, "--json").stdout)) == 1
    deleted = delegatectl("docs", "delete", str(doc["id"]), "--profile", profile, "--yes")
    assert deleted.returncode == 0, deleted.stderr
    assert json.loads(delegatectl("docs", "list", "--profile", profile, "--json").stdout) == []
    again = delegatectl("docs", "delete", str(doc["id"]), "--profile", profile, "--yes")
    assert again.returncode == 1
    assert "No document with id" in again.stderr


def test_a_required_classification_is_enforced_by_the_cli(tmp_path: Path) -> None:
    profile = _profile(tmp_path)
    env = _policy_file(tmp_path, {"require_classification": True})
    refused = _import_one(profile, tmp_path, env=env)
    assert refused.returncode == 1
    assert "requires a classification" in refused.stderr
    assert json.loads(delegatectl("docs", "list", "--profile", profile, "--json").stdout) == []
    named = _import_one(profile, tmp_path, "--classification", "RESTRICTED", env=env)
    assert named.returncode == 0, named.stderr


def test_export_at_the_warning_level_needs_yes(tmp_path: Path) -> None:
    profile = _profile(tmp_path)
    env = _policy_file(tmp_path, {"export_warning_level": "RESTRICTED"})
    (low,) = json.loads(_import_one(profile, tmp_path, env=env).stdout)
    (high,) = json.loads(
        _import_one(profile, tmp_path, "--classification", "CONFIDENTIAL", env=env).stdout
    )
    out = tmp_path / "out.md"
    refused = delegatectl("docs", "export", str(high["id"]), out, "--profile", profile, env=env)
    assert refused.returncode == 1
    assert "marked CONFIDENTIAL" in refused.stderr and "RESTRICTED or higher" in refused.stderr
    assert not out.exists()
    confirmed = delegatectl(
        "docs", "export", str(high["id"]), out, "--profile", profile, "--yes", env=env
    )
    assert confirmed.returncode == 0, confirmed.stderr
    assert out.exists()
    plain = delegatectl(
        "docs", "export", str(low["id"]), tmp_path / "low.md", "--profile", profile, env=env
    )
    assert plain.returncode == 0, plain.stderr
