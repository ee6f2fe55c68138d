"""Locale-aware formatting (Babel, CLDR data) in the interface language that is active now.

Dates and times are shown in the computer's time zone; naive datetimes are taken as UTC.
Counted nouns in sentences go through ``ngettext`` and the catalogue's Plural-Forms; this
module covers what CLDR knows by itself: dates, times, relative times, durations, numbers,
percentages, file sizes, lists and text direction.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import format_time as babel_format_time
from babel.dates import format_timedelta
from babel.lists import format_list as babel_format_list
from babel.numbers import format_decimal, format_percent
from babel.units import format_unit

from delegate_app.i18n import _, current_language, ngettext

# Pseudo-locales have no CLDR data of their own.
_CLDR_FALLBACK = {"en_XA": "en"}
# Decimal (SI) multiples, as the CLDR "digital" units mean them: 1 kB = 1000 bytes.
_SIZE_UNITS = (
    (1000**4, "digital-terabyte"),
    (1000**3, "digital-gigabyte"),
    (1000**2, "digital-megabyte"),
    (1000, "digital-kilobyte"),
)
_JUST_NOW = timedelta(seconds=45)


def babel_locale(code: str | None = None) -> Locale:
    """The CLDR locale for ``code`` (default: the interface language); English if unknown."""
    return _parsed_locale(code or current_language())


@functools.lru_cache(maxsize=32)
def _parsed_locale(code: str) -> Locale:
    # Parsing checks the locale data files on disk: views format many dates per repaint.
    try:
        return Locale.parse(_CLDR_FALLBACK.get(code, code))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def is_right_to_left(code: str | None = None) -> bool:
    """Whether ``code``'s script runs right to left (Arabic)."""
    return babel_locale(code).character_order == "right-to-left"


def native_language_name(code: str) -> str:
    """The language's name in itself: 'Français', 'العربية', '中文 (简体)'."""
    # Simplified Chinese is named by its script, as language menus do.
    locale = Locale.parse("zh_Hans") if code == "zh_CN" else babel_locale(code)
    name = locale.get_display_name(locale) or code
    return name[:1].upper() + name[1:]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def format_datetime(moment: datetime, fmt: str = "medium") -> str:
    local = _aware(moment).astimezone()
    return str(babel_format_datetime(local, format=fmt, locale=babel_locale()))


def format_date(moment: datetime, fmt: str = "medium") -> str:
    local_date = _aware(moment).astimezone().date()
    return _format_local_date(local_date, fmt, current_language())


@functools.lru_cache(maxsize=4096)
def _format_local_date(day: date, fmt: str, code: str) -> str:
    # Lists format the same few dates on every repaint; the text depends on these three only.
    return str(babel_format_date(day, format=fmt, locale=babel_locale(code)))


def format_time(moment: datetime, fmt: str = "short") -> str:
    local = _aware(moment).astimezone()
    return str(babel_format_time(local, format=fmt, locale=babel_locale()))


def format_relative_time(moment: datetime, now: datetime | None = None) -> str:
    """'3 hours ago' / 'in 2 days' / 'just now', in the active language."""
    now = _aware(now) if now is not None else datetime.now(UTC)
    delta = _aware(moment) - now
    if abs(delta) < _JUST_NOW:
        # TRANSLATORS: a time less than a minute ago, as in "Up to date: just now".
        return _("just now")
    return str(format_timedelta(delta, add_direction=True, locale=babel_locale()))


Granularity = Literal["year", "month", "week", "day", "hour", "minute", "second"]


def format_duration(seconds: float, *, granularity: Granularity = "second") -> str:
    """A length of time: '5 minutes', '2 jours', '3 ساعات'."""
    delta = timedelta(seconds=seconds)
    return str(
        format_timedelta(delta, granularity=granularity, threshold=1.0, locale=babel_locale())
    )


def format_number(value: float) -> str:
    return str(format_decimal(value, locale=babel_locale()))


def format_percentage(fraction: float) -> str:
    """0.25 -> '25 %' (fr), '25%' (en)."""
    return str(format_percent(fraction, locale=babel_locale()))


def format_file_size(size: int) -> str:
    """'532 bytes', '1.5 MB', '1,5 Mo', '١٫٥ ميغابايت' (decimal multiples, one decimal)."""
    if size < 0:
        raise ValueError("a file size cannot be negative")
    locale = babel_locale()
    for factor, unit in _SIZE_UNITS:
        if size >= factor:
            value = round(size / factor, 1)
            return str(format_unit(value, unit, length="short", locale=locale, format="#,##0.#"))
    # CLDR's byte unit is missing or not inflected in some languages: the catalogue has it.
    # TRANSLATORS: a file size under 1000 bytes; {count} is already formatted ("532").
    text = ngettext("{count} byte", "{count} bytes", size)
    return text.format(count=format_decimal(size, locale=locale))


ListStyle = Literal["standard", "or"]


def format_list(items: Sequence[str], style: ListStyle = "standard") -> str:
    """'A, B and C' / 'A, B et C' / 'A وB وC'; style 'or' for alternatives."""
    return str(babel_format_list(list(items), style=style, locale=babel_locale()))
