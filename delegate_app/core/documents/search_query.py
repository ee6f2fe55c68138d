"""Turning what a user types into a safe FTS5 query, and FTS5 snippets into highlighted parts."""

from __future__ import annotations

import re

HIGHLIGHT_START = "\x02"
HIGHLIGHT_END = "\x03"
_TOKEN = re.compile(r"\w+", re.UNICODE)


def fts_query(user_text: str) -> str | None:
    """Every word becomes a quoted prefix term, all required: ``negot posi`` →
    ``"negot"* "posi"*``. Quotes and FTS5 operators in the input are plain text, so no
    input can raise a syntax error or change the query's meaning. None for no words."""
    words = _TOKEN.findall(user_text)
    if not words:
        return None
    return " ".join(f'"{word}"*' for word in words[:32])


def snippet_parts(snippet: str) -> tuple[tuple[str, bool], ...]:
    """Split an FTS5 snippet marked with STX/ETX into ``(text, highlighted)`` parts."""
    parts: list[tuple[str, bool]] = []
    for piece in re.split(f"({HIGHLIGHT_START}.*?{HIGHLIGHT_END})", snippet, flags=re.S):
        if not piece:
            continue
        if piece.startswith(HIGHLIGHT_START) and piece.endswith(HIGHLIGHT_END):
            parts.append((piece[1:-1], True))
        else:
            parts.append((piece.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, ""), False))
    return tuple(parts)
