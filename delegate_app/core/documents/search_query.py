"""Text for the full-text index, safe FTS5 queries from what a user types, and snippets.

The index uses SQLite's ``unicode61`` tokenizer (diacritics removed), which splits text at
spaces and punctuation. Two scripts need help before text reaches it, and the same help is
given to the user's query so both sides agree:

* Arabic: vowel marks (harakat) are not letters to ``unicode61``, so a vocalised word would
  fall apart into single letters. They are removed, with the tatweel, and the hamza forms of
  alef are folded into plain alef, so ``مُذَكِّرَة`` and ``مذكرة`` match each other.
* Chinese and Japanese are written without spaces, so a whole sentence would be one token.
  Each Han or kana character is indexed as its own token and a run of them in a query
  becomes a phrase: ``数据`` matches those two characters side by side anywhere. Snippets
  are put back together without the added spaces.
"""

from __future__ import annotations

import re
import unicodedata

HIGHLIGHT_START = "\x02"
HIGHLIGHT_END = "\x03"
MAX_QUERY_TERMS = 32
# Raise when index_text() changes, so existing vaults rebuild their index once.
INDEX_VERSION = 2

_CJK = (
    "\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\uff66-\uff9f\U00020000-\U0003134f"
)
_ARABIC_MARKS = re.compile("[\u0640\u064b-\u065f\u0670\u06d6-\u06ed]")
_ALEF_FORMS = str.maketrans({"\u0622": "\u0627", "\u0623": "\u0627", "\u0625": "\u0627",
                             "\u0671": "\u0627"})  # fmt: skip
_CJK_BOUNDARY = re.compile(rf"(?<=[{_CJK}])(?=\w)|(?<=\w)(?=[{_CJK}])")
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}])([\x02\x03]?) ([\x02\x03]?)(?=[{_CJK}])")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_QUERY_TOKEN = re.compile(rf"[{_CJK}]+|(?:(?![{_CJK}])\w)+")


def normalise_for_index(text: str) -> str:
    """NFC, Arabic vowel marks and tatweel removed, hamza forms of alef folded."""
    text = unicodedata.normalize("NFC", text)
    return _ARABIC_MARKS.sub("", text).translate(_ALEF_FORMS)


def index_text(text: str) -> str:
    """What the full-text index stores for ``text``: Arabic normalised, Han and kana characters
    spaced apart, control characters (which would confuse snippet markers) removed."""
    return _CJK_BOUNDARY.sub(" ", normalise_for_index(_CONTROL.sub(" ", text)))


def _word_terms(text: str, *, prefix: bool) -> list[str]:
    terms = []
    for token in _QUERY_TOKEN.findall(normalise_for_index(text)):
        if re.match(f"[{_CJK}]", token):
            terms.append('"' + " ".join(token) + '"')
        else:
            terms.append(f'"{token}"*' if prefix else token)
    return terms


def fts_query(user_text: str) -> str | None:
    """Every word becomes a quoted prefix term, all required: ``negot posi`` →
    ``"negot"* "posi"*``; a run of Chinese or Japanese characters becomes a phrase of single
    characters: ``数据`` → ``"数 据"``; words in double quotes are an exact phrase:
    ``"draft resolution"`` → ``"draft resolution"`` (whole words, side by side). FTS5 operators
    and punctuation in the input are plain text, so no input can raise a syntax error or change
    the query's meaning. None for no words."""
    terms: list[str] = []
    pieces = user_text.split('"')
    if len(pieces) % 2 == 0:  # an unpaired quote (a phrase still being typed) is plain text
        pieces[-2:] = [pieces[-2] + " " + pieces[-1]]
    for number, piece in enumerate(pieces):
        if number % 2 == 1:  # inside a pair of quotes
            words = _word_terms(piece, prefix=False)
            if words:
                terms.append('"' + " ".join(w.strip('"') for w in words) + '"')
        else:
            terms.extend(_word_terms(piece, prefix=True))
    return " ".join(terms[:MAX_QUERY_TERMS]) or None


def query_words(user_text: str) -> list[str] | None:
    """The words of a query for stem matching, lower-cased; None when it has an exact phrase or
    Chinese or Japanese characters (those match exactly only)."""
    if user_text.count('"') >= 2:  # a phrase: exact words only
        return None
    words = _QUERY_TOKEN.findall(normalise_for_index(user_text).lower())
    if not words or any(re.match(f"[{_CJK}]", word) for word in words):
        return None
    return words[:MAX_QUERY_TERMS]


def snippet_parts(snippet: str) -> tuple[tuple[str, bool], ...]:
    """Split an FTS5 snippet marked with STX/ETX into ``(text, highlighted)`` parts, taking out
    the spaces :func:`index_text` put between Han and kana characters."""
    snippet = _CJK_SPACE.sub(r"\1\2", snippet)
    parts: list[tuple[str, bool]] = []
    for piece in re.split(f"({HIGHLIGHT_START}.*?{HIGHLIGHT_END})", snippet, flags=re.S):
        if not piece:
            continue
        if piece.startswith(HIGHLIGHT_START) and piece.endswith(HIGHLIGHT_END):
            parts.append((piece[1:-1], True))
        else:
            parts.append((piece.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, ""), False))
    return tuple(parts)
