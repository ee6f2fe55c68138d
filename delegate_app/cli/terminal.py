"""Text from others on a terminal: control characters shown, never sent raw.

Names, titles, message and comment text come from cards and payloads anyone can write. A raw
ESC in them is a terminal command: ``ESC [2J`` clears the screen, ``ESC ]52;c;…`` (OSC 52)
writes the clipboard, ``ESC ]8;;URL`` makes a link, and C1 controls such as U+009B (CSI) do the
same in one character. ``printable`` replaces every C0 control except newline and tab, DEL,
every C1 control, the bidirectional embeddings, overrides and isolates (which would reorder the
line around them) and lone surrogates (which cannot be encoded) with a visible escape:
``\\x1b``, ``\\x9b``, ``\\u202e``. Newline and tab stay in text that may span lines (message,
comment and document text); ``one_line`` makes them visible too, for table cells and other
single-line fields. A backslash itself is printed as it is.

``delegatectl`` writes everything through :func:`printable_output`, so no command can forget;
JSON output escapes the same characters the JSON way (``\\u001b``), which keeps it valid and
the values unchanged.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 but tab and newline, DEL, C1
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_SURROGATES = "\ud800-\udfff"
_UNSAFE = re.compile(f"[{_CONTROLS}{_BIDI_CONTROLS}{_SURROGATES}]")
_UNSAFE_ON_ONE_LINE = re.compile(f"[\t\n{_CONTROLS}{_BIDI_CONTROLS}{_SURROGATES}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def printable(text: str) -> str:
    """``text`` with every terminal control made visible; newlines and tabs kept."""
    return _UNSAFE.sub(_escape, text)


def one_line(text: str) -> str:
    """``text`` for a single-line field: newlines and tabs made visible too."""
    return _UNSAFE_ON_ONE_LINE.sub(_escape, text)


def printable_json(serialised: str) -> str:
    """JSON text with the characters :func:`printable` escapes written as ``\\uXXXX``.

    Only string contents can hold them (JSON's own syntax is ASCII), and ``\\uXXXX`` is a
    valid JSON escape for the same character, so the document means what it meant.
    """
    return _UNSAFE.sub(_json_escape, serialised)


class PrintableStream:
    """A text stream that writes :func:`printable` text to the stream it wraps."""

    def __init__(self, stream: TextIO) -> None:
        self.wrapped = stream

    def write(self, text: str) -> int:
        self.wrapped.write(printable(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, isatty, encoding…
        return getattr(self.wrapped, name)


@contextmanager
def printable_output() -> Iterator[None]:
    """While the block runs, everything written to stdout and stderr is :func:`printable`."""
    out, err = sys.stdout, sys.stderr
    sys.stdout = PrintableStream(out)
    sys.stderr = PrintableStream(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
