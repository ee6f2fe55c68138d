"""The shipped catalogues: complete, well-formed, with correct plural forms and UN terminology."""

from __future__ import annotations

import gettext
import shutil
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from delegate_app import i18n
from delegate_app.i18n import _, ngettext

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "i18n"
TRANSLATED = ("ar", "zh_CN", "fr", "ru", "es")

FILE_MENU = {
    "ar": "&ملف",
    "zh_CN": "文件(&F)",
    "fr": "&Fichier",
    "ru": "&Файл",
    "es": "&Archivo",
    "en_XA": "[&Ƒîļé one]",
    "en": "&File",
}
# UN terminology for the document kinds the library is organised by.
TERMS = {
    "Position paper": {
        "fr": "Document de position",
        "ru": "Документ с изложением позиции",
        "ar": "ورقة موقف",
        "zh_CN": "立场文件",
        "es": "Documento de posición",
    },
    "Briefing": {
        "fr": "Note d'information",
        "ru": "Информационная записка",
        "ar": "مذكرة إحاطة",
        "zh_CN": "情况简报",
        "es": "Nota informativa",
    },
}


def _catalog(lang: str) -> Catalog:
    with (I18N / f"{lang}.po").open("rb") as handle:
        return read_po(handle, locale="en" if lang == "en_XA" else lang)


def _strings(message: Message) -> list[str]:
    value = message.string
    return [str(part) for part in value] if isinstance(value, tuple | list) else [str(value or "")]


def _template() -> Catalog:
    with (I18N / "delegate.pot").open("rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("lang", [*TRANSLATED, "en_XA", "en"])
def test_every_language_loads_and_translates(lang: str) -> None:
    i18n.set_language(lang)
    assert i18n.current_language() == lang
    assert _("&File") == FILE_MENU[lang]


def test_lookup_follows_the_language_switched_to_later() -> None:
    i18n.set_language("fr")
    assert _("&Quit") == "&Quitter"
    i18n.set_language("ru")
    assert _("&Quit") == "В&ыход"
    i18n.set_language("en")
    assert _("&Quit") == "&Quit"


def test_missing_catalogue_raises_and_keeps_the_language() -> None:
    i18n.set_language("fr")
    with pytest.raises(OSError):
        i18n.set_language("de")
    assert i18n.current_language() == "fr"
    assert _("&Quit") == "&Quitter"


def test_listeners_hear_each_switch() -> None:
    heard: list[str] = []
    i18n.add_language_listener(heard.append)
    try:
        i18n.set_language("es")
        i18n.set_language("ar")
    finally:
        i18n.remove_language_listener(heard.append)
    i18n.set_language("fr")
    assert heard == ["es", "ar"]


def test_installed_languages_are_the_compiled_catalogues() -> None:
    assert set(i18n.installed_languages()) >= {"en", "en_XA", *TRANSLATED}


RUSSIAN_RESULTS = {
    1: "1 результат",
    2: "2 результата",
    5: "5 результатов",
    11: "11 результатов",
    21: "21 результат",
    100: "100 результатов",
    0: "0 результатов",
}
ARABIC_RESULTS = {
    1: "نتيجة واحدة",
    2: "نتيجتان",
    5: "5 نتائج",
    11: "11 نتيجةً",
    21: "21 نتيجةً",
    100: "100 نتيجة",
    0: "لا نتائج",
}


@pytest.mark.parametrize(("lang", "expected"), [("ru", RUSSIAN_RESULTS), ("ar", ARABIC_RESULTS)])
def test_plural_forms_pick_the_right_form(lang: str, expected: dict[int, str]) -> None:
    i18n.set_language(lang)
    for count, text in expected.items():
        assert ngettext("{count} result", "{count} results", count).format(count=count) == text


def test_russian_and_arabic_plural_forms_for_days() -> None:
    singular = "New messages in this conversation disappear after {days} day."
    plural = "New messages in this conversation disappear after {days} days."
    i18n.set_language("ru")
    endings = {n: ngettext(singular, plural, n).format(days=n).split()[-1] for n in (1, 3, 7, 21)}
    assert endings == {1: "день.", 3: "дня.", 7: "дней.", 21: "день."}
    i18n.set_language("ar")
    assert ngettext(singular, plural, 2).endswith("بعد يومين.")
    assert ngettext(singular, plural, 12).format(days=12).endswith("12 يوماً.")


def test_plural_forms_headers(tasks: ModuleType) -> None:
    expected_counts = {"ar": 6, "ru": 3, "zh_CN": 1, "fr": 2, "es": 2, "en_XA": 2}
    for lang, count in expected_counts.items():
        catalog = _catalog(lang)
        assert catalog.num_plurals == count
        assert (catalog.num_plurals, catalog.plural_expr) == tasks.PLURAL_FORMS[lang]
        mo = I18N.parent / "delegate_app" / "locale" / lang / "LC_MESSAGES" / "delegate.mo"
        with mo.open("rb") as handle:
            plural = gettext.GNUTranslations(handle).plural  # type: ignore[attr-defined]
        assert plural(1) == (0 if lang in ("ru", "zh_CN", "fr", "es", "en_XA") else 1)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalogue_is_complete_and_reviewed(lang: str) -> None:
    template_ids = {message.id if isinstance(message.id, str) else message.id[0]
                    for message in _template() if message.id}  # fmt: skip
    catalog = _catalog(lang)
    ids = set()
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        ids.add(key)
        strings = _strings(message)
        assert not message.fuzzy, key
        assert all(strings), key
        if not isinstance(message.id, str):
            assert len(strings) == catalog.num_plurals, key
    assert ids == template_ids


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_translation_formats_with_the_source_placeholders(lang: str) -> None:
    catalog = _catalog(lang)
    for message in catalog:
        if not message.id or "python-brace-format" not in message.flags:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        values = {name: "x" for text in ids for name in _placeholder_names(text)}
        strings = _strings(message)
        for text in strings:
            text.format(**values)  # raises on a stray brace or an unknown name


def _placeholder_names(text: str) -> list[str]:
    import string

    return [name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name]


@pytest.mark.parametrize("term", sorted(TERMS))
def test_un_terminology(term: str) -> None:
    for lang, expected in TERMS[term].items():
        i18n.set_language(lang)
        assert _(term) == expected


def test_pseudo_locale_covers_every_message() -> None:
    template = {(message.id if isinstance(message.id, str) else message.id[0], message.context)
                for message in _template() if message.id}  # fmt: skip
    pseudo = _catalog("en_XA")
    for message in pseudo:
        if not message.id:
            continue
        strings = _strings(message)
        for text in strings:
            assert text.startswith("[") and "]" in text, text
    covered = {(message.id if isinstance(message.id, str) else message.id[0], message.context)
               for message in pseudo if message.id}  # fmt: skip
    assert covered == template


def test_pseudo_text_is_accented_longer_and_keeps_placeholders(tasks: ModuleType) -> None:
    assert tasks.pseudo_text("Settings") == "[Šéţţîñĝš one]"
    text = tasks.pseudo_text("Imported {count} documents from <b>{name}</b>.")
    assert "{count}" in text and "{name}" in text and "<b>" in text and "</b>" in text
    assert text.format(count=3, name="x").startswith("[Îɱƥöŕţéđ 3")
    long = "A message that is long enough to measure the padding on"
    assert len(tasks.pseudo_text(long)) >= 1.35 * len(long)
    assert tasks.pseudo_text("Passphrase: ").endswith("] ")


def test_shipped_catalogues_pass_the_checker(tasks: ModuleType) -> None:
    """Everything but the staleness of the template, which other work in progress may change."""
    template = (I18N / "delegate.pot").read_bytes()
    assert tasks.find_problems(I18N, sources_template=template) == []


def test_checker_reports_each_kind_of_problem(tasks: ModuleType, tmp_path: Path) -> None:
    for path in I18N.glob("*.po*"):
        shutil.copy(path, tmp_path / path.name)
    french = tasks._read(tmp_path / "fr.po", "fr")
    singles = [m for m in french if m.id and isinstance(m.id, str)]
    plain = next(m for m in singles if "{" not in m.id)
    with_name, fuzzy = [m for m in singles if m.id.count("{") == 1][:2]
    plain.string = ""
    name = _placeholder_names(with_name.id)[0]
    with_name.string = str(with_name.string).replace("{" + name + "}", "{misspelt}")
    fuzzy.flags.add("fuzzy")
    (tmp_path / "fr.po").write_bytes(tasks._render(french))
    spanish = tasks._read(tmp_path / "es.po", "es")
    broken = next(m for m in spanish if m.id and isinstance(m.id, str) and "{" in m.id)
    broken.string = str(broken.string) + " {"
    (tmp_path / "es.po").write_bytes(tasks._render(spanish))
    (tmp_path / "ru.po").unlink()
    pseudo = tmp_path / "en_XA.po"
    pseudo.write_bytes(pseudo.read_bytes().replace(b"one two", b"one two three"))

    problems = tasks.find_problems(tmp_path, sources_template=b"stale")
    text = "\n".join(problems)
    assert "delegate.pot is stale" in text
    assert f"fr.po: untranslated: {plain.id!r}" in text
    assert f"fr.po: fuzzy (review it, then drop the flag): {fuzzy.id!r}" in text
    assert f"fr.po: {with_name.id!r}: placeholders differ" in text
    assert f"es.po: {broken.id!r}: does not format" in text
    assert "ru.po is missing" in text
    assert "en_XA.po differs from the template's" in text
    assert "fr.po: msgfmt --check" in text  # GNU msgfmt sees the misspelt placeholder too


def test_arabic_single_value_forms_may_spell_the_number(tasks: ModuleType) -> None:
    assert tasks._single_value_forms("ar") == {0, 1, 2}
    assert tasks._single_value_forms("ru") == set()


def test_compile_writes_every_catalogue(tasks: ModuleType, tmp_path: Path) -> None:
    written = tasks.compile_all(tmp_path)
    assert {path.parent.parent.name for path in written} == {*TRANSLATED, "en_XA"}
    french = gettext.translation("delegate", localedir=tmp_path, languages=["fr"])
    assert french.gettext("&Lock") == "&Verrouiller"


def test_match_language_from_system_tags() -> None:
    supported = ("en", "ar", "zh_CN", "fr", "ru", "es", "en_XA")
    assert i18n.match_language(["fr-CA"], supported) == "fr"
    assert i18n.match_language(["ar_EG.UTF-8"], supported) == "ar"
    assert i18n.match_language(["zh-Hans-CN"], supported) == "zh_CN"
    assert i18n.match_language(["zh_TW", "de", "es_MX"], supported) == "es"
    assert i18n.match_language(["C", "POSIX", "de_DE"], supported) is None
    assert i18n.match_language(["en_XA"], ("fr", "en_XA")) is None
    assert i18n.match_language(["ru_RU"], ("en", "fr")) is None


def test_system_language_tags_follow_posix_order() -> None:
    env = {"LANGUAGE": "fr_CA:ar", "LANG": "ru_RU.UTF-8", "LC_ALL": "es_ES.UTF-8"}
    assert i18n.system_language_tags(env) == ["fr_CA", "ar", "es_ES.UTF-8"]
    assert i18n.system_language_tags({"LANG": "zh_CN.UTF-8"}) == ["zh_CN.UTF-8"]
    assert i18n.system_language_tags({}) == []


def test_command_line_tools_follow_the_environment() -> None:
    assert i18n.apply_system_language(environ={"LANG": "ru_RU.UTF-8"}) == "ru"
    assert _("&Quit") == "В&ыход"
    assert i18n.apply_system_language(["en", "fr"], {"LANGUAGE": "ar:fr", "LANG": "C"}) == "fr"
    assert i18n.apply_system_language(environ={"LANG": "de_DE.UTF-8"}) == "en"
    assert i18n.apply_system_language(["de"], {"LANG": "de_DE"}) == "en"  # no such catalogue
