"""``delegatectl docs`` as a user runs it: a subprocess, the passphrase from the environment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from delegate_app.core.crypto.keywrap import FAST_KDF
from delegate_app.core.paths import resolve_profile
from delegate_app.core.policy import Policy
from delegate_app.core.profile import ProfileInfo, init_profile
from tests.cli.helpers import delegatectl
from tests.conftest import PASSPHRASE


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
