"""The catalogue workflow: extract, update, pseudo-locale, compile, check. See docs/TRANSLATING.md.

    python i18n/tasks.py extract          # sources -> i18n/delegate.pot
    python i18n/tasks.py update           # .pot -> every i18n/<lang>.po, then en_XA.po
    python i18n/tasks.py pseudo           # .pot -> i18n/en_XA.po (generated, never edited)
    python i18n/tasks.py compile [DIR]    # .po -> DIR/<lang>/LC_MESSAGES/delegate.mo
    python i18n/tasks.py check            # stale .pot, incomplete or fuzzy catalogues, msgfmt
    python i18n/tasks.py todo [LANG...]   # what still needs translating, as JSON
    python i18n/tasks.py fill FILE.json   # merge translations written into that JSON
    python i18n/tasks.py stats            # translated / fuzzy / untranslated per language
    python i18n/tasks.py purge            # drop obsolete (#~) entries from every catalogue

Extraction uses Babel with the keywords and comment tag of

    pybabel extract -F i18n/babel.cfg -k _ -k N_ -k ngettext:1,2 -k pgettext:1c,2 \
        -k npgettext:1c,2,3 -c TRANSLATORS: --strip-comments --no-wrap .

but writes file names without line numbers and no creation date, so the template only changes
when a translatable string changes. Only the standard library and Babel are used, so setup.py
can run this file while building a wheel.
"""

from __future__ import annotations

import gettext
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "i18n"
MAPPING = I18N / "babel.cfg"
TEMPLATE = I18N / "delegate.pot"
DOMAIN = "delegate"
PROJECT = "Delegate"
TEAM = "Delegate translators"
# Shipped translations. English is the source language and has no catalogue.
LANGUAGES = ("ar", "zh_CN", "fr", "ru", "es")
PSEUDO = "en_XA"
KEYWORDS: dict[str, Any] = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
COMMENT_TAG = "TRANSLATORS:"
DEFAULT_OUT = ROOT / "delegate_app" / "locale"
WIDTH = 100

# Plural-Forms headers in the form translation tools (GNU gettext, Poedit, Weblate) know, so they
# can label each form. Babel's own table orders Arabic's last two forms differently.
PLURAL_FORMS = {
    "ar": (
        6,
        "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5)",
    ),
    "zh_CN": (1, "0"),
    "fr": (2, "(n > 1)"),
    "ru": (
        3,
        "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)",
    ),
    "es": (2, "(n != 1)"),
    PSEUDO: (2, "(n != 1)"),
}
# Babel has no CLDR data for the pseudo-locale; its catalogue is read as English.
BABEL_LOCALE = {PSEUDO: "en"}
PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)[^{}]*\}")


# -- reading and writing -------------------------------------------------------------------------


def _read(path: Path, lang: str | None = None) -> Catalog:
    locale = BABEL_LOCALE.get(lang, lang) if lang else None
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


def _render(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=WIDTH, sort_output=True, include_lineno=False)
    # Babel stamps the creation time; drop it so the files only change when strings do.
    lines = buffer.getvalue().split(b"\n")
    return b"\n".join(line for line in lines if not line.startswith(b'"POT-Creation-Date'))


def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def _set_headers(catalog: Catalog, lang: str) -> None:
    nplurals, expr = PLURAL_FORMS[lang]
    catalog.mime_headers = [("Plural-Forms", f"nplurals={nplurals}; plural={expr};")]
    catalog.project = PROJECT
    catalog.version = ""
    catalog.language_team = TEAM
    catalog.last_translator = TEAM
    catalog.msgid_bugs_address = ""
    catalog.header_comment = (
        f"# {lang} translation of {PROJECT}.\n"
        f"# This file is distributed under the same license as the {PROJECT} project."
    )


# -- extraction ----------------------------------------------------------------------------------


def _method_map() -> tuple[list[tuple[str, str]], dict[str, dict[str, Any]]]:
    with MAPPING.open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, filename=str(MAPPING))  # type: ignore[no-untyped-call]
    return method_map, options_map


def extract_catalog() -> Catalog:
    catalog = Catalog(project=PROJECT, version="", msgid_bugs_address="", fuzzy=False)
    catalog.header_comment = (
        f"# Translation template for {PROJECT}: generated by `make update-catalogues`.\n"
        "# Do not edit by hand; change the strings in the source code."
    )
    method_map, options_map = _method_map()
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT),
        method_map=method_map,
        options_map=options_map,
        keywords=KEYWORDS,
        comment_tags=(COMMENT_TAG,),
        strip_comment_tags=True,
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def extract() -> bool:
    return _write_if_changed(TEMPLATE, _render(extract_catalog()))


# -- updating ------------------------------------------------------------------------------------


def _revive(catalog: Catalog, template: Catalog) -> None:
    """Bring back translations of strings that were removed and have now returned.

    Strings that leave the sources stay in the catalogue as obsolete (``#~``) entries, so a
    string that moves between files while the code is reworked keeps its translation.
    """
    for message in template:
        if not message.id or catalog.get(message.id, message.context) is not None:
            continue
        key = _key(message)
        old = catalog.obsolete.pop(key[0] if key[1] is None else (key[0], key[1]), None)
        if old is not None and isinstance(old.id, str) == isinstance(message.id, str):
            catalog[message.id] = old


def update() -> list[str]:
    """Merge the template into every catalogue (changed strings become fuzzy), then en_XA."""
    template = _read(TEMPLATE)
    changed = []
    for lang in LANGUAGES:
        path = I18N / f"{lang}.po"
        catalog = _read(path, lang) if path.exists() else Catalog(locale=lang, domain=DOMAIN)
        _revive(catalog, template)
        catalog.update(template, update_creation_date=False)
        _set_headers(catalog, lang)
        if _write_if_changed(path, _render(catalog)):
            changed.append(path.name)
    if pseudo():
        changed.append(f"{PSEUDO}.po")
    return changed


# -- pseudo-locale -------------------------------------------------------------------------------

_ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "åƀçđéƒĝĥîĵķļɱñöƥʠŕšţûṽŵẋýžÅƁÇĐÉƑĜĤÎĴĶĻṀÑÖƤǪŔŠŢÛṼŴẊÝŽ",
)
_PADDING_WORDS = "one two three four five six seven eight nine ten".split()
_PROTECTED = re.compile(r"\{\{|\}\}|\{[^{}]*\}|<[^<>]*>|&[a-z]+;|%\([a-z_]+\)[a-z]|%[a-z]")


def pseudo_text(text: str) -> str:
    """'Settings' -> '[Šéţţîñĝš one two]': accented, ~35 % longer, bracketed.

    Placeholders (``{name}``), markup, entities and Qt mnemonics keep working: only plain
    letters are replaced, so a string that shows unaccented or without its brackets in the
    pseudo-locale was not translated or was clipped.
    """
    out: list[str] = []
    position = 0
    for match in _PROTECTED.finditer(text):
        out.append(text[position : match.start()].translate(_ACCENTED))
        out.append(match.group(0))
        position = match.end()
    out.append(text[position:].translate(_ACCENTED))
    target = max(1, round(len(text) * 0.35))
    padding: list[str] = []
    while len(" ".join(padding)) + 1 < target:
        padding.append(_PADDING_WORDS[len(padding) % len(_PADDING_WORDS)])
    body = "".join(out)
    tail = " " + " ".join(padding) if padding else ""
    # Keep a trailing newline or colon-space where the code expects it.
    stripped = body.rstrip("\n ")
    ending = body[len(stripped) :]
    return f"[{stripped}{tail}]{ending}"


def pseudo() -> bool:
    return _write_if_changed(I18N / f"{PSEUDO}.po", _pseudo_po(_read(TEMPLATE)))


def _pseudo_po(template: Catalog) -> bytes:
    catalog = Catalog(locale="en", domain=DOMAIN, fuzzy=False)
    for message in template:
        if not message.id:
            continue
        string: str | tuple[str, ...]
        if isinstance(message.id, tuple | list):
            string = tuple(pseudo_text(part) for part in message.id)
        else:
            string = pseudo_text(message.id)
        catalog.add(message.id, string, context=message.context, flags=message.flags)
    _set_headers(catalog, PSEUDO)
    catalog.header_comment = (
        f"# {PSEUDO}: pseudo-locale generated from the template by `make update-catalogues`.\n"
        "# Never edit by hand."
    )
    return _render(catalog)


# -- compiling -----------------------------------------------------------------------------------


def catalogue_languages() -> list[str]:
    return sorted(path.stem for path in I18N.glob("*.po"))


def compile_all(out_dir: Path = DEFAULT_OUT) -> list[Path]:
    """Write ``out_dir/<lang>/LC_MESSAGES/delegate.mo`` for every catalogue (fuzzy left out)."""
    written = []
    for lang in catalogue_languages():
        catalog = _read(I18N / f"{lang}.po", lang)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        target = out_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        _write_if_changed(target, buffer.getvalue())
        written.append(target)
    return written


# -- checking ------------------------------------------------------------------------------------


def _key(message: Message) -> tuple[str, str | None]:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return msgid, message.context


def _strings(message: Message) -> list[str]:
    value = message.string
    if isinstance(value, tuple | list):
        return [str(part or "") for part in value]
    return [str(value or "")]


def _names(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _single_value_forms(lang: str) -> set[int]:
    """Plural forms chosen for exactly one n: they may spell the number out ('one document')."""
    nplurals, expr = PLURAL_FORMS[lang]
    plural = gettext.c2py(expr)
    counts = [0] * nplurals
    for n in range(1000):
        counts[plural(n)] += 1
    return {index for index, count in enumerate(counts) if count == 1}


def _format_problem(text: str, names: set[str]) -> str | None:
    try:
        text.format(**dict.fromkeys(names, "x"))
    except (KeyError, IndexError, ValueError) as exc:
        return f"does not format ({type(exc).__name__}: {exc})"
    return None


def _placeholder_problems(message: Message, lang: str) -> list[str]:
    problems = []
    if "python-brace-format" in message.flags:
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        names = set().union(*(_names(text) for text in ids))
        for form in _strings(message):
            problem = _format_problem(form, names)
            if problem is not None:
                problems.append(problem)
    if isinstance(message.id, str):
        expected = _names(message.id)
        if _names(_strings(message)[0]) != expected:
            problems.append(f"placeholders differ from {sorted(expected)}")
        return problems
    expected = _names(message.id[0]) | _names(message.id[1])
    optional = _single_value_forms(lang)
    for index, form in enumerate(_strings(message)):
        found = _names(form)
        if found - expected:
            problems.append(f"form {index} has unknown placeholders {sorted(found - expected)}")
        elif index not in optional and found != expected:
            problems.append(f"form {index} lacks placeholders {sorted(expected - found)}")
    return problems


def find_problems(i18n_dir: Path = I18N, *, sources_template: bytes | None = None) -> list[str]:
    """Everything ``check`` reports, for the catalogues in ``i18n_dir``.

    ``sources_template`` is the template the sources give now (extracted when not given).
    """
    problems: list[str] = []
    template_path = i18n_dir / TEMPLATE.name
    fresh = _render(extract_catalog()) if sources_template is None else sources_template
    if not template_path.exists() or fresh != template_path.read_bytes():
        problems.append("i18n/delegate.pot is stale: run `make update-catalogues`")
    template = _read(template_path)
    template_keys = {_key(message) for message in template if message.id}
    pseudo_path = i18n_dir / f"{PSEUDO}.po"
    if pseudo_path.exists() and pseudo_path.read_bytes() != _pseudo_po(template):
        problems.append(f"{PSEUDO}.po differs from the template's: run `make update-catalogues`")
    for lang in (*LANGUAGES, PSEUDO):
        path = i18n_dir / f"{lang}.po"
        if not path.exists():
            problems.append(f"{path.name} is missing: run `make update-catalogues`")
            continue
        catalog = _read(path, lang)
        if (catalog.num_plurals, catalog.plural_expr) != PLURAL_FORMS[lang]:
            problems.append(f"{path.name}: Plural-Forms header is not {PLURAL_FORMS[lang]}")
        keys = set()
        for message in catalog:
            if not message.id:
                continue
            key = _key(message)
            keys.add(key)
            if message.fuzzy:
                problems.append(f"{path.name}: fuzzy (review it, then drop the flag): {key[0]!r}")
            elif not all(_strings(message)):
                problems.append(f"{path.name}: untranslated: {key[0]!r}")
            else:
                for problem in _placeholder_problems(message, lang):
                    problems.append(f"{path.name}: {key[0]!r}: {problem}")
        for missing in sorted(template_keys - keys, key=str):
            problems.append(f"{path.name}: missing {missing[0]!r}: run `make update-catalogues`")
        for extra in sorted(keys - template_keys, key=str):
            problems.append(f"{path.name}: obsolete {extra[0]!r}: run `make update-catalogues`")
        problems.extend(_msgfmt_problems(path))
    return problems


def check() -> int:
    problems = find_problems()
    for problem in problems[:200]:
        print(problem, file=sys.stderr)
    if problems:
        print(f"check-strings: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    count = sum(1 for message in _read(TEMPLATE) if message.id)
    print(f"check-strings: {count} strings, catalogues complete and current")
    return 0


def _msgfmt_problems(path: Path) -> list[str]:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return ["msgfmt not found: install GNU gettext (Debian package gettext)"]
    result = subprocess.run(  # noqa: S603 - a fixed tool on a file of ours
        [msgfmt, "--check", "--output-file", os.devnull, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        return []
    return [f"{path.name}: msgfmt --check: {line}" for line in result.stderr.splitlines()]


# -- translating in bulk ---------------------------------------------------------------------------


def todo(languages: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Untranslated and fuzzy entries per language, as a JSON-ready skeleton for ``fill``."""
    result: dict[str, list[dict[str, Any]]] = {}
    for lang in languages:
        catalog = _read(I18N / f"{lang}.po", lang)
        entries = []
        for message in catalog:
            if not message.id:
                continue
            strings = _strings(message)
            if not message.fuzzy and all(strings):
                continue
            entry: dict[str, Any] = {"msgid": _key(message)[0]}
            if message.context:
                entry["context"] = message.context
            if not isinstance(message.id, str):
                entry["msgid_plural"] = message.id[1]
                entry["forms"] = catalog.num_plurals
            if message.auto_comments:
                entry["comment"] = " ".join(message.auto_comments)
            if message.fuzzy and any(strings):
                entry["previous"] = list(strings) if len(strings) > 1 else strings[0]
            entry["msgstr"] = [""] * catalog.num_plurals if "msgid_plural" in entry else ""
            entries.append(entry)
        result[lang] = entries
    return result


def fill(data: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Write the ``msgstr`` values of a ``todo`` file into the catalogues (clearing 'fuzzy')."""
    changed = []
    for lang, entries in data.items():
        path = I18N / f"{lang}.po"
        catalog = _read(path, lang)
        for entry in entries:
            message = catalog.get(entry["msgid"], context=entry.get("context"))
            value = entry.get("msgstr")
            if message is None or not value:
                continue
            if isinstance(message.id, str) != isinstance(value, str):
                raise ValueError(f"{lang}: {entry['msgid']!r}: plural and singular mixed up")
            if not isinstance(value, str):
                if len(value) != catalog.num_plurals or not all(value):
                    needed = catalog.num_plurals
                    raise ValueError(f"{lang}: {entry['msgid']!r}: needs {needed} forms")
                value = tuple(value)
            message.string = value
            message.flags.discard("fuzzy")
        if _write_if_changed(path, _render(catalog)):
            changed.append(path.name)
    return changed


def purge() -> list[str]:
    changed = []
    for lang in LANGUAGES:
        path = I18N / f"{lang}.po"
        catalog = _read(path, lang)
        catalog.obsolete.clear()
        if _write_if_changed(path, _render(catalog)):
            changed.append(path.name)
    return changed


def stats() -> list[str]:
    lines = []
    for lang in (*LANGUAGES, PSEUDO):
        catalog = _read(I18N / f"{lang}.po", lang)
        done = fuzzy = missing = 0
        for message in catalog:
            if not message.id:
                continue
            strings = _strings(message)
            if message.fuzzy:
                fuzzy += 1
            elif all(strings):
                done += 1
            else:
                missing += 1
        lines.append(f"{lang:6} {done:5} translated {fuzzy:4} fuzzy {missing:4} untranslated")
    return lines


# -- command line --------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    command, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    if command == "extract":
        print("i18n/delegate.pot " + ("updated" if extract() else "unchanged"))
    elif command == "update":
        for name in update():
            print(f"i18n/{name} updated")
    elif command == "pseudo":
        print(f"i18n/{PSEUDO}.po " + ("updated" if pseudo() else "unchanged"))
    elif command == "compile":
        out = Path(args[0]).resolve() if args else DEFAULT_OUT
        for path in compile_all(out):
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    elif command == "check":
        return check()
    elif command == "todo":
        json.dump(todo(args or LANGUAGES), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    elif command == "fill" and len(args) == 1:
        for name in fill(json.loads(Path(args[0]).read_text(encoding="utf-8"))):
            print(f"i18n/{name} updated")
    elif command == "purge":
        for name in purge():
            print(f"i18n/{name} updated")
    elif command == "stats":
        print("\n".join(stats()))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
