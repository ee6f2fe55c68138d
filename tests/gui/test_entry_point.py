"""The real ``delegate`` entry point in a subprocess: --screenshot, --version, clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from delegate_app import __version__
from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import ImportOptions
from delegate_app.core.paths import ProfilePaths
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Vault
from tests.conftest import PASSPHRASE
from tests.documents.pdfs import make_pdf

pytestmark = pytest.mark.gui
TIMEOUT_S = 120


def _delegate(*args: str, passphrase: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DELEGATE_PASSPHRASE"}
    if passphrase is not None:
        env["DELEGATE_PASSPHRASE"] = passphrase
    return subprocess.run(
        [sys.executable, "-m", "delegate_app.app", *args],
        env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
    )  # fmt: skip


def test_screenshot_renders_the_main_window_with_a_document_open(
    vault: Vault, profile_paths: ProfilePaths, tmp_path: Path
) -> None:
    library = Library(vault.db, Policy.from_raw(None))
    library.import_bytes(
        "book.pdf", make_pdf("Briefing book", ["Logistics.", "Plenary."]),
        ImportOptions(classification="CONFIDENTIAL"),
    )  # fmt: skip
    vault.lock()
    target = tmp_path / "shot.png"
    result = _delegate("--profile", str(profile_paths.root), "--screenshot", str(target),
                       passphrase=PASSPHRASE)  # fmt: skip
    assert result.returncode == 0, result.stderr
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1280, 800)
    assert target.stat().st_size > 10_000
    # The reader shows the rendered PDF page: white paper with dark text near its top.
    page = image.copy(580, 140, 500, 80)
    greys = {page.pixelColor(x, y).lightness() for x in range(500) for y in range(80)}
    assert min(greys) < 100 and max(greys) > 240


def test_screenshot_errors_are_one_line_and_exit_1(
    vault: Vault, profile_paths: ProfilePaths, tmp_path: Path
) -> None:
    vault.lock()
    wrong = _delegate("--profile", str(profile_paths.root), "--screenshot",
                      str(tmp_path / "no.png"), passphrase="nope")  # fmt: skip
    assert wrong.returncode == 1
    assert wrong.stderr.strip() == "delegate: Wrong passphrase."
    assert not (tmp_path / "no.png").exists()

    missing = _delegate("--profile", str(tmp_path / "nowhere"), "--screenshot",
                        str(tmp_path / "no.png"), passphrase=PASSPHRASE)  # fmt: skip
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"delegate: No vault in {tmp_path / 'nowhere'}."

    unset = _delegate("--profile", str(profile_paths.root), "--screenshot",
                      str(tmp_path / "no.png"))  # fmt: skip
    assert unset.returncode == 1
    assert unset.stderr.strip() == "delegate: Set DELEGATE_PASSPHRASE to unlock the vault."


def test_version() -> None:
    result = _delegate("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"delegate {__version__}"
