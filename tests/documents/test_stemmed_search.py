"""Language-aware search: inflected and prefixed forms are found, exact forms rank first, and
different words that share their first letters do not flood the results."""

from __future__ import annotations

import pytest

from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import DocumentKind, ImportOptions
from delegate_app.core.documents.stemming import text_stems, word_stems
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Vault

DOCUMENTS = {
    # name: (language, text)
    "en-plural": ("en", "# Fisheries quotas\n\nThe agreements on quotas were signed.\n"),
    "en-exact": ("en", "# Fisheries\n\nThe agreement on quotas was signed.\n"),
    "en-other": ("en", "# Organs\n\nThe organization met; an organ of the assembly.\n"),
    "fr": ("fr", "# Pêche\n\nLes négociations sur les accords de pêche continuent.\n"),
    "es": ("es", "# Pesca\n\nLas negociaciones sobre los acuerdos de pesca siguen.\n"),
    "ru": ("ru", "# Рыболовство\n\nДелегации обсудили проект соглашения о квотах.\n"),
    "ru-water": ("ru", "# Ресурсы\n\nВода и водка — разные слова.\n"),
    "ar": ("ar", "# مصايد الأسماك\n\nوقعت الوفود والاتفاق بالإجماع.\n"),
    "untagged-fr": (None, "# Note\n\nNous soutenons les négociations.\n"),
}


@pytest.fixture
def library(vault: Vault, default_policy: Policy) -> Library:
    lib = Library(vault.db, default_policy)
    for name, (language, text) in DOCUMENTS.items():
        lib.import_bytes(
            f"{name}.md", text.encode(), ImportOptions(kind=DocumentKind.NOTE, language=language)
        )
    return lib


def _found(library: Library, query: str) -> list[str]:
    return [hit.document.title for hit in library.search(query)]


def _sources(library: Library, query: str) -> set[str]:
    by_title = {text.splitlines()[0].lstrip("# "): name for name, (_, text) in DOCUMENTS.items()}
    assert len(by_title) == len(DOCUMENTS)  # titles tell the documents apart
    return {by_title[title] for title in _found(library, query)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("agreement", {"en-plural", "en-exact"}),  # singular finds the plural
        ("agreements", {"en-plural", "en-exact"}),  # and the plural the singular
        # A query has no language, so its Latin words go through the English, French and
        # Spanish stemmers: the French word also finds its Spanish twin (the same stem once
        # accents are folded), and a document with no language is found too.
        ("négociation", {"fr", "es", "untagged-fr"}),
        ("negociacion", {"fr", "es", "untagged-fr"}),  # typed without the accent
        ("accord", {"fr"}),  # "accords": French plural
        ("соглашение", {"ru"}),  # Russian genitive "соглашения"
        ("соглашению", {"ru"}),  # dative in the query, genitive in the text
        ("اتفاق", {"ar"}),  # the text has "والاتفاق": conjunction and article attached
        ("الاتفاق", {"ar"}),
        ("بالاتفاق", {"ar"}),
        ("делегация", {"ru"}),  # plural in the text
    ],
)
def test_inflected_and_prefixed_forms_are_found(
    library: Library, query: str, expected: set[str]
) -> None:
    assert _sources(library, query) == expected


def test_exact_form_ranks_above_other_forms(library: Library) -> None:
    # "agreement" finds "agreements" exactly too (every word is also a prefix), so the plural is
    # what shows the ranking: "agreement" is no prefix of it.
    hits = library.search("agreements")
    assert [(hit.document.title, hit.exact) for hit in hits] == [
        ("Fisheries quotas", True),
        ("Fisheries", False),
    ]
    assert ("agreement", True) in hits[1].snippet_parts


def test_a_stem_match_is_highlighted_in_its_snippet(library: Library) -> None:
    (hit,) = library.search("соглашение")
    assert not hit.exact
    assert ("соглашения", True) in hit.snippet_parts
    assert "проект" in hit.snippet_text


def test_words_sharing_first_letters_do_not_flood(library: Library) -> None:
    assert _sources(library, "вода") == {"ru-water"}  # found exactly...
    assert all(hit.exact for hit in library.search("вода"))  # ...and not via водка's stem
    # "organ" finds its own document (by prefix, exactly), never anything through the stem
    # "organ" of unrelated words.
    assert {hit.exact for hit in library.search("organ")} == {True}
    assert word_stems("organization", "en").isdisjoint(word_stems("organ", "en"))


def test_every_word_is_required(library: Library) -> None:
    assert _sources(library, "agreement quotas") == {"en-plural", "en-exact"}
    assert _sources(library, "agreement pêche") == set()


def test_quoted_phrase_matches_exact_words_only(library: Library) -> None:
    assert _sources(library, '"the agreement on"') == {"en-exact"}
    assert _sources(library, '"the agreements on"') == {"en-plural"}
    assert _sources(library, '"agreement quotas"') == set()  # not side by side


def test_edit_and_delete_keep_stems_in_step(library: Library) -> None:
    (hit,) = [h for h in library.search("соглашение")]
    library.update(hit.document.id, body="Делегации обсудили договоры.")
    assert _sources(library, "соглашение") == set()
    assert _sources(library, "договор") == {"ru"}
    library.delete(hit.document.id)
    assert _sources(library, "договор") == set()


def test_upgraded_vault_indexes_stems_in_batches(vault: Vault, default_policy: Policy) -> None:
    lib = Library(vault.db, default_policy)
    for n in range(5):
        text = f"# Doc {n}\n\nПроект соглашения.\n"
        lib.import_bytes(f"{n}.md", text.encode(), ImportOptions(language="ru"))
    vault.db.execute("DELETE FROM documents_stems")  # as after the upgrade migration
    assert lib.stems_pending() == 5
    assert _found(lib, "соглашение") == []  # exact words only until the stems are back
    assert lib.index_stems(batch=2) == 2
    assert lib.stems_pending() == 3
    while lib.index_stems(batch=2):
        pass
    assert lib.stems_pending() == 0
    assert len(lib.search("соглашение")) == 5


def test_document_stems_follow_its_language() -> None:
    assert text_stems(["negotiations"], "en") == "negoti"
    assert text_stems(["négociations"], "fr") == "négoci"
    # No language: each Latin word goes through the English, French and Spanish stemmers.
    assert set(text_stems(["négociations"], None).split()) >= {"négoci"}
    assert text_stems(["2027"], None) == "2027"
    assert text_stems(["数据"], None) == ""


def test_phrase_queries_are_built_from_pairs_of_quotes_only() -> None:
    from delegate_app.core.documents.search_query import fts_query

    assert fts_query('"draft resolution" vote') == '"draft resolution" "vote"*'
    assert fts_query('"draft res') == '"draft"* "res"*'  # still being typed: prefixes
    assert fts_query('"a" "b" "c') == '"a" "b" "c"*'
    assert fts_query('""') is None
