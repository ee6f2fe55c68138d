"""Colours for classification markings (banner on the reader, chip in the document list).

Markings are configured by the organisation's policy, so colours are chosen by the words a
marking contains (English and French forms), the most restrictive word first. A marking with
no known word gets a neutral purple that is not used for any level.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MarkingColours:
    foreground: str  # text, and the banner's rule
    background: str  # banner and chip fill


_BY_WORD: tuple[tuple[tuple[str, ...], MarkingColours], ...] = (
    (("top secret", "très secret", "tres secret"), MarkingColours("#7a3300", "#ffe3c2")),
    (("secret",), MarkingColours("#8e1b1b", "#fde2e2")),
    (("confidential", "confidentiel"), MarkingColours("#123f7a", "#dde9fb")),
    (("restricted", "restreint", "official", "sensitive"), MarkingColours("#6b4e00", "#fbefc7")),
    (("unclassified", "public", "non classifié", "non classifie"),
     MarkingColours("#1d5b2a", "#dff3e3")),
)  # fmt: skip
UNKNOWN = MarkingColours("#4a2a6b", "#efe4f8")


def marking_colours(marking: str) -> MarkingColours:
    text = marking.casefold()
    for words, colours in _BY_WORD:
        if any(word in text for word in words):
            return colours
    return UNKNOWN
