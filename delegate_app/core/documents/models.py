"""Documents as the rest of the app sees them: frozen dataclasses, no SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from delegate_app.i18n import N_


class DocumentKind(StrEnum):
    BRIEFING = "briefing"
    POSITION_PAPER = "position-paper"
    NOTE = "note"

    @property
    def label(self) -> str:
        """The untranslated label; pass it through ``_()`` to show it."""
        return _KIND_LABELS[self]


_KIND_LABELS = {
    DocumentKind.BRIEFING: N_("Briefing"),
    DocumentKind.POSITION_PAPER: N_("Position paper"),
    DocumentKind.NOTE: N_("Note"),
}


class BodyFormat(StrEnum):
    MARKDOWN = "markdown"
    HTML = "html"
    TEXT = "text"
    PDF = "pdf"


@dataclass(frozen=True)
class DocumentSummary:
    id: int
    uid: str
    kind: DocumentKind
    title: str
    event: str | None
    classification: str
    language: str | None
    author: str | None
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    is_read: bool
    has_pdf: bool


@dataclass(frozen=True)
class Document:
    summary: DocumentSummary
    body: str  # for a PDF document: the text extracted from it
    body_format: BodyFormat
    reading_position: float
    version: int


@dataclass(frozen=True)
class DocumentVersion:
    version: int
    title: str
    saved_at: datetime
    body: str


@dataclass(frozen=True)
class SearchHit:
    document: DocumentSummary
    snippet_parts: tuple[tuple[str, bool], ...]  # (text, highlighted)
    rank: float
    exact: bool = True  # False: found by another form of the words (their stems) only

    @property
    def snippet_text(self) -> str:
        return "".join(text for text, _ in self.snippet_parts)


@dataclass(frozen=True)
class ImportOptions:
    kind: DocumentKind = DocumentKind.BRIEFING
    event: str | None = None
    classification: str | None = None
    tags: tuple[str, ...] = ()
    language: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class ParsedDocument:
    """What an importer made of a file, before it is stored."""

    title: str
    body_format: BodyFormat
    body: str  # the stored body (sanitised HTML, Markdown, text, or a PDF's extracted text)
    search_text: str  # plain text for the full-text index
    pdf: bytes | None = None


@dataclass(frozen=True)
class DocumentExport:
    """What exporting a document writes: the bytes, their format and a file name to offer."""

    data: bytes
    file_format: BodyFormat  # PDF for an imported PDF; otherwise the body's own format
    suggested_name: str
