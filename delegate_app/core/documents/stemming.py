"""Word stems for language-aware search: Snowball (PyStemmer) plus a light Arabic prefix rule.

A document's stems are indexed beside its exact words (``documents_stems``), so that a search
for *agreement* also finds *agreements*, *соглашение* finds *соглашения* and *الاتفاق* finds
*واتفاق*. Which stemmer a document's words go through is decided by its language when it has
one of the five stemmed UN languages (English, French, Spanish, Russian, Arabic), otherwise by
each word's script: Cyrillic as Russian, Arabic as Arabic, Latin through the English, French
and Spanish stemmers together. A query word goes through every stemmer of its script, since a
query has no declared language. Chinese and Japanese are not stemmed (they are matched as
phrases of characters, see ``search_query``).

Stems are matched as whole tokens, never as prefixes: a prefix of a stem would let different
words that share their first letters flood the results.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

import Stemmer

from delegate_app.core.documents.search_query import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    normalise_for_index,
)

# Raise when what a document's stems are changes, so existing vaults index them again.
STEMS_VERSION = 1
LATIN = ("english", "french", "spanish")
BY_LANGUAGE = {
    "en": ("english",),
    "fr": ("french",),
    "es": ("spanish",),
    "ru": ("russian",),
    "ar": ("arabic",),
}
# Larkey's light10 prefixes (the article, and و/ف/ب/ك/ل attached to it): Snowball's Arabic
# stemmer keeps a conjunction in front of the article (والاتفاق stays whole).
_ARABIC_PREFIXES = ("وال", "فال", "بال", "كال", "لل", "ال")
_MIN_ARABIC_STEM = 2
SNIPPET_WORDS = 16
SNIPPET_SCAN_CHARS = 256 * 1024  # a stem match further into a long body shows its start
_WORD = re.compile(r"(?:(?![_\d])\w)+|\d+")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f]")
_LATIN = re.compile("[a-zA-Z\u00c0-\u024f]")
_local = threading.local()  # PyStemmer objects are not thread-safe: one set per thread


def _stemmer(algorithm: str) -> Stemmer.Stemmer:
    cache: dict[str, Stemmer.Stemmer] | None = getattr(_local, "stemmers", None)
    if cache is None:
        cache = _local.stemmers = {}
    if algorithm not in cache:
        cache[algorithm] = Stemmer.Stemmer(algorithm)
    return cache[algorithm]


def _strip_arabic_prefix(word: str) -> str:
    """Light10: a leading و ("and") when three letters remain, then the article with what is
    attached to it when two remain."""
    if word.startswith("و") and len(word) - 1 >= 3:
        word = word[1:]
    for prefix in _ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= _MIN_ARABIC_STEM:
            return word[len(prefix) :]
    return word


def _algorithms_for(word: str, language: str | None) -> tuple[str, ...]:
    if language is not None:
        chosen = BY_LANGUAGE.get(language.split("-")[0].split("_")[0].lower())
        if chosen is not None:
            return chosen
    if _CYRILLIC.search(word):
        return ("russian",)
    if _ARABIC.search(word):
        return ("arabic",)
    if _LATIN.search(word):
        return LATIN
    return ()


def word_stems(word: str, language: str | None = None) -> set[str]:
    """The stems of one (already normalised, lower-cased) word; empty when its script has none.

    Digits are their own stem, so a number still matches in the stems index."""
    if word.isdigit():
        return {word}
    stems = set()
    for algorithm in _algorithms_for(word, language):
        source = _strip_arabic_prefix(word) if algorithm == "arabic" else word
        stems.add(_stemmer(algorithm).stemWord(source))
    return stems


def text_stems(texts: Iterable[str], language: str | None) -> str:
    """The stems of every word of ``texts``, each once, space-separated: what is indexed."""
    seen: set[str] = set()
    stems: set[str] = set()
    for text in texts:
        for word in _WORD.findall(normalise_for_index(text).lower()):
            if word not in seen:
                seen.add(word)
                stems |= word_stems(word, language)
    return " ".join(sorted(stems))


def stems_query(words: list[str]) -> str | None:
    """An FTS5 query over ``documents_stems``: each word by any of its stems, all words
    required. None when a word has no stem (its script has no stemmer)."""
    clauses = []
    for word in words:
        stems = word_stems(word)
        if not stems:
            return None
        clauses.append("(" + " OR ".join(f'"{stem}"' for stem in sorted(stems)) + ")")
    return " AND ".join(clauses) or None


def stem_snippet(texts: list[str], words: list[str], language: str | None) -> str:
    """A snippet of about ``SNIPPET_WORDS`` words around the first word of ``texts`` that shares
    a stem with a query word, that word marked as FTS5's snippet() marks its matches."""
    wanted = set().union(*(word_stems(word) for word in words))
    for text in texts:
        text = text[:SNIPPET_SCAN_CHARS]
        for match in _WORD.finditer(text):
            if word_stems(match.group().lower(), language) & wanted:
                return _window(text, match.start(), match.end())
    first = texts[0] if texts else ""
    return first[: SNIPPET_WORDS * 8]


def _window(text: str, start: int, end: int) -> str:
    before = [m.start() for m in _WORD.finditer(text, 0, start)][-SNIPPET_WORDS // 2 :]
    after = [m.end() for m in _WORD.finditer(text, end)][: SNIPPET_WORDS // 2]
    left = before[0] if before else start
    right = after[-1] if after else end
    return (
        ("…" if left > 0 else "")
        + text[left:start]
        + HIGHLIGHT_START
        + text[start:end]
        + HIGHLIGHT_END
        + text[end:right]
        + ("…" if right < len(text) else "")
    )
