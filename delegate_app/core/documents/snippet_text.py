"""Snippets as plain text: the Markdown markup the index keeps (it indexes a Markdown body as
written) taken out of a snippet's parts, the highlights kept where they were.

Only markup is removed: heading and quote markers at the start of a line, list bullets,
emphasis and code marks around words, a link's or image's target (its text stays), table
pipes and horizontal rules. Snippets are fragments, so each part is cleaned on its own."""

from __future__ import annotations

import re

Parts = tuple[tuple[str, bool], ...]

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)"), r"\1"),  # [text](target), ![alt](src)
    (re.compile(r"\]\([^)\s]*\)?"), ""),  # a link's target cut off by the snippet's window
    (re.compile(r"(?m)^[ \t]*(?:#{1,6}|>+|[-*+]|\d+[.)])[ \t]+"), ""),  # headings, quotes, lists
    (re.compile(r"(?m)^[ \t]*(?:[-*_][ \t]*){3,}$"), ""),  # horizontal rules
    (re.compile(r"(?<![\w*])\*{1,3}(?=\S)|(?<=\S)\*{1,3}(?![\w*])"), ""),  # *emphasis*
    (re.compile(r"(?<!\w)_{1,3}(?=[^\s_])|(?<=[^\s_])_{1,3}(?!\w)"), ""),  # _emphasis_
    (re.compile(r"~~|`+"), ""),  # ~~strike~~, `code`
    (re.compile(r"(?<!\S)\[|\](?!\S)"), ""),  # a bracket of a link cut off by the window
    (re.compile(r"[ \t]*\|[ \t]*"), " "),  # table cells
    (re.compile(r"(?m)^[ \t]*(?::?-{3,}:?[ \t]*)+$"), ""),  # a table's header rule, piped away
)


def plain_parts(parts: Parts) -> Parts:
    """``parts`` without Markdown markup; parts left empty are dropped."""
    cleaned = []
    for text, marked in parts:
        for pattern, replacement in _RULES:
            text = pattern.sub(replacement, text)
        if text:
            cleaned.append((text, marked))
    return tuple(cleaned)
