"""File dialogs leave no record of the folders visited (docs/SECURITY.md §5, docs/GUI.md).

Qt's QFileDialog writes the folders it showed (``history``, ``lastVisited``) to a file every
Qt program shares, ``~/.config/QtProject.conf``, readable by everyone. A folder named after a
negotiation would stay there. The dialogs run for real, offscreen, in a child process whose
HOME and XDG_CONFIG_HOME are fresh directories; every file that appears there is searched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CHILD = "tests.gui.file_dialog_child"

REPO = Path(__file__).resolve().parents[2]
SECRET_FOLDER = "Fisheries red lines"


def _run(mode: str, tmp_path: Path) -> tuple[list[object], Path]:
    home = tmp_path / mode / "home"
    folder = home / SECRET_FOLDER
    folder.mkdir(parents=True)
    (folder / "card.txt").write_text("DELEGATE-CARD:1:x\n")
    config = tmp_path / mode / "config"
    config.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(config),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(REPO),
    }
    done = subprocess.run(
        [sys.executable, "-m", CHILD, mode, str(folder)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1]), tmp_path / mode


def _files_naming_the_folder(root: Path) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and path.name != "card.txt":
            data = path.read_bytes()
            if SECRET_FOLDER.encode() in data or b"Fisheries%20red%20lines" in data:
                found.append(path.relative_to(root))
    return found


def test_qts_own_dialog_records_the_folder_so_the_check_below_can_see_it(tmp_path: Path) -> None:
    answers, root = _run("qt", tmp_path)
    assert answers == [str(root / "home" / SECRET_FOLDER / "card.txt")]
    assert _files_naming_the_folder(root) == [Path("config/QtProject.conf")]


def test_delegates_dialogs_answer_and_leave_no_record_of_the_folder(tmp_path: Path) -> None:
    answers, root = _run("delegate", tmp_path)
    folder = root / "home" / SECRET_FOLDER
    assert answers == [
        str(folder / "card.txt"),
        [str(folder / "card.txt")],
        str(folder / "saved-card.txt"),  # the save dialog opened in the folder of the last one
    ]
    assert _files_naming_the_folder(root) == []
    assert not (root / "config" / "QtProject.conf").exists()


def test_every_file_dialog_of_the_gui_goes_through_the_one_module() -> None:
    ui = REPO / "delegate_app" / "ui"
    users = sorted(p.name for p in ui.rglob("*.py") if "QFileDialog" in p.read_text("utf-8"))
    assert users == ["file_dialogs.py"]


def test_the_first_dialog_opens_in_the_documents_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from delegate_app.ui import file_dialogs

    home = tmp_path / "home"
    documents = home / "Documents"
    documents.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))  # no user-dirs.dirs
    assert file_dialogs.first_folder() == str(documents)
    documents.rmdir()
    assert file_dialogs.first_folder() == str(home)
