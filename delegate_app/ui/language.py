"""Switching the interface language while the app runs, Arabic right-to-left included.

``switch`` changes the gettext catalogue used by ``_()``, installs Qt's own
translations (so standard dialogs follow), sets the layout direction, and sends
every window a ``LanguageChange`` event so each widget re-reads its texts in
``retranslate_ui``.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QLibraryInfo,
    QLocale,
    QObject,
    Qt,
    QTranslator,
    Signal,
)
from PySide6.QtWidgets import QApplication

from delegate_app import i18n
from delegate_app.core.formatting import babel_locale
from delegate_app.core.policy import SUPPORTED_LANGUAGES, Policy
from delegate_app.core.preferences import Preferences

RIGHT_TO_LEFT = {"ar"}
QT_LOCALE_NAMES = {"en_XA": "en", "zh_CN": "zh_CN"}
NATIVE_NAMES = {"en_XA": "[Ƥšéûđö Éñĝļîšĥ]"}


class LanguageManager(QObject):
    language_changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._qt_translator: QTranslator | None = None
        self.current = i18n.current_language()

    @staticmethod
    def available_languages(policy: Policy) -> list[tuple[str, str]]:
        allowed = [c for c in SUPPORTED_LANGUAGES if c in policy.value("allowed_languages")]
        return [(code, NATIVE_NAMES.get(code) or _native(code)) for code in allowed]

    @staticmethod
    def startup_language(cli_lang: str | None, preferences: Preferences, policy: Policy) -> str:
        """--lang wins, then the profile's choice, then the policy default; all within policy."""
        allowed = policy.value("allowed_languages")
        for candidate in (cli_lang, preferences.language, policy.value("default_language")):
            if candidate and candidate in allowed:
                return str(candidate)
        return str(allowed[0])

    def switch(self, code: str) -> None:
        try:
            i18n.set_language(code)
        except OSError:
            return  # catalogue missing: keep the current language
        self.current = code
        app = QCoreApplication.instance()
        if self._qt_translator is not None:
            QCoreApplication.removeTranslator(self._qt_translator)
            self._qt_translator = None
        qt_name = QT_LOCALE_NAMES.get(code, code)
        translator = QTranslator(self)
        path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if translator.load(f"qtbase_{qt_name}", path):
            QCoreApplication.installTranslator(translator)
            self._qt_translator = translator
        QLocale.setDefault(QLocale(qt_name))
        if isinstance(app, QApplication):
            app.setLayoutDirection(
                Qt.LayoutDirection.RightToLeft
                if code in RIGHT_TO_LEFT
                else Qt.LayoutDirection.LeftToRight
            )
            for widget in app.topLevelWidgets():
                QCoreApplication.sendEvent(widget, QEvent(QEvent.Type.LanguageChange))
        self.language_changed.emit(code)


def _native(code: str) -> str:
    locale = babel_locale(code)
    name = locale.get_display_name(locale) or code
    return name[:1].upper() + name[1:]
