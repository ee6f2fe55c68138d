"""Locale-aware formatting (Babel) in the interface language that is active now."""

from __future__ import annotations

from datetime import UTC, datetime

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import format_time as babel_format_time
from babel.dates import format_timedelta
from babel.numbers import format_decimal
from babel.units import format_unit

from delegate_app.i18n import current_language

# Pseudo-locales have no CLDR data of their own.
_CLDR_FALLBACK = {"en_XA": "en"}
_SIZE_UNITS = (
    (1024**3, "digital-gigabyte"),
    (1024**2, "digital-megabyte"),
    (1024, "digital-kilobyte"),
)


def babel_locale(code: str | None = None) -> Locale:
    code = code or current_language()
    try:
        return Locale.parse(_CLDR_FALLBACK.get(code, code))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def format_datetime(moment: datetime, fmt: str = "medium") -> str:
    local = _aware(moment).astimezone()
    return str(babel_format_datetime(local, format=fmt, locale=babel_locale()))


def format_date(moment: datetime, fmt: str = "medium") -> str:
    local_date = _aware(moment).astimezone().date()
    return str(babel_format_date(local_date, format=fmt, locale=babel_locale()))


def format_time(moment: datetime, fmt: str = "short") -> str:
    local = _aware(moment).astimezone()
    return str(babel_format_time(local, format=fmt, locale=babel_locale()))


def format_relative_time(moment: datetime, now: datetime | None = None) -> str:
    """'3 hours ago' / 'in 2 days', in the active language."""
    now = _aware(now) if now is not None else datetime.now(UTC)
    delta = _aware(moment) - now
    return str(format_timedelta(delta, add_direction=True, locale=babel_locale()))


def format_number(value: float) -> str:
    return str(format_decimal(value, locale=babel_locale()))


def format_file_size(size: int) -> str:
    """Binary multiples named as CLDR digital units: '1.5 MB', '١٫٥ ميغابايت'."""
    for factor, unit in _SIZE_UNITS:
        if size >= factor:
            value = round(size / factor, 1)
            return str(format_unit(value, unit, length="short", locale=babel_locale()))
    return str(format_unit(size, "digital-byte", length="short", locale=babel_locale()))
