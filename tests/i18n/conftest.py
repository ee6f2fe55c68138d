"""Language test fixtures: compiled catalogues; English again after every test."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from delegate_app import i18n

ROOT = Path(__file__).resolve().parents[2]


def load_tasks() -> ModuleType:
    """i18n/tasks.py is a script, not a package module: load it by path."""
    spec = importlib.util.spec_from_file_location("i18n_tasks", ROOT / "i18n" / "tasks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def tasks() -> ModuleType:
    return load_tasks()


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues(tasks: ModuleType) -> list[Path]:
    """The .mo files the app loads, compiled from the .po files as they are now."""
    written: list[Path] = tasks.compile_all()
    return written


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    """Every test starts and ends in English, left to right, without a Qt translator."""
    i18n.set_language(i18n.SOURCE_LANGUAGE)
    yield
    i18n.set_language(i18n.SOURCE_LANGUAGE)
    from PySide6.QtCore import QCoreApplication, QLocale, Qt
    from PySide6.QtGui import QGuiApplication

    from delegate_app.ui.language import LanguageManager

    translator = LanguageManager._qt_translator
    if translator is not None:
        QCoreApplication.removeTranslator(translator)
        LanguageManager._qt_translator = None
    QLocale.setDefault(QLocale("en_US"))
    app = QCoreApplication.instance()
    if isinstance(app, QGuiApplication):
        app.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
