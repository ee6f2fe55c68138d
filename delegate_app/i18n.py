"""The one translation module: ``_``, ``ngettext``, ``N_``, looked up at call time.

Qt-free, so the core and the CLI translate too. Because every lookup goes to the
translation active *now*, the interface language can change while the app runs;
GUI code re-reads its strings when :func:`add_language_listener` callbacks fire.
"""

from __future__ import annotations

import gettext
import threading
from collections.abc import Callable
from pathlib import Path

DOMAIN = "delegate"
SOURCE_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_lock = threading.Lock()
_current_code = SOURCE_LANGUAGE
_translation: gettext.NullTranslations = gettext.NullTranslations()
_listeners: list[Callable[[str], None]] = []


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return _translation.pgettext(context, message)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark ``message`` for extraction; translate it later with ``_()``."""
    return message


def load_translation(code: str) -> gettext.NullTranslations:
    if code == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[code])


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
