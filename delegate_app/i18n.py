"""The one translation module: ``_``, ``ngettext``, ``pgettext``, ``N_``, looked up at call time.

Qt-free, so the core and the CLI translate too. Because every lookup goes to the
translation active *now*, the interface language can change while the app runs;
GUI code re-reads its strings when Qt delivers ``QEvent.LanguageChange`` (see
``delegate_app/ui/language.py``), other code may register a listener here.

Rules for strings (checked by ``make check-strings`` and ruff's INT rules):
named placeholders filled with ``.format()`` after the lookup, never f-strings or
concatenated fragments, and a ``# TRANSLATORS:`` comment just above the call where
the English alone does not tell a translator enough.
"""

from __future__ import annotations

import gettext
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

DOMAIN = "delegate"
SOURCE_LANGUAGE = "en"
PSEUDO_LANGUAGE = "en_XA"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_lock = threading.Lock()
_current_code = SOURCE_LANGUAGE
_translation: gettext.NullTranslations = gettext.NullTranslations()
_listeners: list[Callable[[str], None]] = []


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` for ``n`` (six forms in Arabic, three in Russian)."""
    return _translation.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` disambiguated by ``context`` ("verb", "menu"...) for translators."""
    return _translation.pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return _translation.npgettext(context, singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark ``message`` for extraction; translate it later with ``_()``."""
    return message


def load_translation(code: str) -> gettext.NullTranslations:
    """The catalogue for ``code``. Raises OSError when it is not installed."""
    if code == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[code])


def installed_languages() -> list[str]:
    """Codes with a compiled catalogue in the package, plus the source language."""
    found = {path.parent.parent.name for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    return sorted(found | {SOURCE_LANGUAGE})


def current_language() -> str:
    return _current_code


def set_language(code: str) -> None:
    """Switch every later lookup to ``code`` and tell the listeners. Raises OSError if absent."""
    global _current_code, _translation
    translation = load_translation(code)
    with _lock:
        _current_code = code
        _translation = translation
        listeners = list(_listeners)
    for listener in listeners:
        listener(code)


def add_language_listener(listener: Callable[[str], None]) -> None:
    with _lock:
        _listeners.append(listener)


def remove_language_listener(listener: Callable[[str], None]) -> None:
    with _lock:
        if listener in _listeners:
            _listeners.remove(listener)


# -- choosing a language from the system's preferences ----------------------------------------

# Chinese tags that mean Simplified Chinese; Traditional (zh_TW, zh_HK, zh_Hant) has no catalogue.
_SIMPLIFIED_CHINESE = {"zh", "zh_cn", "zh_sg", "zh_hans", "zh_hans_cn", "zh_hans_sg"}


def match_language(tags: Iterable[str], supported: Iterable[str]) -> str | None:
    """The first of ``tags`` ("fr-CA", "ar_EG.UTF-8", "zh-Hans-CN"...) we can show, or None.

    An exact match wins, then the same language in another region ("fr_CA" -> "fr"). The
    pseudo-locale is never chosen this way.
    """
    codes = [code for code in supported if code != PSEUDO_LANGUAGE]
    by_lower = {code.lower(): code for code in codes}
    for tag in tags:
        normal = tag.split(".", 1)[0].split("@", 1)[0].replace("-", "_").strip().lower()
        if not normal or normal in ("c", "posix"):
            continue
        if normal in by_lower:
            return by_lower[normal]
        language = normal.split("_", 1)[0]
        if language == "zh":
            if normal in _SIMPLIFIED_CHINESE and "zh_cn" in by_lower:
                return by_lower["zh_cn"]
            continue
        if language in by_lower:
            return by_lower[language]
    return None


def system_language_tags(environ: dict[str, str] | None = None) -> list[str]:
    """The user's languages from the POSIX environment, most preferred first."""
    env = os.environ if environ is None else environ
    tags: list[str] = []
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            tags.extend(part for part in value.split(":") if part)
            if name != "LANGUAGE":
                break
    return tags


def apply_system_language(
    allowed: Iterable[str] | None = None, environ: dict[str, str] | None = None
) -> str:
    """Switch to the user's language from the environment (LANGUAGE, LC_ALL, LANG...).

    For command-line tools: the first language in ``allowed`` (default: every installed
    catalogue) that the environment asks for, else the source language. Returns the code.
    """
    candidates = list(allowed) if allowed is not None else installed_languages()
    code = match_language(system_language_tags(environ), candidates) or SOURCE_LANGUAGE
    try:
        set_language(code)
    except OSError:
        code = SOURCE_LANGUAGE
        set_language(code)
    return code
