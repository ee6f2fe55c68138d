"""Paged results: consecutive pages neither repeat nor skip a hit, across the ranked window, the
matches beyond it and the matches by other word forms; and ranking stays bounded for a word in
nearly every row (only the newest RANK_CANDIDATES are ranked)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from delegate_app.core import search_paging
from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import ImportOptions
from delegate_app.core.policy import Policy
from delegate_app.core.search import Scope, Search
from delegate_app.core.vault import Vault
from tests.sync.profiles import Peer, create_profiles

CAP = 5  # ranked candidates, small so that a test crosses the bound
EXACT = 12
STEMMED = 8


@pytest.fixture(autouse=True)
def small_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_paging, "RANK_CANDIDATES", CAP)


@pytest.fixture
def library(vault: Vault, default_policy: Policy) -> Library:
    lib = Library(vault.db, default_policy)
    for n in range(EXACT + STEMMED):
        word = "соглашение" if n < EXACT else "соглашения"  # exact form, or another form only
        text = f"# Doc {n}\n\nПроект {word} {'квоты ' * (n % 4)}.\n"
        lib.import_bytes(f"{n}.md", text.encode(), ImportOptions(language="ru"))
    return lib


def _pages(fetch: Callable[[int, int], list[int]], size: int, total: int) -> list[list[int]]:
    """Every page of ``size`` from the first, one past the end."""
    return [fetch(offset, size) for offset in range(0, total + size, size)]


@pytest.mark.parametrize("size", [1, 3, 5, 7, 50])
def test_document_pages_have_no_duplicates_and_no_gaps(library: Library, size: int) -> None:
    def fetch(offset: int, limit: int) -> list[int]:
        return [h.document.id for h in library.search("соглашение", limit=limit, offset=offset)]

    whole = fetch(0, 500)
    assert len(whole) == EXACT + STEMMED
    pages = _pages(fetch, size, len(whole))
    assert [i for p in pages for i in p] == whole  # the same order, nothing twice or missing
    assert pages[-1] == []


def test_only_the_newest_matches_are_ranked_then_the_rest_newest_first(library: Library) -> None:
    hits = library.search("соглашение", limit=500)
    exact = [h.document.id for h in hits if h.exact]
    assert len(exact) == EXACT
    newest = sorted(exact, reverse=True)
    assert set(exact[:CAP]) == set(newest[:CAP])  # the ranked window: the newest CAP
    ranks = [h.rank for h in hits[:CAP]]
    assert ranks == sorted(ranks)  # ranked by bm25 within it
    assert exact[CAP:] == newest[CAP:]  # beyond it: newest first
    assert [h.exact for h in hits[EXACT:]] == [False] * STEMMED  # other forms after all


def test_matches_under_the_bound_are_all_ranked(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    hits = library.search("квоты", limit=500)  # in 3 of every 4 documents, over the cap
    assert len({h.document.id for h in hits}) == len(hits) == 15
    assert sorted(h.rank for h in hits) != [h.rank for h in hits]  # not all ranked
    monkeypatch.setattr(search_paging, "RANK_CANDIDATES", 1000)
    ranked = library.search("квоты", limit=500)
    assert sorted(h.rank for h in ranked) == [h.rank for h in ranked]


def test_offsets_and_limits_are_bounded(library: Library) -> None:
    assert library.search("соглашение", offset=-5, limit=2) == library.search("соглашение", limit=2)
    assert library.search("соглашение", offset=10**12) == []
    assert len(library.search("соглашение", limit=10**9)) == EXACT + STEMMED


@pytest.fixture
def amina(tmp_path: Path) -> Iterator[Peer]:
    peers = create_profiles(tmp_path, 2, "http://127.0.0.1:9")
    try:
        amina = peers[0]
        for n in range(EXACT + STEMMED):
            word = "соглашение" if n < EXACT else "соглашения"
            amina.room.messenger.send_text("Boris Petrov", f"Проект {word} номер {n}.")
        yield amina
    finally:
        for peer in peers:
            peer.close()


@pytest.mark.parametrize("size", [1, 4, 6, 50])
def test_message_pages_have_no_duplicates_and_no_gaps(amina: Peer, size: int) -> None:
    search = Search(amina.room.db, Library(amina.room.db, amina.policy))

    def fetch(offset: int, limit: int) -> list[int]:
        results = search.search("соглашение", scopes=[Scope.MESSAGES], limit=limit, offset=offset)
        return [h.message_id for h in results.messages]

    whole = fetch(0, 500)
    assert len(whole) == EXACT + STEMMED
    pages = _pages(fetch, size, len(whole))
    assert [i for p in pages for i in p] == whole
    hits = search.search("соглашение", scopes=[Scope.MESSAGES], limit=500).messages
    assert [h.exact for h in hits] == [True] * EXACT + [False] * STEMMED
