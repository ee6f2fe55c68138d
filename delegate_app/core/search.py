"""One search over everything in the vault: documents (with PDF text), messages and comments.

Documents go through the library's search (exact words, then other forms of them, ADR 0020).
Messages and comment threads have their own full-text tables, kept in step by triggers
(migration 12), and stems tables beside them (migration 16): exact words and prefixes first,
then other forms of the words (ADR 0026). Every scope is paged (``offset``/``limit``) and ranks
at most ``search_paging.RANK_CANDIDATES`` matches. Every filter is a bound parameter; the
query is escaped by :func:`search_query.fts_query`, so no input can change the statement.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar

from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import DocumentKind, SearchHit
from delegate_app.core.documents.search_query import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    fts_query,
    query_words,
    snippet_parts,
)
from delegate_app.core.documents.stemming import stem_snippet, stems_query
from delegate_app.core.search_paging import BoundedMatches, Part, clamp, page
from delegate_app.core.vault import Database

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
_SNIPPET = f"'{HIGHLIGHT_START}', '{HIGHLIGHT_END}', '…', 16"


class Scope(Enum):
    DOCUMENTS = "docs"
    MESSAGES = "messages"
    COMMENTS = "comments"


@dataclass(frozen=True)
class MessageHit:
    message_id: int
    message_uid: str
    conversation_id: int
    sender_key: str | None  # None: sent by this profile
    sent_at: datetime
    snippet_parts: tuple[tuple[str, bool], ...]
    rank: float
    exact: bool = True  # False: found by another form of the words (their stems) only

    @property
    def snippet_text(self) -> str:
        return "".join(text for text, _ in self.snippet_parts)


@dataclass(frozen=True)
class CommentHit:
    comment_id: int
    comment_uid: str
    document_uid: str
    document_id: int | None  # None: the document is not (or no longer) in the vault
    document_title: str | None
    author_key: str | None  # None: written by this profile
    created_at: datetime
    snippet_parts: tuple[tuple[str, bool], ...]
    rank: float
    exact: bool = True  # False: found by another form of the words (their stems) only

    @property
    def snippet_text(self) -> str:
        return "".join(text for text, _ in self.snippet_parts)


@dataclass(frozen=True)
class Results:
    documents: tuple[SearchHit, ...] = ()
    messages: tuple[MessageHit, ...] = ()
    comments: tuple[CommentHit, ...] = ()

    @property
    def count(self) -> int:
        return len(self.documents) + len(self.messages) + len(self.comments)


@dataclass(frozen=True)
class Filters:
    """What narrows a search. Document filters apply to documents only, ``conversation_id`` to
    messages only; the date range (by when a message was sent, a comment written or a document
    last changed) to all three."""

    kind: DocumentKind | None = None
    event: str | None = None
    classification: str | None = None
    conversation_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


# The exact matches of messages and comments, ranked in pages as documents are (and their
# snippets made in one scan of the page's rowid range, as documents_store explains; {window},
# {order} and {outer} come from search_paging.BoundedMatches). {filters} are fixed clauses;
# every value is a bound parameter.
_MESSAGES_SOURCE = (
    "FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
    " WHERE messages_fts MATCH :query{filters}"
)
_MESSAGE_COLUMNS = "m.id, m.uid, m.conversation_id, m.sender_key, m.sent_at"
_MESSAGES_SQL = f"""
    WITH top AS MATERIALIZED (
        SELECT messages_fts.rowid AS id, bm25(messages_fts) AS rank
        {_MESSAGES_SOURCE}{{{{window}}}}
        ORDER BY {{{{order}}}} LIMIT :limit OFFSET :offset
    )
    SELECT {_MESSAGE_COLUMNS}, snippet(messages_fts, 0, {_SNIPPET}) AS snippet, top.rank AS rank
    FROM messages_fts
    CROSS JOIN top ON top.id = messages_fts.rowid
    JOIN messages m ON m.id = top.id
    WHERE messages_fts MATCH :query
      AND messages_fts.rowid >= (SELECT min(id) FROM top)
      AND messages_fts.rowid <= (SELECT max(id) FROM top)
    ORDER BY {{{{outer}}}}
"""  # noqa: S608
_COMMENTS_SOURCE = (
    "FROM comments_fts JOIN document_comments c ON c.id = comments_fts.rowid"
    " WHERE comments_fts MATCH :query{filters}"
)
_COMMENT_COLUMNS = """c.id, c.uid, c.document_uid, c.author_key, c.created_at,
    d.id AS document_id, d.title AS document_title"""
_COMMENTS_SQL = f"""
    WITH top AS MATERIALIZED (
        SELECT comments_fts.rowid AS id, bm25(comments_fts, 1.0, 0.5) AS rank
        {_COMMENTS_SOURCE}{{{{window}}}}
        ORDER BY {{{{order}}}} LIMIT :limit OFFSET :offset
    )
    SELECT {_COMMENT_COLUMNS}, snippet(comments_fts, -1, {_SNIPPET}) AS snippet, top.rank AS rank
    FROM comments_fts
    CROSS JOIN top ON top.id = comments_fts.rowid
    JOIN document_comments c ON c.id = top.id
    LEFT JOIN documents d ON d.uid = c.document_uid
    WHERE comments_fts MATCH :query
      AND comments_fts.rowid >= (SELECT min(id) FROM top)
      AND comments_fts.rowid <= (SELECT max(id) FROM top)
    ORDER BY {{{{outer}}}}
"""  # noqa: S608
# Matches by stems only (migration 16), after every exact match; the snippet is made in Python
# from the indexed text around the first word sharing a stem.
_MESSAGES_STEMMED_SOURCE = """
    FROM messages_stems JOIN messages m ON m.id = messages_stems.rowid
    WHERE messages_stems MATCH :stems
      AND messages_stems.rowid NOT IN (SELECT rowid FROM messages_fts
                                       WHERE messages_fts MATCH :query){filters}
"""
_MESSAGES_STEMMED_SQL = f"""
    WITH top AS MATERIALIZED (
        SELECT messages_stems.rowid AS id, bm25(messages_stems) AS rank
        {_MESSAGES_STEMMED_SOURCE}
        ORDER BY rank, id LIMIT :limit OFFSET :offset
    )
    SELECT {_MESSAGE_COLUMNS}, f.body AS indexed, top.rank AS rank
    FROM top
    JOIN messages m ON m.id = top.id
    JOIN messages_fts f ON f.rowid = top.id
    ORDER BY top.rank, top.id
"""  # noqa: S608
_COMMENTS_STEMMED_SOURCE = """
    FROM comments_stems JOIN document_comments c ON c.id = comments_stems.rowid
    WHERE comments_stems MATCH :stems
      AND comments_stems.rowid NOT IN (SELECT rowid FROM comments_fts
                                       WHERE comments_fts MATCH :query){filters}
"""
_COMMENTS_STEMMED_SQL = f"""
    WITH top AS MATERIALIZED (
        SELECT comments_stems.rowid AS id, bm25(comments_stems) AS rank
        {_COMMENTS_STEMMED_SOURCE}
        ORDER BY rank, id LIMIT :limit OFFSET :offset
    )
    SELECT {_COMMENT_COLUMNS}, f.body AS indexed, f.quote AS indexed_quote, top.rank AS rank
    FROM top
    JOIN document_comments c ON c.id = top.id
    JOIN comments_fts f ON f.rowid = top.id
    LEFT JOIN documents d ON d.uid = c.document_uid
    ORDER BY top.rank, top.id
"""  # noqa: S608


def _time(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def _date_clauses(column: str, filters: Filters, params: dict[str, Any]) -> list[str]:
    clauses = []
    if filters.since is not None:
        clauses.append(f"{column} >= :since")
        params["since"] = filters.since.timestamp()
    if filters.until is not None:
        clauses.append(f"{column} < :until")
        params["until"] = filters.until.timestamp()
    return clauses


class Search:
    def __init__(self, db: Database, library: Library) -> None:
        self._db = db
        self._library = library

    def search(
        self,
        query: str,
        *,
        scopes: Sequence[Scope] = tuple(Scope),
        filters: Filters | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> Results:
        """Hits ``offset`` to ``offset + limit`` of each scope asked for (``limit`` at most
        :data:`MAX_LIMIT`): the next page of a scope is the same call with ``offset +
        limit``; pages neither repeat nor skip a hit while the vault does not change."""
        filters = filters or Filters()
        offset, limit = clamp(offset, limit, MAX_LIMIT)
        match = fts_query(query)
        if match is None:
            return Results()
        words = query_words(query)
        stems = stems_query(words) if words is not None else None
        documents: builtins.list[SearchHit] = []
        if Scope.DOCUMENTS in scopes and filters.conversation_id is None:
            documents = self._library.search(
                query, kind=filters.kind, event=filters.event,
                classification=filters.classification, since=filters.since,
                until=filters.until, limit=limit, offset=offset,
            )  # fmt: skip
        messages: builtins.list[MessageHit] = []
        if Scope.MESSAGES in scopes:
            messages = page(self._message_parts(match, stems, words, filters), offset, limit)
        comments: builtins.list[CommentHit] = []
        if Scope.COMMENTS in scopes and filters.conversation_id is None:
            comments = page(self._comment_parts(match, stems, words, filters), offset, limit)
        return Results(tuple(documents), tuple(messages), tuple(comments))

    def _message_parts(
        self, match: str, stems: str | None, words: builtins.list[str] | None, filters: Filters
    ) -> builtins.list[Part[MessageHit]]:
        params: dict[str, Any] = {"query": match}
        clauses = _date_clauses("m.sent_at", filters, params)
        if filters.conversation_id is not None:
            clauses.append("m.conversation_id = :conversation")
            params["conversation"] = filters.conversation_id
        where = "".join(f" AND {c}" for c in clauses)
        exact = BoundedMatches(
            self._db,
            table="messages_fts",
            source=_MESSAGES_SOURCE.format(filters=where),
            template=_MESSAGES_SQL.format(filters=where),
            params=params,
            row=lambda row: _message_hit(row, str(row["snippet"])),
        )
        parts = exact.parts()
        if stems is None or words is None:
            return parts
        found = words

        def snippet(row: Any) -> str:
            return stem_snippet([str(row["indexed"])], found, None)

        parts.append(
            self._stemmed(
                _MESSAGES_STEMMED_SOURCE.format(filters=where),
                _MESSAGES_STEMMED_SQL.format(filters=where),
                {**params, "stems": stems},
                lambda row: _message_hit(row, snippet(row), exact=False),
            )
        )
        return parts

    def _comment_parts(
        self, match: str, stems: str | None, words: builtins.list[str] | None, filters: Filters
    ) -> builtins.list[Part[CommentHit]]:
        params: dict[str, Any] = {"query": match}
        where = "".join(f" AND {c}" for c in _date_clauses("c.created_at", filters, params))
        exact = BoundedMatches(
            self._db,
            table="comments_fts",
            source=_COMMENTS_SOURCE.format(filters=where),
            template=_COMMENTS_SQL.format(filters=where),
            params=params,
            row=lambda row: _comment_hit(row, str(row["snippet"])),
        )
        parts = exact.parts()
        if stems is None or words is None:
            return parts
        found = words

        def snippet(row: Any) -> str:
            return stem_snippet([str(row["indexed"]), str(row["indexed_quote"])], found, None)

        parts.append(
            self._stemmed(
                _COMMENTS_STEMMED_SOURCE.format(filters=where),
                _COMMENTS_STEMMED_SQL.format(filters=where),
                {**params, "stems": stems},
                lambda row: _comment_hit(row, snippet(row), exact=False),
            )
        )
        return parts

    def _stemmed(
        self, source: str, template: str, params: dict[str, Any], row: Callable[[Any], T]
    ) -> Part[T]:
        """The matches by stems only: ``source`` is their FROM … WHERE, ``template`` the page
        statement (both with their filters in place)."""

        def fetch(offset: int, limit: int) -> builtins.list[T]:
            paged = {**params, "offset": offset, "limit": limit}
            return [row(r) for r in self._db.query(template, paged)]

        def count() -> int:
            found = self._db.query_one(f"SELECT count(*) AS n {source}", params)
            return 0 if found is None else int(found["n"])

        return Part(fetch, count)


def _message_hit(row: Any, snippet: str, *, exact: bool = True) -> MessageHit:
    return MessageHit(
        message_id=int(row["id"]),
        message_uid=str(row["uid"]),
        conversation_id=int(row["conversation_id"]),
        sender_key=row["sender_key"],
        sent_at=_time(row["sent_at"]),
        snippet_parts=snippet_parts(snippet),
        rank=float(row["rank"]),
        exact=exact,
    )


def _comment_hit(row: Any, snippet: str, *, exact: bool = True) -> CommentHit:
    return CommentHit(
        comment_id=int(row["id"]),
        comment_uid=str(row["uid"]),
        document_uid=str(row["document_uid"]),
        document_id=row["document_id"],
        document_title=row["document_title"],
        author_key=row["author_key"],
        created_at=_time(row["created_at"]),
        snippet_parts=snippet_parts(snippet),
        rank=float(row["rank"]),
        exact=exact,
    )
