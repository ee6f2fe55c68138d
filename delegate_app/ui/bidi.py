"""Mixing left-to-right and right-to-left text safely (Unicode bidirectional isolates).

Joining an English event name, an Arabic label and a date with separators lets the
bidirectional algorithm reorder the pieces across each other; isolating each piece keeps
every one intact and in place, in either interface direction.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"
LEFT_TO_RIGHT_MARK = "\u200e"
RIGHT_TO_LEFT_MARK = "\u200f"


# Embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) inside text from outside
# would close our isolate early or reorder what follows it, so they are taken out first.
_DIRECTIONAL_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def isolate(text: str) -> str:
    """``text`` as one isolated run whose own direction controls cannot leak out of it."""
    return f"{FIRST_STRONG_ISOLATE}{text.translate(_DIRECTIONAL_CONTROLS)}{POP_DIRECTIONAL_ISOLATE}"


def join_isolated(parts: Iterable[str], separator: str = " · ") -> str:
    """The parts, each isolated; give the line its direction with :func:`in_direction`."""
    return separator.join(isolate(part) for part in parts if part)


def in_direction(text: str, *, right_to_left: bool) -> str:
    """``text`` laid out in the interface's direction whatever script it starts with."""
    return (RIGHT_TO_LEFT_MARK if right_to_left else LEFT_TO_RIGHT_MARK) + text


def first_strong_right_to_left(text: str) -> bool | None:
    """Whether ``text``'s first strong character runs right to left (None: no strong one).

    This is how a paragraph of user text chooses its own direction (rules P2–P3 of the
    Unicode bidirectional algorithm), whatever the interface's direction is.
    """
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return False
        if kind in ("R", "AL"):
            return True
    return None


def one_line(text: str) -> str:
    """``text`` on one line (runs of whitespace and line breaks as one space)."""
    return " ".join(text.split())
