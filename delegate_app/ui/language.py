"""Switching the interface language while the app runs, Arabic right-to-left included.

:meth:`LanguageManager.switch` changes the gettext catalogue behind ``_()``, installs
Qt's own ``qtbase`` translations (so standard dialogs and buttons follow), sets the
default ``QLocale`` and the layout direction, and has Qt deliver one
``QEvent.LanguageChange`` to every widget. Each widget then re-reads its texts in
``retranslate_ui()``, called from its ``changeEvent``: that is the whole contract.

The app calls :meth:`LanguageManager.apply_startup_language` once, before the first
window exists, and offers :meth:`LanguageManager.available_languages` in its
View → Language menu and in Preferences.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence

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
from PySide6.QtGui import QGuiApplication
from shiboken6 import Shiboken

from delegate_app import i18n
from delegate_app.core.errors import DelegateError
from delegate_app.core.policy import SUPPORTED_LANGUAGES, Policy, Source
from delegate_app.core.preferences import Preferences
from delegate_app.i18n import _

log = logging.getLogger(__name__)

PSEUDO_LOCALE_ENV = "DELEGATE_PSEUDO_LOCALE"

# The QLocale for each interface language. Arabic uses Modern Standard Arabic with
# Western digits, as Babel's "ar" does, so Qt widgets and our texts show the same digits.
QT_LOCALES = {
    "en": "en_US",
    "en_XA": "en_US",
    "ar": "ar_001",
    "zh_CN": "zh_CN",
    "fr": "fr_FR",
    "ru": "ru_RU",
    "es": "es_ES",
}
# The qtbase_<name>.qm catalogue PySide6 ships for each interface language.
QT_CATALOGUES = {
    "en": "qtbase_en",
    "en_XA": "qtbase_en",
    "ar": "qtbase_ar",
    "zh_CN": "qtbase_zh_CN",
    "fr": "qtbase_fr",
    "ru": "qtbase_ru",
    "es": "qtbase_es",
}
PSEUDO_NAME = "[Ƥšéûđö Éñĝļîšĥ]"


class UnknownLanguageError(DelegateError):
    """A language code Delegate has no interface translation for."""


class LanguageManager(QObject):
    """The app's interface language. One Qt translator for the whole application."""

    language_changed = Signal(str)

    _qt_translator: QTranslator | None = None  # shared: QCoreApplication's translators are global

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)

    @property
    def current(self) -> str:
        return i18n.current_language()

    # -- what may be chosen --------------------------------------------------------------------

    @staticmethod
    def available_languages(policy: Policy) -> list[tuple[str, str]]:
        """(code, native name) of each language the policy lets the user choose, in order.

        A locked ``default_language`` leaves only that language. The pseudo-locale is a
        translators' and developers' tool: offered only when ``DELEGATE_PSEUDO_LOCALE=1`` is set
        or it is already in use (``--lang en_XA``).
        """
        if policy.is_locked("default_language"):
            allowed: Sequence[str] = (policy.value("default_language"),)
        else:
            allowed = policy.value("allowed_languages")
        return [
            (code, language_name(code))
            for code in SUPPORTED_LANGUAGES
            if code in allowed and (code != i18n.PSEUDO_LANGUAGE or _pseudo_locale_offered())
        ]

    @staticmethod
    def startup_language(
        cli_lang: str | None,
        preferences: Preferences,
        policy: Policy,
        system_tags: Iterable[str] = (),
    ) -> str:
        """The language to start in.

        Within what the policy allows: ``--lang``, else the profile's saved choice, else the
        organisation's default when IT set one, else the system's language, else the policy
        default. A locked ``default_language`` always wins.
        """
        default = str(policy.value("default_language"))
        if policy.is_locked("default_language"):
            if cli_lang and cli_lang != default:
                log.warning("--lang ignored: the organisation set the interface language")
            return default
        allowed = [
            code for code in SUPPORTED_LANGUAGES if code in policy.value("allowed_languages")
        ]
        if cli_lang:
            if cli_lang in allowed:
                return cli_lang
            log.warning("--lang %s ignored: not one of %s", cli_lang, ", ".join(allowed))
        if preferences.language in allowed:
            return str(preferences.language)
        if policy.setting("default_language").source is Source.BUILT_IN:
            system = i18n.match_language(system_tags, allowed)
            if system is not None:
                return system
        return default if default in allowed else allowed[0]

    def apply_startup_language(
        self, cli_lang: str | None, preferences: Preferences, policy: Policy
    ) -> str:
        """Choose the start language (see :meth:`startup_language`), switch to it, return it."""
        tags = [*QLocale.system().uiLanguages(), *i18n.system_language_tags()]
        code = self.startup_language(cli_lang, preferences, policy, tags)
        if not self.switch(code) and code != i18n.SOURCE_LANGUAGE:
            self.switch(i18n.SOURCE_LANGUAGE)
        return self.current

    # -- switching -----------------------------------------------------------------------------

    def switch(self, code: str) -> bool:
        """Show the interface in ``code`` from now on; False when its catalogue is not installed.

        Every widget receives one ``LanguageChange`` event once control returns to the event
        loop; ``language_changed`` is emitted before that.
        """
        if code not in SUPPORTED_LANGUAGES:
            raise UnknownLanguageError(_("Unknown interface language {code}.").format(code=code))
        try:
            i18n.set_language(code)
        except OSError:
            log.warning("no compiled catalogue for %s; keeping %s", code, i18n.current_language())
            return False
        self._install_qt_translator(code)
        QLocale.setDefault(QLocale(QT_LOCALES[code]))
        app = QCoreApplication.instance()
        if isinstance(app, QGuiApplication):
            app.setLayoutDirection(layout_direction(code))
            from delegate_app.ui.script_fonts import apply_language_font

            apply_language_font(app, code)
        if app is not None:
            # Installing a translator already announces a change; Qt merges the two, so every
            # widget gets exactly one LanguageChange, also when only our catalogue changed.
            QCoreApplication.sendEvent(app, QEvent(QEvent.Type.LanguageChange))
        self.language_changed.emit(code)
        return True

    @classmethod
    def _install_qt_translator(cls, code: str) -> None:
        app = QCoreApplication.instance()
        if app is None:
            return
        loaded = QTranslator(app)
        translator: QTranslator | None = loaded
        if not loaded.load(QT_CATALOGUES[code], qt_translations_path()):
            log.warning("Qt has no %s catalogue; standard dialogs stay in English", code)
            loaded.deleteLater()
            translator = None
        old = LanguageManager._qt_translator
        if translator is not None:
            QCoreApplication.installTranslator(translator)
        LanguageManager._qt_translator = translator
        if old is not None and Shiboken.isValid(old):
            QCoreApplication.removeTranslator(old)
            old.deleteLater()


def _pseudo_locale_offered() -> bool:
    return (
        os.environ.get(PSEUDO_LOCALE_ENV) == "1" or i18n.current_language() == i18n.PSEUDO_LANGUAGE
    )


def language_name(code: str) -> str:
    """How the language menu names ``code``: in that language itself."""
    from delegate_app.core.formatting import native_language_name  # Babel: menus only

    return PSEUDO_NAME if code == i18n.PSEUDO_LANGUAGE else native_language_name(code)


def layout_direction(code: str) -> Qt.LayoutDirection:
    # Qt's own locale data, not Babel's: this runs before the first window is painted.
    return QLocale(QT_LOCALES.get(code, code)).textDirection()


def qt_translations_path() -> str:
    return QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
