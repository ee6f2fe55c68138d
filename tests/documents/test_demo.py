"""The demo profile: created once, seeded idempotently, every sample document readable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from delegate_app import demo
from delegate_app.core.crypto.keywrap import FAST_KDF
from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import BodyFormat, DocumentKind
from delegate_app.core.paths import resolve_profile
from delegate_app.core.policy import Policy
from delegate_app.core.profile import read_profile_info
from delegate_app.core.vault import Vault

MANIFEST = json.loads((demo.CONTENT_DIR / "manifest.json").read_text(encoding="utf-8"))


def test_manifest_lists_every_sample_file() -> None:
    listed = {entry["file"] for entry in MANIFEST["documents"]}
    suffixes = {".md", ".html", ".txt", ".pdf"}
    on_disk = {p.name for p in demo.CONTENT_DIR.iterdir() if p.suffix in suffixes}
    assert listed == on_disk
    assert 6 <= len(listed) <= 10
    kinds = {entry["kind"] for entry in MANIFEST["documents"]}
    assert kinds == {kind.value for kind in DocumentKind}
    assert {entry["language"] for entry in MANIFEST["documents"]} >= {"en", "fr", "ar"}


def test_seeding_is_idempotent_and_everything_is_searchable(tmp_path: Path) -> None:
    policy = Policy.from_raw(None)
    profile = tmp_path / "demo"
    vault = demo.seed_profile(profile, policy, kdf=FAST_KDF)
    try:
        library = Library(vault.db, policy)
        count = library.count()
        assert count == len(MANIFEST["documents"])
        info = read_profile_info(vault.db, policy)
        assert (info.name, info.organisation) == (demo.DEMO_NAME, demo.DEMO_ORGANISATION)
        assert demo.seed_documents(library) == 0
        assert library.count() == count
        (pdf,) = [s for s in library.list() if s.has_pdf]
        assert library.get(pdf.id).body_format is BodyFormat.PDF
        assert "Genovian" in library.get(pdf.id).body
        assert library.events() == [MANIFEST["event"]]
        for query, language in (
            ("infrastructures critiques", "fr"),
            ("البيانات عبر الحدود", "ar"),
            ("科学小组", "zh"),
            ("localisation", "en"),
        ):
            hits = library.search(query)
            assert hits, query
            assert hits[0].document.language == language, query
        for summary in library.list():
            rendered = library.render_html(summary.id)
            assert "<script" not in rendered and "tracker.example" not in rendered
    finally:
        vault.lock()
    again = demo.seed_profile(profile, policy)  # reopens with the demo passphrase
    try:
        assert Library(again.db, policy).count() == count
    finally:
        again.lock()


def test_main_creates_the_profile_and_prints_the_passphrase(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    profile = tmp_path / "demo"
    assert demo.main(["--profile", str(profile), "--launch"]) == 0
    out = capsys.readouterr().out
    assert demo.DEMO_PASSPHRASE in out
    assert f"with {len(MANIFEST['documents'])} documents" in out
    assert "No display found" in out  # nothing to show the app on: seeded, not launched
    vault = Vault.open(resolve_profile(profile))
    vault.unlock(demo.DEMO_PASSPHRASE)
    vault.lock()
