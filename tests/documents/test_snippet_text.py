"""Snippets without Markdown markup: headings, emphasis, links, lists, tables and code marks go,
the words and the highlights stay, and text that only looks like markup is left alone."""

from __future__ import annotations

import pytest

from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import ImportOptions
from delegate_app.core.documents.search_query import HIGHLIGHT_END as E
from delegate_app.core.documents.search_query import HIGHLIGHT_START as S
from delegate_app.core.documents.search_query import snippet_parts
from delegate_app.core.documents.snippet_text import plain_parts
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Vault


def _plain(snippet: str) -> str:
    return "".join(f"[{t}]" if marked else t for t, marked in plain_parts(snippet_parts(snippet)))


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        (f"# Fisheries {S}quota{E}s", "Fisheries [quota]s"),
        (f"The **{S}quota{E}** and _the_ ~~old~~ `code`", "The [quota] and the old code"),
        (f"see [the {S}annex{E}](https://x.org/a) ![map](m.png)", "see the [annex] map"),
        (f"…ther](https://x.org/cut) and {S}more{E}", "…ther and [more]"),
        (f"- item\n> quoted\n1. first {S}x{E}", "item\nquoted\nfirst [x]"),
        ("| a | b |\n|---|---|\n| c | d |", " a b \n\n c d "),
        ("snake_case_name, 2*3*4 and C# code", "snake_case_name, 2*3*4 and C# code"),
    ],
)
def test_markup_goes_and_words_and_highlights_stay(snippet: str, expected: str) -> None:
    assert _plain(snippet) == expected


def test_library_hits_have_plain_snippets(vault: Vault, default_policy: Policy) -> None:
    library = Library(vault.db, default_policy)
    library.import_bytes(
        "b.md", b"# Fisheries\n\n## Quotas\n\nThe **quota** table, see [annex](https://x.org).\n",
        ImportOptions(),
    )  # fmt: skip
    (hit,) = library.search("quota")
    assert "**" not in hit.snippet_text and "https" not in hit.snippet_text
    assert ("quota", True) in hit.snippet_parts
