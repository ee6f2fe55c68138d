"""Pages over a result list made of ordered parts, and the bound on how many matches are ranked.

A search's full order is a concatenation: exact matches ranked, then (for a word in nearly
every row) the exact matches outside the ranked window newest first, then matches by other
forms of the words (stems). Each part is a :class:`Part` that can return any page of itself
and count itself; :func:`page` walks them so that consecutive pages neither repeat nor skip a
hit, counting a part only when a page starts beyond its end.

Ranking is bounded (ADR 0026): bm25 is computed for at most :data:`RANK_CANDIDATES` matches,
the newest ones (highest rowid), found by FTS5's native rowid order without ranking. A word
that occurs in nearly every row barely tells rows apart by bm25 anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from delegate_app.core.vault import Database

T = TypeVar("T")
RANK_CANDIDATES = 1000
MAX_OFFSET = 100_000  # far beyond any list a person pages through; keeps OFFSET bounded


@dataclass(frozen=True)
class Part(Generic[T]):
    fetch: Callable[[int, int], list[T]]  # (offset, limit) → that page of this part
    count: Callable[[], int]


def page(parts: Sequence[Part[T]], offset: int, limit: int) -> list[T]:
    """Hits ``offset`` to ``offset + limit`` of the concatenation of ``parts``."""
    hits: list[T] = []
    for part in parts:
        wanted = limit - len(hits)
        if wanted <= 0:
            break
        got = part.fetch(offset, wanted)
        hits.extend(got)
        if len(got) == wanted:
            break
        # This part ended inside the page (offset now 0) or before it (skip what it holds).
        offset = 0 if got else max(0, offset - part.count())
    return hits


def clamp(offset: int, limit: int, max_limit: int) -> tuple[int, int]:
    return max(0, min(int(offset), MAX_OFFSET)), max(1, min(int(limit), max_limit))


RANKED = ("{table}.rowid > :floor", "rank, id", "top.rank, top.id")
NEWEST = ("{table}.rowid <= :floor", "{table}.rowid DESC", "top.id DESC")


class BoundedMatches(Generic[T]):
    """The exact matches of one FTS5 table as two parts: the newest :data:`RANK_CANDIDATES`
    ranked by bm25, then the older ones newest first (only for very common words).

    ``template`` is the page statement with ``{window}`` (a clause after the filters),
    ``{order}`` (the inner ORDER BY) and ``{outer}`` (the outer one) left open, and binding
    ``:query``, ``:limit``, ``:offset`` and ``:floor``; ``source`` is ``FROM … WHERE … MATCH
    :query`` with the filters, for the bound and the counts. Every value is a bound parameter.
    """

    def __init__(
        self,
        db: Database,
        *,
        table: str,
        source: str,
        template: str,
        params: dict[str, Any],
        row: Callable[[Any], T],
    ) -> None:
        self._db = db
        self._table = table
        self._source = source
        self._template = template
        self._params = params
        self._row = row
        self._floor: int | None = None
        self._floor_known = False

    def floor(self) -> int:
        """The rowid at and below which matches are not ranked; -1 when all are."""
        if not self._floor_known:
            found = self._db.query_one(
                f"SELECT {self._table}.rowid AS id {self._source}"
                f" ORDER BY {self._table}.rowid DESC LIMIT 1 OFFSET :cap",
                {**self._params, "cap": RANK_CANDIDATES},
            )
            self._floor = -1 if found is None else int(found["id"])
            self._floor_known = True
        return self._floor if self._floor is not None else -1

    def parts(self) -> list[Part[T]]:
        return [self._part(RANKED), self._part(NEWEST)]

    def _part(self, shape: tuple[str, str, str]) -> Part[T]:
        window, order, outer = (text.format(table=self._table) for text in shape)

        def fetch(offset: int, limit: int) -> list[T]:
            floor = self.floor()
            if floor < 0 and shape is NEWEST:
                return []
            sql = self._template.format(window=f" AND {window}", order=order, outer=outer)
            params = {**self._params, "floor": floor, "offset": offset, "limit": limit}
            return [self._row(r) for r in self._db.query(sql, params)]

        def count() -> int:
            floor = self.floor()
            if shape is RANKED and floor >= 0:
                return RANK_CANDIDATES
            if shape is NEWEST and floor < 0:
                return 0
            found = self._db.query_one(
                f"SELECT count(*) AS n {self._source} AND {window}",
                {**self._params, "floor": floor},
            )
            return 0 if found is None else int(found["n"])

        return Part(fetch, count)
