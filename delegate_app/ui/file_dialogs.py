"""File dialogs that leave no record of the folders the user visited.

Every ``QFileDialog`` writes its state when it is destroyed (static functions included, native
or not): the folders visited (``history``) and the last one (``lastVisited``), to
``QSettings(UserScope, "QtProject")``: ``~/.config/QtProject.conf`` on Linux, mode 0644 and
shared by every Qt program; the registry on Windows; a property list on macOS. Folder names
such as a negotiation's would stay there after Delegate is closed, locked or uninstalled.

Every dialog of the GUI therefore goes through this module, which

1. points Qt's settings store at a location that cannot be written, where that store is a file
   (Linux and other Unix systems), so nothing is written at all; and
2. before a dialog is destroyed, sets its folder to the home folder and clears its history, so
   what Qt writes where its store cannot be moved (the Windows registry, macOS preferences)
   names no folder but home.

The first dialog opens in the user's documents folder (home where there is none); the last
folder used is remembered in this process only, so the next dialog opens there.
"""

from __future__ import annotations

import os
from pathlib import Path

import shiboken6
from PySide6.QtCore import QDir, QSettings, QStandardPaths
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

#: A "directory" below which nothing can be created: Qt's settings writes fail there, silently.
UNWRITABLE = os.devnull

_last_folder: str | None = None
_redirected = False


def keep_dialog_state_in_memory() -> None:
    """Send Qt's own settings (file-dialog history) nowhere; idempotent, once per process."""
    global _redirected
    if _redirected:
        return
    for settings_format in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        # On Windows and macOS NativeFormat is the registry / CFPreferences, which setPath
        # does not move; step 2 of the module docstring covers them.
        QSettings.setPath(settings_format, QSettings.Scope.UserScope, UNWRITABLE)
    _redirected = True


def _run(dialog: QFileDialog) -> list[str]:
    global _last_folder
    try:
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        chosen = dialog.selectedFiles() if accepted else []
    finally:
        dialog.setDirectory(QDir.homePath())  # what Qt records as lastVisited
        dialog.setHistory([])
        shiboken6.delete(dialog)  # its destructor writes the (now neutral) state now
    if chosen:
        _last_folder = str(Path(chosen[0]).parent)
    return chosen


def first_folder() -> str:
    """Where the first dialog of a run opens: the user's documents folder, else home."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return documents if documents and Path(documents).is_dir() else QDir.homePath()


def _start(suggested: str) -> str:
    """``suggested`` (a file name, a full path or nothing) placed in the last folder used."""
    folder = Path(_last_folder or first_folder())
    if not suggested:
        return str(folder)
    path = Path(suggested)
    return str(path if path.is_absolute() else folder / path)


def _dialog(parent: QWidget | None, caption: str, suggested: str, name_filter: str) -> QFileDialog:
    keep_dialog_state_in_memory()
    return QFileDialog(parent, caption, _start(suggested), name_filter)


def open_file(parent: QWidget | None, caption: str, name_filter: str) -> str | None:
    """One existing file chosen by the user, or None."""
    dialog = _dialog(parent, caption, "", name_filter)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    chosen = _run(dialog)
    return chosen[0] if chosen else None


def open_files(parent: QWidget | None, caption: str, name_filter: str) -> list[str]:
    """Existing files chosen by the user (none if cancelled)."""
    dialog = _dialog(parent, caption, "", name_filter)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    return _run(dialog)


def save_file(parent: QWidget | None, caption: str, suggested: str, name_filter: str) -> str | None:
    """Where to save, or None. ``suggested`` is a file name or a full path."""
    dialog = _dialog(parent, caption, suggested, name_filter)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    chosen = _run(dialog)
    return chosen[0] if chosen else None
