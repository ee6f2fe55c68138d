"""A Chinese interface names a CJK sans-serif family as the font's fallback; others do not."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication

from delegate_app.ui.language import LanguageManager
from delegate_app.ui.script_fonts import CJK_SANS_SC, fallback_families

pytestmark = pytest.mark.gui


def test_fallbacks_are_the_installed_ones_best_first() -> None:
    installed = {"WenQuanYi Zen Hei", "Noto Sans CJK SC", "AR PL UKai CN"}
    assert fallback_families("zh_CN", installed) == ["Noto Sans CJK SC", "WenQuanYi Zen Hei"]
    assert fallback_families("ar", installed) == []


def test_switching_to_chinese_and_back_changes_the_app_fonts_fallbacks(
    qapp: QApplication,
) -> None:
    installed = set(QFontDatabase.families())
    # The test machine installs Debian's fonts-noto-cjk (Makefile APT_PACKAGES).
    assert "Noto Sans CJK SC" in installed
    languages = LanguageManager()
    try:
        languages.switch("zh_CN")
        families = QApplication.font().families()
        assert "Noto Sans CJK SC" in families
        assert families[0] not in CJK_SANS_SC  # Latin text keeps the interface's own family
        languages.switch("ar")
        assert not set(QApplication.font().families()) & set(CJK_SANS_SC)
    finally:
        languages.switch("en")
