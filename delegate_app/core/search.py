"""One search over everything in the vault: documents (with PDF text), messages and comments.

Documents go through the library's search (exact words, then other forms of them, ADR 0020).
Messages and comment threads have their own full-text tables, kept in step by triggers
(migration 12), and match exact words and prefixes. Every filter is a bound parameter; the query
is escaped by :func:`search_query.fts_query`, so no input can change the statement.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import DocumentKind, SearchHit
from delegate_app.core.documents.search_query import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    fts_query,
    snippet_parts,
)
from delegate_app.core.vault import Database

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


_MESSAGES_SQL = f"""
    WITH top AS MATERIALIZED (
        SELECT messages_fts.rowid AS id, bm25(messages_fts) AS rank
        FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid
        WHERE messages_fts MATCH :query{{filters}}
        ORDER BY rank LIMIT :limit
    )
    SELECT m.id, m.uid, m.conversation_id, m.sender_key, m.sent_at,
           snippet(messages_fts, 0, {_SNIPPET}) AS snippet, top.rank AS rank
    FROM top
    JOIN messages_fts ON messages_fts.rowid = top.id
    JOIN messages m ON m.id = top.id
    WHERE messages_fts MATCH :query
    ORDER BY top.rank
"""  # noqa: S608

_COMMENTS_SQL = f"""
    WITH top AS MATERIALIZED (
        SELECT comments_fts.rowid AS id, bm25(comments_fts, 1.0, 0.5) AS rank
        FROM comments_fts JOIN document_comments c ON c.id = comments_fts.rowid
        WHERE comments_fts MATCH :query{{filters}}
        ORDER BY rank LIMIT :limit
    )
    SELECT c.id, c.uid, c.document_uid, c.author_key, c.created_at, d.id AS document_id,
           d.title AS document_title,
           snippet(comments_fts, -1, {_SNIPPET}) AS snippet, top.rank AS rank
    FROM top
    JOIN comments_fts ON comments_fts.rowid = top.id
    JOIN document_comments c ON c.id = top.id
    LEFT JOIN documents d ON d.uid = c.document_uid
    WHERE comments_fts MATCH :query
    ORDER BY top.rank
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
    ) -> Results:
        """The best ``limit`` hits of each scope asked for (at most :data:`MAX_LIMIT`)."""
        filters = filters or Filters()
        limit = max(1, min(int(limit), MAX_LIMIT))
        match = fts_query(query)
        if match is None:
            return Results()
        documents: builtins.list[SearchHit] = []
        if Scope.DOCUMENTS in scopes and filters.conversation_id is None:
            documents = self._documents(query, filters, limit)
        messages = self._messages(match, filters, limit) if Scope.MESSAGES in scopes else []
        comments = (
            self._comments(match, filters, limit)
            if Scope.COMMENTS in scopes and filters.conversation_id is None
            else []
        )
        return Results(tuple(documents), tuple(messages), tuple(comments))

    def _documents(self, query: str, filters: Filters, limit: int) -> builtins.list[SearchHit]:
        wanted = limit if filters.since is None and filters.until is None else MAX_LIMIT
        hits = self._library.search(
            query, kind=filters.kind, event=filters.event,
            classification=filters.classification, limit=wanted,
        )  # fmt: skip
        if filters.since is not None:
            hits = [h for h in hits if h.document.updated_at >= filters.since]
        if filters.until is not None:
            hits = [h for h in hits if h.document.updated_at < filters.until]
        return hits[:limit]

    def _messages(self, match: str, filters: Filters, limit: int) -> builtins.list[MessageHit]:
        params: dict[str, Any] = {"query": match, "limit": limit}
        clauses = _date_clauses("m.sent_at", filters, params)
        if filters.conversation_id is not None:
            clauses.append("m.conversation_id = :conversation")
            params["conversation"] = filters.conversation_id
        sql = _MESSAGES_SQL.format(filters="".join(f" AND {c}" for c in clauses))
        return [
            MessageHit(
                message_id=int(row["id"]),
                message_uid=str(row["uid"]),
                conversation_id=int(row["conversation_id"]),
                sender_key=row["sender_key"],
                sent_at=_time(row["sent_at"]),
                snippet_parts=snippet_parts(str(row["snippet"])),
                rank=float(row["rank"]),
            )
            for row in self._db.query(sql, params)
        ]

    def _comments(self, match: str, filters: Filters, limit: int) -> builtins.list[CommentHit]:
        params: dict[str, Any] = {"query": match, "limit": limit}
        clauses = _date_clauses("c.created_at", filters, params)
        sql = _COMMENTS_SQL.format(filters="".join(f" AND {c}" for c in clauses))
        return [
            CommentHit(
                comment_id=int(row["id"]),
                comment_uid=str(row["uid"]),
                document_uid=str(row["document_uid"]),
                document_id=row["document_id"],
                document_title=row["document_title"],
                author_key=row["author_key"],
                created_at=_time(row["created_at"]),
                snippet_parts=snippet_parts(str(row["snippet"])),
                rank=float(row["rank"]),
            )
            for row in self._db.query(sql, params)
        ]
