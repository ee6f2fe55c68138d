"""Locale-aware formatting follows the interface language (CLDR data through Babel)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from delegate_app import i18n
from delegate_app.core import formatting

MOMENT = datetime(2026, 3, 1, 14, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def utc_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("lang", "date", "clock"),
    [
        ("en", "Mar 1, 2026", "2:05\u202fPM"),
        ("fr", "1 mars 2026", "14:05"),
        ("ru", "1 мар. 2026\u202fг.", "14:05"),
        ("es", "1 mar 2026", "14:05"),
        ("zh_CN", "2026年3月1日", "14:05"),
        ("ar", "01\u200f/03\u200f/2026", "2:05 م"),
        ("en_XA", "Mar 1, 2026", "2:05\u202fPM"),
    ],
)
def test_dates_and_times(lang: str, date: str, clock: str) -> None:
    i18n.set_language(lang)
    assert formatting.format_date(MOMENT) == date
    assert formatting.format_time(MOMENT) == clock


def test_naive_datetimes_are_utc() -> None:
    i18n.set_language("fr")
    naive = MOMENT.replace(tzinfo=None)
    assert formatting.format_datetime(naive) == formatting.format_datetime(MOMENT)


@pytest.mark.parametrize(
    ("lang", "ago", "ahead"),
    [
        ("en", "3 hours ago", "in 2 days"),
        ("fr", "il y a 3 heures", "dans 2 jours"),
        ("ru", "3 часа назад", "через 2 дня"),
        ("es", "hace 3 horas", "dentro de 2 días"),
        ("zh_CN", "3小时前", "2天后"),
        ("ar", "قبل 3 ساعات", "خلال يومين"),
    ],
)
def test_relative_times(lang: str, ago: str, ahead: str) -> None:
    i18n.set_language(lang)
    assert formatting.format_relative_time(MOMENT - timedelta(hours=3), MOMENT) == ago
    assert formatting.format_relative_time(MOMENT + timedelta(days=2), MOMENT) == ahead


def test_just_now_is_translated() -> None:
    i18n.set_language("fr")
    assert formatting.format_relative_time(MOMENT - timedelta(seconds=10), MOMENT) == "à l'instant"
    i18n.set_language("ru")
    assert formatting.format_relative_time(MOMENT, MOMENT) == "только что"


@pytest.mark.parametrize(
    ("lang", "number", "percent", "duration"),
    [
        ("en", "1,234,567.5", "25%", "5 minutes"),
        ("fr", "1\u202f234\u202f567,5", "25\u00a0%", "5 minutes"),
        ("ru", "1\u00a0234\u00a0567,5", "25\u00a0%", "5 минут"),
        ("es", "1.234.567,5", "25\u00a0%", "5 minutos"),
        ("zh_CN", "1,234,567.5", "25%", "5分钟"),
        ("ar", "1,234,567.5", "25%", "5 دقائق"),
    ],
)
def test_numbers_percentages_durations(lang: str, number: str, percent: str, duration: str) -> None:
    i18n.set_language(lang)
    assert formatting.format_number(1234567.5) == number
    assert formatting.format_percentage(0.25) == percent
    assert formatting.format_duration(300) == duration


@pytest.mark.parametrize(
    ("lang", "sizes"),
    [
        ("en", ["0 bytes", "1 byte", "532 bytes", "1.5 kB", "1.5 MB", "2 GB"]),
        ("fr", ["0 octet", "1 octet", "532 octets", "1,5\u202fko", "1,5\u202fMo", "2\u202fGo"]),
        ("ru", ["0 байт", "1 байт", "532 байта", "1,5 кБ", "1,5 МБ", "2 ГБ"]),
        ("es", ["0 bytes", "1 byte", "532 bytes", "1,5 kB", "1,5 MB", "2 GB"]),
        ("zh_CN", ["0 字节", "1 字节", "532 字节", "1.5 kB", "1.5 MB", "2 GB"]),
        ("ar", ["صفر بايت", "بايت واحد", "532 بايتاً", "1.5 كيلوبايت", "1.5 م.ب", "2 غ.ب"]),
    ],
)
def test_file_sizes(lang: str, sizes: list[str]) -> None:
    i18n.set_language(lang)
    values = [0, 1, 532, 1_500, 1_500_000, 2_000_000_000]
    assert [formatting.format_file_size(value) for value in values] == sizes


def test_arabic_byte_counts_use_all_six_forms() -> None:
    i18n.set_language("ar")
    assert formatting.format_file_size(2) == "بايتان"
    assert formatting.format_file_size(7) == "7 بايتات"
    assert formatting.format_file_size(42) == "42 بايتاً"
    assert formatting.format_file_size(101) == "101 بايت"


def test_negative_file_size_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        formatting.format_file_size(-1)


@pytest.mark.parametrize(
    ("lang", "joined"),
    [
        ("en", "Geneva, Vienna, and New York"),
        ("fr", "Geneva, Vienna et New York"),
        ("ru", "Geneva, Vienna и New York"),
        ("ar", "Geneva وVienna وNew York"),
        ("zh_CN", "Geneva、Vienna和New York"),
    ],
)
def test_lists(lang: str, joined: str) -> None:
    i18n.set_language(lang)
    assert formatting.format_list(["Geneva", "Vienna", "New York"]) == joined


def test_text_direction_and_native_names() -> None:
    assert formatting.is_right_to_left("ar")
    assert not any(formatting.is_right_to_left(c) for c in ("en", "fr", "ru", "es", "zh_CN"))
    names = {c: formatting.native_language_name(c) for c in ("ar", "zh_CN", "fr", "ru", "es")}
    assert names == {
        "ar": "العربية",
        "zh_CN": "中文 (简体)",
        "fr": "Français",
        "ru": "Русский",
        "es": "Español",
    }


def test_unknown_code_formats_as_english() -> None:
    assert formatting.babel_locale("xx_YY").language == "en"
    assert formatting.babel_locale("en_XA").language == "en"
