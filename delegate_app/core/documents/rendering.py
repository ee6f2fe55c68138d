"""Turning stored bodies into safe HTML for the reader, and HTML into plain text for search.

Nothing remote is ever loaded: images are removed (a tracking pixel would tell an
adversary where a delegate is reading), as are scripts, styles, forms and frames.
Links keep their address as an ``href`` but the reader never follows them by itself.
"""

from __future__ import annotations

import functools
import html
import itertools
import re
from html.parser import HTMLParser
from typing import TYPE_CHECKING

import nh3

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "small", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto"}
_TITLE_TOKENS = frozenset({"text", "code_inline", "softbreak"})


@functools.cache
def _markdown() -> MarkdownIt:
    """The one Markdown parser, made on first use (the app starts without loading it)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def sanitize_html(markup: str) -> str:
    """Keep structure and text; drop scripts, styles, images, event handlers and remote loads."""
    return str(
        nh3.clean(
            markup,
            tags=ALLOWED_TAGS,
            clean_content_tags={"script", "style", "noscript", "template", "iframe", "object"},
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel="noopener noreferrer",
            strip_comments=True,
        )
    )


def markdown_to_html(text: str) -> str:
    return sanitize_html(_markdown().render(text))


def markdown_title(text: str) -> str | None:
    """The plain text of the first level-1 heading (ATX or underlined), else of the first
    heading of any level; None without headings. Code blocks are not mistaken for headings."""
    tokens = _markdown().parse(text)
    headings: list[tuple[int, str]] = []
    for opening, inline in itertools.pairwise(tokens):
        if opening.type != "heading_open" or inline.type != "inline":
            continue
        words = "".join(
            " " if child.type == "softbreak" else child.content
            for child in inline.children or ()
            if child.type in _TITLE_TOKENS
        )
        title = " ".join(words.split())
        if title:
            headings.append((int(opening.tag[1:]), title))
    return min(headings, key=lambda heading: heading[0])[1] if headings else None


def text_to_html(text: str) -> str:
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n".join(
        "<p>" + html.escape(paragraph).replace("\n", "<br>") + "</p>" for paragraph in paragraphs
    )


class _TextExtractor(HTMLParser):
    _BLOCK = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre"})
    _SKIP = frozenset({"script", "style", "noscript", "template", "head"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: str | None = None
        self.first_heading: str | None = None
        self._skip_depth = 0
        self._in_title = False
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip_depth += 1
        if tag == "title":
            self._in_title = True
        if tag == "h1" and self.first_heading is None:
            self._heading = []
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip_depth:
            self._skip_depth -= 1
        if tag == "title":
            self._in_title = False
        if tag == "h1" and self._heading is not None:
            self.first_heading = " ".join("".join(self._heading).split()) or None
            self._heading = None
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = ((self.title or "") + data).strip() or None
            return
        if self._skip_depth:
            return
        if self._heading is not None:
            self._heading.append(data)
        self.parts.append(data)


def plain_text(body_format: str, body: str) -> str:
    """The text of a stored body for the full-text index (HTML loses its markup; Markdown and
    a PDF's extracted text are indexed as they are, punctuation being no token)."""
    if body_format == "html":
        return html_text_and_title(body)[0]
    return body


def html_text_and_title(markup: str) -> tuple[str, str | None]:
    """Plain text of ``markup`` (for search) and its title (``<title>``, else the first h1)."""
    extractor = _TextExtractor()
    try:
        extractor.feed(markup)
        extractor.close()
    except AssertionError:
        # Python's HTMLParser (before 3.13) raises AssertionError on a bogus marked section
        # such as "<![i]>" or "<![ x". Read the sanitised markup instead: nh3 escapes such
        # debris into text, so the second parse cannot fail the same way.
        extractor = _TextExtractor()
        extractor.feed(sanitize_html(markup))
        extractor.close()
    text = re.sub(r"[ \t]+", " ", "".join(extractor.parts))
    text = re.sub(r"\n\s*\n+", "\n\n", text).strip()
    return text, extractor.title or extractor.first_heading
