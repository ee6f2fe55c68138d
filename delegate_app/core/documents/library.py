"""The briefing library: import, list, read, search, edit and export documents in the vault."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from delegate_app.core.documents import importers
from delegate_app.core.documents.errors import (
    ClassificationRequiredError,
    ExportForbiddenError,
    ImportRefusedError,
    InvalidDetailsError,
)
from delegate_app.core.documents.export import suggested_file_name, write_export
from delegate_app.core.documents.markings import (
    classification_required,
    default_marking,
    export_warning,
    markings,
)
from delegate_app.core.documents.models import (
    BodyFormat,
    Document,
    DocumentExport,
    DocumentKind,
    DocumentSummary,
    DocumentVersion,
    ImportOptions,
    SearchHit,
)
from delegate_app.core.documents.removal import SharingState
from delegate_app.core.documents.rendering import (
    markdown_to_html,
    plain_text,
    sanitize_html,
    text_to_html,
)
from delegate_app.core.documents.search_query import fts_query, query_words, snippet_parts
from delegate_app.core.documents.snippet_text import plain_parts
from delegate_app.core.documents.stemming import stem_snippet, stems_query
from delegate_app.core.documents.store import DocumentFilters, DocumentStore, ExactRow
from delegate_app.core.policy import Policy
from delegate_app.core.search_paging import Part, clamp, page
from delegate_app.core.vault import Database
from delegate_app.i18n import _

Progress = Callable[[int, int], None]
READ_CHUNK = 1024 * 1024
MAX_TITLE = 500
MAX_EVENT = 200
MAX_TAGS = 50
MAX_TAG = 100
MAX_LANGUAGE = 32  # as a shared document's ``language`` (docs/PROTOCOL.md)
# The six official languages of the United Nations, the codes the import dialog offers; any
# other language is recorded as "other" (its words are then stemmed by their script).
UN_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
OTHER_LANGUAGE = "other"


def export_allowed(policy: Policy) -> bool:
    """Whether documents may leave the vault, by the policy setting ``export_allowed``.

    Users have no switch of their own for it, so the organisation's value is followed whether
    it is locked or only a default (see docs/DEPLOYMENT.md).
    """
    return bool(policy.value("export_allowed"))


def require_export_allowed(policy: Policy) -> None:
    """Raise :class:`ExportForbiddenError` when the policy forbids export."""
    if not export_allowed(policy):
        raise ExportForbiddenError(
            _("Your organisation does not allow documents to be exported from the vault.")
        )


MAX_SEARCH_LIMIT = 500


def _exact_hits(part: Part[ExactRow]) -> Part[SearchHit]:
    def fetch(offset: int, limit: int) -> builtins.list[SearchHit]:
        return [
            SearchHit(
                document=summary, snippet_parts=plain_parts(snippet_parts(snippet)), rank=rank
            )
            for summary, snippet, rank in part.fetch(offset, limit)
        ]

    return Part(fetch, part.count)


class Library:
    def __init__(self, db: Database, policy: Policy) -> None:
        self._store = DocumentStore(db)
        self._policy = policy
        if not self._store.index_is_current():
            self._store.rebuild_index()
        if not self._store.stems_are_current():
            self._store.reset_stems()  # instant: the stems come back through index_stems()

    # -- import ----------------------------------------------------------------------------

    @property
    def max_import_bytes(self) -> int:
        return int(self._policy.value("max_import_mb")) * 1024 * 1024

    def classifications(self) -> tuple[str, ...]:
        """The markings offered, lowest level first (docs/DEPLOYMENT.md)."""
        return markings(self._policy)

    @property
    def default_classification(self) -> str:
        """The marking an import gets when none is named (policy ``default_classification``)."""
        return default_marking(self._policy)

    @property
    def classification_required(self) -> bool:
        """Whether an import must name its marking (policy ``require_classification``)."""
        return classification_required(self._policy)

    def _classification(self, requested: str | None) -> str:
        allowed = self.classifications()
        if requested is None or not requested.strip():
            if self.classification_required:
                raise ClassificationRequiredError(
                    _("Your organisation requires a classification for every document.")
                )
            return self.default_classification
        for marking in allowed:
            if marking.casefold() == requested.strip().casefold():
                return marking
        raise InvalidDetailsError(
            _("Unknown classification {marking}; use one of: {allowed}.").format(
                marking=requested, allowed=", ".join(allowed)
            )
        )

    def import_file(
        self,
        path: Path,
        options: ImportOptions | None = None,
        progress: Progress | None = None,
    ) -> DocumentSummary:
        """Read ``path`` into memory (refusing over-size files before reading) and import it."""
        try:
            size = path.stat().st_size
            if size > self.max_import_bytes:
                raise ImportRefusedError(
                    _("{name} is larger than the {limit} MB your organisation allows.").format(
                        name=path.name, limit=self.max_import_bytes // (1024 * 1024)
                    )
                )
            chunks: builtins.list[bytes] = []
            read = 0
            with path.open("rb") as handle:
                while chunk := handle.read(READ_CHUNK):
                    chunks.append(chunk)
                    read += len(chunk)
                    if progress is not None:
                        progress(read, max(size, read))
                    if read > self.max_import_bytes:
                        break
        except OSError as exc:
            raise ImportRefusedError(
                _("{name} cannot be read: {reason}.").format(
                    name=path.name, reason=exc.strerror or exc
                )
            ) from None
        return self.import_bytes(path.name, b"".join(chunks), options)

    def import_bytes(
        self, filename: str, data: bytes, options: ImportOptions | None = None
    ) -> DocumentSummary:
        options = options or ImportOptions()
        classification = self._classification(options.classification)
        event, tags = _event(options.event), _tags(options.tags)
        language = _language(options.language)
        parsed = importers.parse_file(filename, data, max_bytes=self.max_import_bytes)
        doc_id = self._store.insert(
            parsed,
            kind=options.kind,
            classification=classification,
            event=event,
            language=language,
            author=options.author,
            tags=tags,
            source_name=filename,
        )
        return self._store.summary(doc_id)

    # -- reading ---------------------------------------------------------------------------

    def list(
        self,
        *,
        kind: DocumentKind | None = None,
        event: str | None = None,
        classification: str | None = None,
    ) -> builtins.list[DocumentSummary]:
        """Every document matching the filters, most recently updated first."""
        return self._store.summaries(kind=kind, event=event, classification=classification)

    def documents(
        self,
        *,
        kind: DocumentKind | None = None,
        event: str | None = None,
        classification: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> builtins.list[DocumentSummary]:
        """Like :meth:`list`, a page at a time (``limit``/``offset``) for long lists."""
        return self._store.summaries(
            kind=kind, event=event, classification=classification, limit=limit, offset=offset
        )

    def count(self, *, kind: DocumentKind | None = None) -> int:
        return self._store.count(kind=kind)

    def get(self, doc_id: int) -> Document:
        return self._store.get(doc_id)

    def summary(self, doc_id: int) -> DocumentSummary:
        return self._store.summary(doc_id)

    def pdf_bytes(self, doc_id: int) -> bytes | None:
        return self._store.pdf_bytes(doc_id)

    def render_html(self, doc_id: int) -> str:
        """Sanitised HTML of the body, for a rich-text view that loads nothing remote."""
        document = self._store.get(doc_id)
        if document.body_format is BodyFormat.MARKDOWN:
            return markdown_to_html(document.body)
        if document.body_format is BodyFormat.HTML:
            return sanitize_html(document.body)
        return text_to_html(document.body)

    def events(self) -> builtins.list[str]:
        return self._store.events()

    def has_source(self, filename: str) -> bool:
        """True when a file of this name was imported before (demo seeding is idempotent)."""
        return self._store.find_by_source(filename) is not None

    def set_read(self, doc_id: int, read: bool = True) -> None:
        self._store.set_read(doc_id, read)

    def set_reading_position(self, doc_id: int, position: float) -> None:
        self._store.set_reading_position(doc_id, position)

    # -- search ----------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        kind: DocumentKind | None = None,
        event: str | None = None,
        classification: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> builtins.list[SearchHit]:
        """Hits ``offset`` to ``offset + limit``: exact matches first (ranked, the ranking
        bounded for very common words), then documents found by other forms of the words.
        ``since``/``until`` bound when a document last changed."""
        match = fts_query(query)
        if match is None:
            return []
        offset, limit = clamp(offset, limit, MAX_SEARCH_LIMIT)
        narrow = DocumentFilters(kind, event, classification, since, until)
        exact = self._store.exact_matches(match, narrow)
        parts = [_exact_hits(part) for part in exact.parts()]
        words = query_words(query)
        stems = stems_query(words) if words is not None else None
        if words is not None and stems is not None:
            stemmed = self._store.stemmed_matches(match, stems, narrow)
            found = words

            def fetch_stemmed(o: int, n: int) -> builtins.list[SearchHit]:
                return [
                    SearchHit(
                        summary,
                        plain_parts(
                            snippet_parts(
                                stem_snippet([body, title, tags], found, summary.language)
                            )
                        ),
                        rank,
                        exact=False,
                    )
                    for summary, (title, tags, body), rank in stemmed.fetch(o, n)
                ]

            parts.append(Part(fetch_stemmed, stemmed.count))
        return page(parts, offset, limit)

    # -- stems (language-aware search) -----------------------------------------------------

    def stems_pending(self) -> int:
        """Documents whose stems are not indexed yet (after an upgrade): until they are, those
        documents are found by their exact words only."""
        return self._store.stems_pending()

    def index_stems(self, batch: int = 200) -> int:
        """Index the stems of up to ``batch`` more documents; returns how many were done."""
        return self._store.index_stems(batch)

    def index_all_stems(self) -> int:
        """Index the stems of every document that lacks them, batch by batch; how many."""
        done = 0
        while indexed := self.index_stems():
            done += indexed
        return done

    # -- editing ---------------------------------------------------------------------------

    def update(
        self,
        doc_id: int,
        *,
        title: str | None = None,
        body: str | None = None,
        tags: tuple[str, ...] | None = None,
        classification: str | None = None,
        event: str | None = None,
    ) -> Document:
        """Change a document; the previous content is kept as a version."""
        current = self._store.get(doc_id)
        new_body = current.body if body is None else body
        body_format = current.body_format
        if body is not None and body_format is BodyFormat.HTML:
            new_body = sanitize_html(body)
        search_text = plain_text(body_format.value, new_body)
        self._store.update(
            doc_id,
            title=(title if title is not None else current.summary.title).strip()
            or current.summary.title,
            body=new_body,
            body_format=body_format,
            search_text=search_text,
            tags=tags if tags is not None else current.summary.tags,
            classification=self._classification(classification)
            if classification is not None
            else current.summary.classification,
            event=event if event is not None else current.summary.event,
        )
        return self._store.get(doc_id)

    def edit_details(
        self,
        doc_id: int,
        *,
        title: str | None = None,
        kind: DocumentKind | None = None,
        classification: str | None = None,
        event: str | None = None,
        tags: tuple[str, ...] | None = None,
        language: str | None = None,
    ) -> DocumentSummary:
        """Change what is recorded about a document (None: keep; ``event``/``language`` ""
        clear it); search finds it by its new title and tags at once. Raises
        :class:`InvalidDetailsError` (nothing changed) for an empty or over-long title, an
        unknown marking, or an over-long event, tag or language."""
        current = self._store.summary(doc_id)
        new_title = current.title if title is None else " ".join(title.split())
        if not new_title:
            raise InvalidDetailsError(_("A document needs a title."))
        if len(new_title) > MAX_TITLE:
            raise InvalidDetailsError(
                _("A title may be at most {limit} characters long.").format(limit=MAX_TITLE)
            )
        self._store.update_details(
            doc_id,
            title=new_title,
            kind=current.kind if kind is None else kind,
            classification=current.classification
            if classification is None
            else self._classification(classification),
            event=current.event if event is None else _event(event),
            tags=current.tags if tags is None else _tags(tags),
            language=current.language if language is None else _language(language),
        )
        return self._store.summary(doc_id)

    def versions(self, doc_id: int) -> builtins.list[DocumentVersion]:
        return self._store.versions(doc_id)

    def sharing_state(self, doc_id: int) -> SharingState:
        """Who else holds the document and who sent it, for the delete confirmation."""
        return self._store.sharing_state(doc_id)

    def delete(self, doc_id: int) -> None:
        """Delete the document here with everything recorded about it (its index rows,
        versions, PDF, comments, reading state and sharing records); other holders keep
        their copies (see :mod:`delegate_app.core.documents.removal`)."""
        self._store.delete(doc_id)

    # -- export ----------------------------------------------------------------------------

    @property
    def export_allowed(self) -> bool:
        """Whether documents may leave the vault (see :func:`export_allowed`)."""
        return export_allowed(self._policy)

    def export_warning(self, doc_id: int) -> str | None:
        """The policy's ``export_warning_level`` when the document's marking is at or above
        it (exporting should then ask first, naming the marking); None otherwise."""
        return export_warning(self._policy, self._store.summary(doc_id).classification)

    def export_content(self, doc_id: int) -> DocumentExport:
        """The bytes an export of ``doc_id`` writes: the imported PDF for a PDF document (its
        extracted text if the PDF itself is missing), otherwise the body as stored, UTF-8."""
        require_export_allowed(self._policy)
        document = self._store.get(doc_id)
        file_format = _export_format(document)
        pdf = self._store.pdf_bytes(doc_id) if file_format is BodyFormat.PDF else None
        if pdf is None and file_format is BodyFormat.PDF:  # removed between the two reads
            file_format = BodyFormat.TEXT
        return DocumentExport(
            data=pdf if pdf is not None else document.body.encode("utf-8"),
            file_format=file_format,
            suggested_name=suggested_file_name(document.summary.title, file_format),
        )

    def suggested_export_name(self, doc_id: int) -> str:
        """The file name to offer when exporting ``doc_id`` (title and right extension)."""
        document = self._store.get(doc_id)
        return suggested_file_name(document.summary.title, _export_format(document))

    def export(self, doc_id: int, path: Path, *, overwrite: bool = False) -> DocumentExport:
        """Write ``doc_id`` to ``path`` (atomically, owner-only); an existing file is replaced
        only with ``overwrite``. Raises :class:`ExportForbiddenError` before anything is read
        or written when the policy forbids export."""
        content = self.export_content(doc_id)
        write_export(path, content.data, overwrite=overwrite)
        return content


def _event(value: str | None) -> str | None:
    event = " ".join((value or "").split())
    if len(event) > MAX_EVENT:
        raise InvalidDetailsError(
            _("An event may be at most {limit} characters long.").format(limit=MAX_EVENT)
        )
    return event or None


def _tags(values: tuple[str, ...]) -> tuple[str, ...]:
    """Tags without blanks or repeats, each on one line (newlines separate them in the vault)."""
    tags: builtins.list[str] = []
    for value in values:
        tag = " ".join(value.split())
        if len(tag) > MAX_TAG:
            raise InvalidDetailsError(
                _("A tag may be at most {limit} characters long.").format(limit=MAX_TAG)
            )
        if tag and tag.casefold() not in {t.casefold() for t in tags}:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise InvalidDetailsError(
            _("A document may have at most {limit} tags.").format(limit=MAX_TAGS)
        )
    return tuple(tags)


def _language(value: str | None) -> str | None:
    language = (value or "").strip()
    if len(language) > MAX_LANGUAGE or any(not (c.isalnum() or c in "-_") for c in language):
        raise InvalidDetailsError(
            _("{language} is not a language code (such as en, fr or zh).").format(
                language=language[:MAX_LANGUAGE]
            )
        )
    return language or None


def _export_format(document: Document) -> BodyFormat:
    """PDF when the vault holds the document's PDF; a PDF document without one exports its
    extracted text; every other document its body's format."""
    if document.summary.has_pdf:
        return BodyFormat.PDF
    if document.body_format is BodyFormat.PDF:
        return BodyFormat.TEXT
    return document.body_format
