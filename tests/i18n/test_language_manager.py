"""Live language switching with real widgets: texts in place, Qt's own strings, direction."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QLocale, Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from delegate_app import i18n
from delegate_app.core.policy import Policy, RawPolicy
from delegate_app.core.preferences import Preferences, load_preferences, save_preferences
from delegate_app.i18n import _, ngettext
from delegate_app.ui.language import PSEUDO_LOCALE_ENV, LanguageManager, UnknownLanguageError


class GreetingWidget(QWidget):
    """A widget that follows the contract: texts set in retranslate_ui, called on LanguageChange."""

    def __init__(self) -> None:
        super().__init__()
        self.title = QLabel()
        self.status = QLabel()
        self.button = QPushButton()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        layout = QVBoxLayout(self)
        for widget in (self.title, self.status, self.button, self.buttons):
            layout.addWidget(widget)
        self.retranslations = 0
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.retranslations += 1
        self.setWindowTitle(_("Preferences"))
        self.title.setText(_("Delegate is locked"))
        self.status.setText(
            ngettext("{count} document in the vault", "{count} documents in the vault", 5).format(
                count=5
            )
        )
        self.button.setText(_("&Unlock"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)


def _policy(
    locked: dict[str, object] | None = None, defaults: dict[str, object] | None = None
) -> Policy:
    return Policy.from_raw(RawPolicy("test", locked or {}, defaults or {}))


@pytest.fixture
def widget(qtbot: QtBot) -> GreetingWidget:
    shown = GreetingWidget()
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def _cancel_text(widget: GreetingWidget) -> str:
    return widget.buttons.button(QDialogButtonBox.StandardButton.Cancel).text()


def test_switch_retranslates_a_real_widget_in_place(qtbot: QtBot, widget: GreetingWidget) -> None:
    manager = LanguageManager()
    before = widget.retranslations
    with qtbot.waitSignal(manager.language_changed, timeout=2000) as signal:
        assert manager.switch("fr")
    assert signal.args == ["fr"]
    qtbot.waitUntil(lambda: widget.title.text() == "Delegate est verrouillé", timeout=2000)
    assert widget.windowTitle() == "Préférences"
    assert widget.button.text() == "&Déverrouiller"
    assert widget.status.text() == "5 documents dans le coffre"
    QApplication.processEvents()
    assert widget.retranslations == before + 1  # one LanguageChange, not one per cause

    manager.switch("ru")
    qtbot.waitUntil(lambda: widget.status.text() == "5 документов в хранилище", timeout=2000)
    assert manager.current == "ru"


def test_qt_standard_strings_follow(qtbot: QtBot, widget: GreetingWidget) -> None:
    manager = LanguageManager()
    assert _cancel_text(widget) == "Cancel"
    manager.switch("fr")
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Annuler"
    qtbot.waitUntil(lambda: _cancel_text(widget) == "Annuler", timeout=2000)
    manager.switch("zh_CN")
    qtbot.waitUntil(lambda: _cancel_text(widget) == "取消", timeout=2000)
    manager.switch("en")
    qtbot.waitUntil(lambda: _cancel_text(widget) == "Cancel", timeout=2000)
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"


def test_arabic_flips_the_layout_and_back(qtbot: QtBot, widget: GreetingWidget) -> None:
    manager = LanguageManager()
    manager.switch("ar")
    assert QApplication.layoutDirection() == Qt.LayoutDirection.RightToLeft
    qtbot.waitUntil(lambda: widget.isRightToLeft(), timeout=2000)
    qtbot.waitUntil(lambda: widget.title.text() == "Delegate مقفل", timeout=2000)
    assert widget.button.x() >= 0 and widget.title.isRightToLeft()
    manager.switch("fr")
    assert QApplication.layoutDirection() == Qt.LayoutDirection.LeftToRight
    qtbot.waitUntil(lambda: not widget.isRightToLeft(), timeout=2000)


def test_default_qlocale_follows_with_the_same_digits_as_babel(qtbot: QtBot) -> None:
    manager = LanguageManager()
    manager.switch("ar")
    assert QLocale().textDirection() == Qt.LayoutDirection.RightToLeft
    assert QLocale().toString(1234) == "1,234"  # Western digits, as Babel's "ar"
    manager.switch("fr")
    assert QLocale().toString(1.5, "f", 1) == "1,5"
    manager.switch("zh_CN")
    assert QLocale().language() == QLocale.Language.Chinese


def test_pseudo_locale_shows_brackets(qtbot: QtBot, widget: GreetingWidget) -> None:
    LanguageManager().switch("en_XA")
    qtbot.waitUntil(lambda: widget.title.text().startswith("[Đéļéĝåţé"), timeout=2000)
    assert widget.title.text().endswith("]")


def test_hidden_windows_are_retranslated_too(qtbot: QtBot) -> None:
    hidden = GreetingWidget()
    qtbot.addWidget(hidden)
    LanguageManager().switch("es")
    qtbot.waitUntil(lambda: hidden.title.text() == "Delegate está bloqueado", timeout=2000)


def test_unknown_language_is_refused(qtbot: QtBot) -> None:
    manager = LanguageManager()
    with pytest.raises(UnknownLanguageError, match="xx"):
        manager.switch("xx")
    assert manager.current == "en"


def test_missing_catalogue_keeps_the_language(
    qtbot: QtBot, widget: GreetingWidget, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    manager = LanguageManager()
    manager.switch("fr")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    with qtbot.assertNotEmitted(manager.language_changed):
        assert not manager.switch("ru")
    assert manager.current == "fr"
    assert _("&Quit") == "&Quitter"


def test_available_languages_in_native_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PSEUDO_LOCALE_ENV, raising=False)
    languages = LanguageManager.available_languages(_policy())
    assert languages == [
        ("en", "English"),
        ("ar", "العربية"),
        ("zh_CN", "中文 (简体)"),
        ("fr", "Français"),
        ("ru", "Русский"),
        ("es", "Español"),
    ]
    monkeypatch.setenv(PSEUDO_LOCALE_ENV, "1")
    with_pseudo = LanguageManager.available_languages(_policy())
    assert with_pseudo[-1] == ("en_XA", "[Ƥšéûđö Éñĝļîšĥ]")
    limited = _policy(defaults={"allowed_languages": ["fr", "ar"], "default_language": "fr"})
    assert [code for code, _name in LanguageManager.available_languages(limited)] == ["ar", "fr"]
    locked = _policy(locked={"default_language": "ru"})
    assert LanguageManager.available_languages(locked) == [("ru", "Русский")]


def test_startup_language_precedence() -> None:
    choose = LanguageManager.startup_language
    plain = _policy()
    saved_fr = Preferences(language="fr")
    assert choose("ar", saved_fr, plain) == "ar"  # --lang wins
    assert choose(None, saved_fr, plain) == "fr"  # then the profile's choice
    assert choose(None, Preferences(), plain, ["es_MX.UTF-8"]) == "es"  # then the system
    assert choose(None, Preferences(), plain, ["de_DE"]) == "en"  # then the built-in default
    assert choose("xx", Preferences(), plain) == "en"  # an unknown --lang is ignored

    org_default = _policy(defaults={"default_language": "ru"})
    assert choose(None, Preferences(), org_default, ["es_MX"]) == "ru"  # IT's default over system
    assert choose(None, saved_fr, org_default) == "fr"  # but not over the user's choice

    restricted = _policy(locked={"allowed_languages": ["en", "ar"]})
    assert choose("fr", saved_fr, restricted) == "en"  # neither --lang nor profile allowed
    assert choose(None, Preferences(language="ar"), restricted) == "ar"

    locked = _policy(locked={"default_language": "zh_CN"})
    assert choose("ar", Preferences(language="fr"), locked) == "zh_CN"


def test_apply_startup_language_uses_the_saved_preference(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "preferences.json"
    save_preferences(path, Preferences().with_language("ar"))
    manager = LanguageManager()
    assert manager.apply_startup_language(None, load_preferences(path), _policy()) == "ar"
    assert i18n.current_language() == "ar"
    assert QApplication.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert manager.apply_startup_language("es", load_preferences(path), _policy()) == "es"
    assert QApplication.layoutDirection() == Qt.LayoutDirection.LeftToRight


def test_one_qt_translator_however_many_managers(qtbot: QtBot) -> None:
    first, second = LanguageManager(), LanguageManager()
    first.switch("fr")
    second.switch("ru")
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Отмена"
    first.switch("es")
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancelar"
    assert first.current == second.current == "es"
