"""Full-text search: ranking, prefixes, snippets, filters and hostile queries."""

from __future__ import annotations

import pytest

from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import DocumentKind, ImportOptions
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Vault


@pytest.fixture
def library(vault: Vault, default_policy: Policy) -> Library:
    lib = Library(vault.db, default_policy)
    lib.import_bytes(
        "a.md",
        b"# Agenda\n\nThe plenary will discuss sanctions and later negotiations on fisheries.\n",
        ImportOptions(kind=DocumentKind.BRIEFING, event="Geneva 2027", tags=("agenda",)),
    )
    lib.import_bytes(
        "b.md",
        b"# Negotiations on data flows\n\nOur red lines are below.\n",
        ImportOptions(
            kind=DocumentKind.POSITION_PAPER, event="Geneva 2027", classification="RESTRICTED"
        ),
    )
    lib.import_bytes(
        "c.md",
        "# Note sur la délégation\n\nLa négociation avance.\n".encode(),
        ImportOptions(kind=DocumentKind.NOTE, event="Paris", tags=("fisheries",)),
    )
    return lib


def test_title_hit_ranks_above_body_hit(library: Library) -> None:
    hits = library.search("negotiations")
    assert [h.document.title for h in hits][:2] == ["Negotiations on data flows", "Agenda"]


def test_prefix_and_diacritics(library: Library) -> None:
    titles = {h.document.title for h in library.search("nego")}
    assert titles == {"Negotiations on data flows", "Agenda", "Note sur la délégation"}
    assert [h.document.title for h in library.search("delegation")] == ["Note sur la délégation"]


def test_snippets_highlight_matches(library: Library) -> None:
    (hit,) = library.search("sanctions")
    assert ("sanctions", True) in hit.snippet_parts
    assert "plenary" in hit.snippet_text


def test_tags_are_searchable_and_rank(library: Library) -> None:
    hits = library.search("fisheries")
    assert hits[0].document.title == "Note sur la délégation"  # tag beats body
    assert len(hits) == 2


def test_filters(library: Library) -> None:
    assert [h.document.kind for h in library.search("nego", kind=DocumentKind.NOTE)] == [
        DocumentKind.NOTE
    ]
    assert len(library.search("negot", event="Geneva 2027")) == 2
    assert len(library.search("negot", classification="RESTRICTED")) == 1
    assert len(library.documents(event="Paris")) == 1
    assert library.events() == ["Geneva 2027", "Paris"]


@pytest.mark.parametrize(
    "query",
    ['"unbalanced', "AND OR NOT", "NEAR(", "title:", "*", "-", "'; DROP TABLE documents;--", "^x"],
)
def test_hostile_queries_never_raise(library: Library, query: str) -> None:
    library.search(query)
    assert library.count() == 3


def test_empty_query(library: Library) -> None:
    assert library.search("   ") == []


def test_versions_kept_on_edit(library: Library) -> None:
    doc_id = library.search("agenda")[0].document.id
    library.update(doc_id, body="# Agenda\n\nRevised: sanctions dropped.\n")
    assert library.get(doc_id).version == 2
    (old,) = library.versions(doc_id)
    assert "fisheries" in old.body
    assert library.search("Revised")[0].document.id == doc_id
    assert all(h.document.id != doc_id for h in library.search("plenary"))


def test_read_state_and_position(library: Library) -> None:
    doc = library.documents()[0]
    assert not doc.is_read
    library.set_read(doc.id)
    library.set_reading_position(doc.id, 0.42)
    again = library.get(doc.id)
    assert again.summary.is_read and again.reading_position == pytest.approx(0.42)
