"""Run Delegate's file dialogs in a process of their own, as a user would, and print the answers.

``python -m tests.gui.file_dialog_child MODE FOLDER``: each dialog opens in FOLDER and is
accepted programmatically with a file there, the way a user types a name and presses Open or
Save. MODE ``delegate`` uses ``delegate_app.ui.file_dialogs``; ``qt`` uses Qt's static
functions, as the GUI did before (the control: it shows what Qt records). The answers are
printed as one JSON list; the process then exits like the app does, destroying everything.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit

from delegate_app.ui import file_dialogs


def _answer_with(app: QApplication, path: Path) -> None:
    """When a file dialog is up, type ``path`` into its name field and accept it."""

    def attempt() -> None:
        dialog = app.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(20, attempt)
            return
        name = dialog.findChild(QLineEdit, "fileNameEdit")
        assert name is not None, "expected Qt's own (not a native) dialog offscreen"
        name.setText(str(path))
        dialog.accept()

    QTimer.singleShot(0, attempt)


def main(mode: str, folder: Path) -> int:
    app = QApplication(sys.argv[:1])
    QTimer.singleShot(20_000, lambda: app.exit(3))  # never hang a test run
    existing, new = folder / "card.txt", folder / "saved-card.txt"
    runs: list[tuple[Path, Callable[[], object]]]
    if mode == "delegate":
        runs = [
            (existing, lambda: file_dialogs.open_file(None, "Open", "Cards (*.txt)")),
            (existing, lambda: file_dialogs.open_files(None, "Import", "Cards (*.txt)")),
            (new, lambda: file_dialogs.save_file(None, "Save", "saved-card.txt", "Cards (*.txt)")),
        ]
    else:
        runs = [(existing, lambda: QFileDialog.getOpenFileName(None, "Open", str(folder))[0])]
    answers = []
    for answer, run in runs:
        _answer_with(app, answer)
        answers.append(run())
    print(json.dumps(answers))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
