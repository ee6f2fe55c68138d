"""``delegatectl docs`` as a user runs it: a subprocess, the passphrase from the environment."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from delegate_app.core.crypto.keywrap import FAST_KDF
from delegate_app.core.paths import resolve_profile
from delegate_app.core.policy import POLICY_ENV_VAR, Policy
from delegate_app.core.profile import ProfileInfo, init_profile
from tests.cli.helpers import delegatectl
from tests.conftest import PASSPHRASE
from tests.documents.pdfs import make_pdf


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    directory = tmp_path / "profile"
    vault = init_profile(
        resolve_profile(directory),
        ProfileInfo("Amina Haddad", "Permanent Mission of Freedonia", None),
        PASSPHRASE,
        Policy.from_raw(None),
        kdf=FAST_KDF,
    )
    vault.lock()
    return directory


def _json(*args: str | Path) -> Any:
    result = delegatectl(*args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_filters_tags_and_hostile_queries(profile: Path, tmp_path: Path) -> None:
    paper = tmp_path / "paper.md"
    paper.write_text("# Negotiation strategy\n\nFallback on «data flows».\n", encoding="utf-8")
    note = tmp_path / "note.txt"
    note.write_text("Corridor note\n\nThe negotiation moved.\n", encoding="utf-8")
    for path, kind, classification, event in (
        (paper, "position-paper", "confidential", "Geneva 2027"),
        (note, "note", "RESTRICTED", "Paris"),
    ):
        result = delegatectl(
            "docs", "import", path, "--profile", profile, "--kind", kind,
            "--classification", classification, "--event", event, "--tags", " a , ,b,",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr

    listed = _json("docs", "list", "--profile", profile, "--json", "--kind", "note")
    assert isinstance(listed, list)
    assert [(d["title"], d["tags"], d["event"]) for d in listed] == [
        ("Corridor note", ["a", "b"], "Paris")
    ]
    hits = _json("docs", "search", "negot", "--profile", profile, "--json")
    assert isinstance(hits, list)
    assert [h["title"] for h in hits] == ["Negotiation strategy", "Corridor note"]
    assert hits[0]["classification"] == "CONFIDENTIAL"
    assert hits[0]["rank"] < hits[1]["rank"]
    filtered = _json(
        "docs", "search", "negot", "--profile", profile, "--json", "--classification", "RESTRICTED"
    )
    assert [h["title"] for h in filtered] == ["Corridor note"]
    second = _json("docs", "search", "negot", "--limit", "1", "--page", "2", "--profile", profile,
                   "--json")  # fmt: skip
    assert [h["title"] for h in second] == ["Corridor note"]

    for hostile in ('"data', "AND OR NOT", "NEAR(x y", "title:*", "«data flows»"):
        result = delegatectl("docs", "search", hostile, "--profile", profile, "--json")
        assert result.returncode == 0, (hostile, result.stderr)
        json.loads(result.stdout)

    table = delegatectl("docs", "list", "--profile", profile)
    assert "Negotiation strategy" in table.stdout and "CONFIDENTIAL" in table.stdout


def test_show_json_and_refusals_are_one_line(profile: Path, tmp_path: Path) -> None:
    html = tmp_path / "page.html"
    html.write_text(
        "<title>Agenda</title><script>x()</script><p>Plenary at ten.</p>", encoding="utf-8"
    )
    (imported,) = _json("docs", "import", html, "--profile", profile, "--json")
    shown = _json("docs", "show", str(imported["id"]), "--profile", profile, "--json")
    assert isinstance(shown, dict)
    assert shown["body_format"] == "html" and "<script" not in shown["body"]
    assert shown["version"] == 1 and len(shown["uid"]) == 36

    unknown = delegatectl(
        "docs", "import", html, "--profile", profile, "--classification", "TOP SECRET"
    )
    assert unknown.returncode == 1
    assert unknown.stderr.count("\n") <= 2 and "Unknown classification TOP SECRET" in unknown.stderr
    corrupt = tmp_path / "broken.pdf"
    corrupt.write_bytes(b"%PDF-1.7\ngarbage")
    refused = delegatectl("docs", "import", corrupt, "--profile", profile)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "broken.pdf is not a readable PDF file." in refused.stderr

    wrong = delegatectl("docs", "list", "--profile", profile, passphrase="not the passphrase")
    assert wrong.returncode != 0 and "Traceback" not in wrong.stderr
    listed = _json("docs", "list", "--profile", profile, "--json")
    assert isinstance(listed, list) and len(listed) == 1


def _one_line_error(result: subprocess.CompletedProcess[str], text: str) -> None:
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and text in result.stderr, result.stderr


def test_export_writes_exact_bytes_and_replaces_only_with_force(
    profile: Path, tmp_path: Path
) -> None:
    markdown = "# Talking points\n\nWe **support** the «text».\n".encode()
    pdf = make_pdf("Briefing book", ["Logistics for the plenary."])
    (tmp_path / "points.md").write_bytes(markdown)
    (tmp_path / "book.pdf").write_bytes(pdf)
    imported = _json("docs", "import", tmp_path / "points.md", tmp_path / "book.pdf",
                     "--profile", profile, "--json")  # fmt: skip
    assert isinstance(imported, list)
    md_id, pdf_id = (str(d["id"]) for d in imported)
    out = tmp_path / "exports"
    out.mkdir()

    for doc_id, name, expected in ((md_id, "points.md", markdown), (pdf_id, "book.pdf", pdf)):
        result = delegatectl("docs", "export", doc_id, out / name, "--profile", profile)
        assert result.returncode == 0, result.stderr
        assert f"Exported document {doc_id} to {out / name}." in result.stdout
        assert (out / name).read_bytes() == expected
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600

    (out / "taken.md").write_bytes(b"keep me")
    refused = delegatectl("docs", "export", md_id, out / "taken.md", "--profile", profile)
    _one_line_error(refused, "taken.md already exists; use --force to replace it.")
    assert (out / "taken.md").read_bytes() == b"keep me"
    forced = delegatectl("docs", "export", md_id, out / "taken.md", "--force", "--profile", profile)
    assert forced.returncode == 0, forced.stderr
    assert (out / "taken.md").read_bytes() == markdown

    missing = delegatectl("docs", "export", "999", out / "none.md", "--profile", profile)
    _one_line_error(missing, "No document with id 999.")
    nowhere = delegatectl("docs", "export", md_id, out / "no" / "dir.md", "--profile", profile)
    _one_line_error(nowhere, "cannot be written")
    assert sorted(p.name for p in out.iterdir()) == ["book.pdf", "points.md", "taken.md"]


@pytest.mark.parametrize("section", ["locked", "defaults"])
def test_export_forbidden_by_policy_is_one_line_and_writes_nothing(
    profile: Path, tmp_path: Path, section: str
) -> None:
    (tmp_path / "points.md").write_text("# Talking points\n", encoding="utf-8")
    (imported,) = _json("docs", "import", tmp_path / "points.md", "--profile", profile, "--json")
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(json.dumps({section: {"export_allowed": False}}), encoding="utf-8")
    target = tmp_path / "out.md"
    for extra in ((), ("--force",)):
        result = delegatectl(
            "docs", "export", str(imported["id"]), target, *extra, "--profile", profile,
            env={POLICY_ENV_VAR: str(policy_file)},
        )  # fmt: skip
        _one_line_error(
            result, "Your organisation does not allow documents to be exported from the vault."
        )
    # Refused before the passphrase is asked for: none given, still the policy's refusal.
    result = delegatectl(
        "docs", "export", str(imported["id"]), target, "--profile", profile,
        passphrase=None, env={POLICY_ENV_VAR: str(policy_file)},
    )  # fmt: skip
    _one_line_error(result, "does not allow documents to be exported")
    assert not target.exists()


def test_search_finds_other_forms_and_indexes_them_first_after_an_upgrade(
    profile: Path, tmp_path: Path
) -> None:
    note = tmp_path / "note.md"
    note.write_text("# Записка\n\nПроект соглашения о квотах.\n", encoding="utf-8")
    result = delegatectl("docs", "import", note, "--profile", profile)
    assert result.returncode == 0, result.stderr
    hits = _json("docs", "search", "соглашение", "--profile", profile, "--json")
    assert [(h["title"], h["exact"], h["highlights"]) for h in hits] == [
        ("Записка", False, ["соглашения"])
    ]
    # As the upgrade leaves a vault: no stems yet. The next search indexes them, saying so.
    paths = resolve_profile(profile)
    from delegate_app.core.vault import Vault

    vault = Vault.open(paths)
    vault.unlock(PASSPHRASE)
    vault.db.execute("DELETE FROM documents_stems")
    vault.db.execute("DELETE FROM settings WHERE key = 'documents.stems_complete'")
    vault.lock()
    result = delegatectl("docs", "search", "соглашение", "--profile", profile, "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "Indexing the word forms of 1 document…"
    assert [h["title"] for h in json.loads(result.stdout)] == ["Записка"]
    again = delegatectl("docs", "search", "соглашение", "--profile", profile, "--json")
    assert again.stderr == ""
