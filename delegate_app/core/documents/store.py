"""SQL for documents: rows in, frozen dataclasses out. The full-text index is kept in step here."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from delegate_app.core.documents.attachment_store import AttachmentStore
from delegate_app.core.documents.errors import DocumentNotFoundError
from delegate_app.core.documents.models import (
    BodyFormat,
    Document,
    DocumentKind,
    DocumentSummary,
    DocumentVersion,
    ParsedDocument,
)
from delegate_app.core.documents.removal import (
    SharingState,
    delete_sharing_records,
    sharing_state,
)
from delegate_app.core.documents.rendering import plain_text
from delegate_app.core.documents.search_query import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    INDEX_VERSION,
    index_text,
)
from delegate_app.core.documents.stemming import STEMS_VERSION, text_stems
from delegate_app.core.search_paging import BoundedMatches, Part
from delegate_app.core.vault import Database
from delegate_app.i18n import _

# bm25 weights for (title, tags, body): a word in the title counts most.
BM25_WEIGHTS = (10.0, 5.0, 1.0)
INDEX_VERSION_KEY = "documents.index_version"
STEMS_VERSION_KEY = "documents.stems_version"
STEMS_COMPLETE_KEY = "documents.stems_complete"  # "1": every document has its stems
_SUMMARY_COLUMNS = """
    d.id, d.uid, d.kind, d.title, d.event, d.classification, d.language, d.author, d.tags,
    d.created_at, d.updated_at, d.is_read,
    EXISTS (SELECT 1 FROM attachments a WHERE a.document_id = d.id AND a.complete = 1) AS has_pdf
"""
SUMMARY_SQL = f"SELECT {_SUMMARY_COLUMNS} FROM documents d"  # noqa: S608
_BM25 = f"bm25(documents_fts, {', '.join(str(w) for w in BM25_WEIGHTS)})"
# Two steps: rank the matches and keep one page (the CTE, materialised so it runs once), then
# build snippets and summaries for that page only. snippet() is the expensive part; computed
# for every match before sorting, it made searches several times slower. The second step scans
# the match once over the page's rowid range (CROSS JOIN keeps the FTS table the outer loop):
# looked up row by row instead, FTS5 evaluates the query again for each row — for a prefix
# query that merges every matching term's doclist each time, about 1 s a page at 100,000
# documents instead of about 40 ms. {join} and {filters} are fixed clauses from _filters();
# {window}, {order} and {outer} are filled by search_paging.BoundedMatches (which matches are
# ranked, ADR 0026); every value is a bound parameter.
SEARCH_TEMPLATE = f"""
    WITH top AS MATERIALIZED (
        SELECT documents_fts.rowid AS id, {_BM25} AS rank
        FROM documents_fts{{join}}
        WHERE documents_fts MATCH :query{{filters}}{{{{window}}}}
        ORDER BY {{{{order}}}} LIMIT :limit OFFSET :offset
    )
    SELECT {_SUMMARY_COLUMNS},
           snippet(documents_fts, -1, '{HIGHLIGHT_START}', '{HIGHLIGHT_END}', '…', 16) AS snippet,
           top.rank AS rank
    FROM documents_fts
    CROSS JOIN top ON top.id = documents_fts.rowid
    JOIN documents d ON d.id = top.id
    WHERE documents_fts MATCH :query
      AND documents_fts.rowid >= (SELECT min(id) FROM top)
      AND documents_fts.rowid <= (SELECT max(id) FROM top)
    ORDER BY {{{{outer}}}}
"""  # noqa: S608
# Documents that match by stems only, after every exact match: exact words first, then other
# forms of them. Their snippet is made in Python from the indexed text (FTS5 can only mark
# what the exact query matched).
_STEMMED_SOURCE = """
    FROM documents_stems{join}
    WHERE documents_stems MATCH :stems
      AND documents_stems.rowid NOT IN (SELECT rowid FROM documents_fts
                                        WHERE documents_fts MATCH :query){filters}
"""
STEMMED_TEMPLATE = f"""
    WITH top AS MATERIALIZED (
        SELECT documents_stems.rowid AS id, bm25(documents_stems) AS rank
        {{source}}
        ORDER BY rank, id LIMIT :limit OFFSET :offset
    )
    SELECT {_SUMMARY_COLUMNS},
           f.title AS indexed_title, f.tags AS indexed_tags, f.body AS indexed_body,
           top.rank AS rank
    FROM top
    JOIN documents d ON d.id = top.id
    JOIN documents_fts f ON f.rowid = top.id
    ORDER BY top.rank, top.id
"""  # noqa: S608
StemmedRow = tuple["DocumentSummary", tuple[str, str, str], float]
ExactRow = tuple["DocumentSummary", str, float]


def _join(table: str, filters: str) -> str:
    return f" JOIN documents d ON d.id = {table}.rowid" if filters else ""


def stemmed_source(filters: str) -> str:
    return _STEMMED_SOURCE.format(join=_join("documents_stems", filters), filters=filters)


def search_template(filters: str) -> str:
    return SEARCH_TEMPLATE.format(join=_join("documents_fts", filters), filters=filters)


def exact_source(filters: str) -> str:
    join = _join("documents_fts", filters)
    return f"FROM documents_fts{join} WHERE documents_fts MATCH :query{filters}"


def _now() -> float:
    return datetime.now(UTC).timestamp()


def _time(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def _tags(value: str) -> tuple[str, ...]:
    return tuple(tag for tag in value.split("\n") if tag)


def summary_from_row(row: Any) -> DocumentSummary:
    return DocumentSummary(
        id=int(row["id"]),
        uid=str(row["uid"]),
        kind=DocumentKind(row["kind"]),
        title=str(row["title"]),
        event=row["event"],
        classification=str(row["classification"]),
        language=row["language"],
        author=row["author"],
        tags=_tags(row["tags"]),
        created_at=_time(row["created_at"]),
        updated_at=_time(row["updated_at"]),
        is_read=bool(row["is_read"]),
        has_pdf=bool(row["has_pdf"]),
    )


@dataclass(frozen=True)
class DocumentFilters:
    """What narrows a document search; ``since``/``until`` bound when it last changed."""

    kind: DocumentKind | None = None
    event: str | None = None
    classification: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def clauses(self) -> tuple[str, dict[str, Any]]:
        """Fixed SQL clauses (each starting with AND) and their bound parameters."""
        clauses: list[str] = []
        params: dict[str, Any] = {}
        if self.kind is not None:
            clauses.append("d.kind = :kind")
            params["kind"] = self.kind.value
        if self.event is not None:
            clauses.append("d.event = :event")
            params["event"] = self.event
        if self.classification is not None:
            clauses.append("d.classification = :classification")
            params["classification"] = self.classification
        if self.since is not None:
            clauses.append("d.updated_at >= :since")
            params["since"] = self.since.timestamp()
        if self.until is not None:
            clauses.append("d.updated_at < :until")
            params["until"] = self.until.timestamp()
        return "".join(f" AND {clause}" for clause in clauses), params


class DocumentStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def insert(
        self,
        parsed: ParsedDocument,
        *,
        kind: DocumentKind,
        classification: str,
        event: str | None,
        language: str | None,
        author: str | None,
        tags: Sequence[str],
        source_name: str | None,
        uid: str | None = None,
    ) -> int:
        now = _now()
        tag_text = "\n".join(tags)
        with self.db.transaction() as db:
            cursor = db.execute(
                "INSERT INTO documents (uid, kind, title, event, classification, language, author,"
                " tags, body_format, body, source_name, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    uid or str(uuid.uuid4()),
                    kind.value,
                    parsed.title,
                    event,
                    classification,
                    language,
                    author,
                    tag_text,
                    parsed.body_format.value,
                    parsed.body,
                    source_name,
                    now,
                    now,
                ),
            )
            doc_id = int(cursor.lastrowid)
            if parsed.pdf is not None:
                AttachmentStore(db).insert(doc_id, source_name or "document.pdf", parsed.pdf)
            self._index(doc_id, parsed.title, tags, parsed.search_text, language)
        return doc_id

    def _index(
        self, doc_id: int, title: str, tags: Sequence[str], text: str, language: str | None
    ) -> None:
        indexed = (index_text(title), index_text(" ".join(tags)), index_text(text))
        self.db.execute(
            "INSERT INTO documents_fts (rowid, title, tags, body) VALUES (?, ?, ?, ?)",
            (doc_id, *indexed),
        )
        self._index_stems(doc_id, indexed, language)

    def _index_stems(self, doc_id: int, indexed: Sequence[str], language: str | None) -> None:
        self.db.execute(
            "INSERT INTO documents_stems (rowid, stems) VALUES (?, ?)",
            (doc_id, text_stems(indexed, language)),
        )

    # -- stems (language-aware search) -------------------------------------------------------

    def stems_are_current(self) -> bool:
        return self.db.get_setting(STEMS_VERSION_KEY) == str(STEMS_VERSION)

    def reset_stems(self) -> None:
        """Forget every document's stems (they are computed again by :meth:`index_stems`)."""
        with self.db.transaction() as db:
            db.execute("DELETE FROM documents_stems")
            db.set_setting(STEMS_VERSION_KEY, str(STEMS_VERSION))
            db.set_setting(STEMS_COMPLETE_KEY, "0")

    def stems_pending(self) -> int:
        """How many documents have no stems yet; a settings lookup once all have them (new and
        edited documents get theirs as they are written), so unlocking stays fast."""
        if self.db.get_setting(STEMS_COMPLETE_KEY) == "1":
            return 0
        row = self.db.query_one(
            "SELECT count(*) AS n FROM documents"
            " WHERE id NOT IN (SELECT rowid FROM documents_stems)"
        )
        pending = int(row["n"]) if row is not None else 0
        if not pending:
            self.db.set_setting(STEMS_COMPLETE_KEY, "1")
        return pending

    def index_stems(self, limit: int) -> int:
        """Compute the stems of up to ``limit`` documents that have none, in one transaction;
        returns how many. From the indexed text, so no body is rendered again."""
        with self.db.transaction() as db:
            rows = db.query(
                "SELECT d.id, d.language, f.title, f.tags, f.body FROM documents d"
                " JOIN documents_fts f ON f.rowid = d.id"
                " WHERE d.id NOT IN (SELECT rowid FROM documents_stems) LIMIT ?",
                (limit,),
            )
            for row in rows:
                indexed = (str(row["title"]), str(row["tags"]), str(row["body"]))
                self._index_stems(int(row["id"]), indexed, row["language"])
            if len(rows) < limit:
                db.set_setting(STEMS_COMPLETE_KEY, "1")
        return len(rows)

    def index_is_current(self) -> bool:
        return self.db.get_setting(INDEX_VERSION_KEY) == str(INDEX_VERSION)

    def rebuild_index(self) -> int:
        """Index every document afresh from its stored body, in one transaction; returns how
        many were indexed. Needed once when :data:`INDEX_VERSION` changes."""
        with self.db.transaction() as db:
            db.execute("DELETE FROM documents_fts")
            db.execute("DELETE FROM documents_stems")
            rows = db.query("SELECT id, title, tags, body_format, body, language FROM documents")
            for row in rows:
                self._index(
                    int(row["id"]),
                    str(row["title"]),
                    _tags(row["tags"]),
                    plain_text(str(row["body_format"]), str(row["body"])),
                    row["language"],
                )
            db.set_setting(INDEX_VERSION_KEY, str(INDEX_VERSION))
        return len(rows)

    def summaries(
        self,
        *,
        kind: DocumentKind | None = None,
        event: str | None = None,
        classification: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[DocumentSummary]:
        where, params = DocumentFilters(kind, event, classification).clauses()
        sql = f"{SUMMARY_SQL} WHERE 1 = 1 {where} ORDER BY d.updated_at DESC, d.id DESC"
        if limit is not None:
            sql += " LIMIT :limit OFFSET :offset"
            params.update(limit=limit, offset=offset)
        return [summary_from_row(row) for row in self.db.query(sql, params)]

    def count(self, *, kind: DocumentKind | None = None) -> int:
        where, params = DocumentFilters(kind).clauses()
        sql = f"SELECT count(*) FROM documents d WHERE 1 = 1 {where}"  # noqa: S608
        row = self.db.query_one(sql, params)
        return int(row[0]) if row else 0

    def summary(self, doc_id: int) -> DocumentSummary:
        row = self.db.query_one(f"{SUMMARY_SQL} WHERE d.id = ?", (doc_id,))
        if row is None:
            raise DocumentNotFoundError(_("No document with id {id}.").format(id=doc_id))
        return summary_from_row(row)

    def get(self, doc_id: int) -> Document:
        summary = self.summary(doc_id)
        row = self.db.query_one(
            "SELECT body, body_format, reading_position, version FROM documents WHERE id = ?",
            (doc_id,),
        )
        if row is None:
            raise DocumentNotFoundError(_("No document with id {id}.").format(id=doc_id))
        return Document(
            summary=summary,
            body=str(row["body"]),
            body_format=BodyFormat(row["body_format"]),
            reading_position=float(row["reading_position"]),
            version=int(row["version"]),
        )

    def pdf_bytes(self, doc_id: int) -> bytes | None:
        """The document's complete PDF (an attachment still downloading is not one)."""
        store = AttachmentStore(self.db)
        attachment = store.pdf(doc_id)
        return None if attachment is None else store.read(attachment)

    def exact_matches(
        self,
        query: str,
        narrow: DocumentFilters,
    ) -> BoundedMatches[ExactRow]:
        """Documents matching ``query`` exactly, in pages (ranking bounded, ADR 0026)."""
        where, params = narrow.clauses()
        params["query"] = query
        return BoundedMatches(
            self.db,
            table="documents_fts",
            source=exact_source(where),
            template=search_template(where),
            params=params,
            row=lambda row: (summary_from_row(row), str(row["snippet"]), float(row["rank"])),
        )

    def stemmed_matches(
        self,
        query: str,
        stems: str,
        narrow: DocumentFilters,
    ) -> Part[StemmedRow]:
        """Documents whose stems match ``stems`` and that ``query`` does not match exactly,
        with their indexed (title, tags, body) for the snippet."""
        where, params = narrow.clauses()
        params.update(query=query, stems=stems)
        source = stemmed_source(where)

        def fetch(offset: int, limit: int) -> list[StemmedRow]:
            rows = self.db.query(
                STEMMED_TEMPLATE.format(source=source), {**params, "offset": offset, "limit": limit}
            )
            return [
                (
                    summary_from_row(row),
                    (str(row["indexed_title"]), str(row["indexed_tags"]), str(row["indexed_body"])),
                    float(row["rank"]),
                )
                for row in rows
            ]

        def count() -> int:
            found = self.db.query_one(f"SELECT count(*) AS n {source}", params)
            return 0 if found is None else int(found["n"])

        return Part(fetch, count)

    def set_read(self, doc_id: int, read: bool) -> None:
        self._update_one("UPDATE documents SET is_read = ? WHERE id = ?", (int(read), doc_id))

    def set_reading_position(self, doc_id: int, position: float) -> None:
        self._update_one(
            "UPDATE documents SET reading_position = ? WHERE id = ?",
            (min(max(position, 0.0), 1e9), doc_id),
        )

    def _update_one(self, sql: str, params: tuple[Any, ...]) -> None:
        if self.db.execute(sql, params).rowcount != 1:
            raise DocumentNotFoundError(_("No document with id {id}.").format(id=params[-1]))

    def update(
        self,
        doc_id: int,
        *,
        title: str,
        body: str,
        body_format: BodyFormat,
        search_text: str,
        tags: Sequence[str],
        classification: str,
        event: str | None,
    ) -> None:
        """Replace the document's content, keeping the previous content as a version."""
        with self.db.transaction() as db:
            current = self.get(doc_id)
            db.execute(
                "INSERT INTO document_versions (document_id, version, title, body_format, body,"
                " saved_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    doc_id,
                    current.version,
                    current.summary.title,
                    current.body_format.value,
                    current.body,
                    current.summary.updated_at.timestamp(),
                ),
            )
            db.execute(
                "UPDATE documents SET title = ?, body = ?, body_format = ?, tags = ?,"
                " classification = ?, event = ?, updated_at = ?, version = version + 1"
                " WHERE id = ?",
                (
                    title,
                    body,
                    body_format.value,
                    "\n".join(tags),
                    classification,
                    event,
                    _now(),
                    doc_id,
                ),
            )
            db.execute("DELETE FROM documents_fts WHERE rowid = ?", (doc_id,))
            db.execute("DELETE FROM documents_stems WHERE rowid = ?", (doc_id,))
            row = db.query_one("SELECT language FROM documents WHERE id = ?", (doc_id,))
            self._index(doc_id, title, tags, search_text, row["language"] if row else None)

    def versions(self, doc_id: int) -> list[DocumentVersion]:
        self.summary(doc_id)
        rows = self.db.query(
            "SELECT version, title, body, saved_at FROM document_versions WHERE document_id = ?"
            " ORDER BY version",
            (doc_id,),
        )
        return [
            DocumentVersion(
                version=int(r["version"]),
                title=str(r["title"]),
                saved_at=_time(r["saved_at"]),
                body=str(r["body"]),
            )
            for r in rows
        ]

    def update_details(
        self,
        doc_id: int,
        *,
        title: str,
        kind: DocumentKind,
        classification: str,
        event: str | None,
        tags: Sequence[str],
        language: str | None,
    ) -> None:
        """Change what is recorded about a document, not its text; the index follows. A new
        title keeps the previous one as a version (the body is unchanged)."""
        with self.db.transaction() as db:
            current = self.get(doc_id)
            if title != current.summary.title:
                db.execute(
                    "INSERT INTO document_versions (document_id, version, title, body_format,"
                    " body, saved_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        doc_id,
                        current.version,
                        current.summary.title,
                        current.body_format.value,
                        current.body,
                        current.summary.updated_at.timestamp(),
                    ),
                )
                db.execute("UPDATE documents SET version = version + 1 WHERE id = ?", (doc_id,))
            db.execute(
                "UPDATE documents SET title = ?, kind = ?, classification = ?, event = ?,"
                " tags = ?, language = ?, updated_at = ? WHERE id = ?",
                (
                    title,
                    kind.value,
                    classification,
                    event,
                    "\n".join(tags),
                    language,
                    _now(),
                    doc_id,
                ),
            )
            row = db.query_one("SELECT body FROM documents_fts WHERE rowid = ?", (doc_id,))
            if row is None:  # not indexed (cannot happen after rebuild_index): from the body
                text = plain_text(current.body_format.value, current.body)
                db.execute("DELETE FROM documents_stems WHERE rowid = ?", (doc_id,))
                self._index(doc_id, title, tags, text, language)
                return
            indexed = (index_text(title), index_text(" ".join(tags)), str(row["body"]))
            db.execute(
                "UPDATE documents_fts SET title = ?, tags = ? WHERE rowid = ?",
                (indexed[0], indexed[1], doc_id),
            )
            db.execute("DELETE FROM documents_stems WHERE rowid = ?", (doc_id,))
            self._index_stems(doc_id, indexed, language)

    def sharing_state(self, doc_id: int) -> SharingState:
        return sharing_state(self.db, self.summary(doc_id).uid)

    def delete(self, doc_id: int) -> None:
        """Delete the document, its index rows, versions, attachments and sharing records."""
        with self.db.transaction() as db:
            uid = self.summary(doc_id).uid
            self._update_one("DELETE FROM documents WHERE id = ?", (doc_id,))
            db.execute("DELETE FROM documents_fts WHERE rowid = ?", (doc_id,))
            db.execute("DELETE FROM documents_stems WHERE rowid = ?", (doc_id,))
            delete_sharing_records(db, uid)

    def events(self) -> list[str]:
        rows = self.db.query(
            "SELECT DISTINCT event FROM documents WHERE event IS NOT NULL AND event != ''"
            " ORDER BY event"
        )
        return [str(r["event"]) for r in rows]

    def find_by_source(self, source_name: str) -> int | None:
        row = self.db.query_one("SELECT id FROM documents WHERE source_name = ?", (source_name,))
        return None if row is None else int(row["id"])
