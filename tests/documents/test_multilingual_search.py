"""Search in other UN languages: Arabic with and without vowel marks, Russian, Chinese."""

from __future__ import annotations

import pytest

from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import DocumentKind, ImportOptions
from delegate_app.core.documents.search_query import fts_query, index_text, snippet_parts
from delegate_app.core.documents.store import INDEX_VERSION_KEY
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Vault

ARABIC = "# مُذَكِّرَة حول التعاون الرقمي\n\nنؤيد إنشاء آلية أممية للحوار بشأن الذكاء الاصطناعي.\n"
RUSSIAN = "# Переговоры о трансграничных потоках данных\n\nДелегация поддерживает компромисс.\n"
CHINESE = "# 关于数据跨境流动的立场文件\n\n我国支持人工智能治理的多边合作。AI治理需要包容。\n"


@pytest.fixture
def library(vault: Vault, default_policy: Policy) -> Library:
    lib = Library(vault.db, default_policy)
    for name, text, language in (
        ("ar.md", ARABIC, "ar"),
        ("ru.md", RUSSIAN, "ru"),
        ("zh.md", CHINESE, "zh"),
    ):
        lib.import_bytes(
            name, text.encode(), ImportOptions(kind=DocumentKind.NOTE, language=language)
        )
    return lib


def _languages(library: Library, query: str) -> list[str | None]:
    return [hit.document.language for hit in library.search(query)]


@pytest.mark.parametrize(
    "query",
    ["مذكرة", "مُذَكِّرَة", "الرقمي", "انشاء", "إنشاء", "الذكاء الاصطناعي"],
)
def test_arabic_with_or_without_vowel_marks_and_hamza(library: Library, query: str) -> None:
    assert _languages(library, query) == ["ar"]


@pytest.mark.parametrize("query", ["переговоры", "ПЕРЕГОВОРЫ", "трансгран", "данных компромисс"])
def test_russian_words_prefixes_and_case(library: Library, query: str) -> None:
    assert _languages(library, query) == ["ru"]


@pytest.mark.parametrize("query", ["数据", "跨境流动", "治理", "人工智能", "AI治理", "立场文件"])
def test_chinese_words_inside_unspaced_text(library: Library, query: str) -> None:
    assert _languages(library, query) == ["zh"]


def test_chinese_characters_must_be_adjacent(library: Library) -> None:
    assert library.search("数流") == []  # both characters occur, but never side by side


def test_chinese_snippet_is_put_back_together(library: Library) -> None:
    (hit,) = library.search("治理")
    assert ("治理", True) in hit.snippet_parts
    assert "智能治理的多边合作" in hit.snippet_text
    assert "智 能" not in hit.snippet_text


def test_chinese_title_outranks_body(library: Library) -> None:
    library.import_bytes("zh2.md", "# 会议安排\n\n数据\n".encode(), ImportOptions(language="zh"))
    titles = [hit.document.title for hit in library.search("数据")]
    assert titles == ["关于数据跨境流动的立场文件", "会议安排"]


def test_query_and_index_forms() -> None:
    assert fts_query("数据 negot") == '"数 据" "negot"*'
    assert fts_query('AI治理 "x') == '"AI"* "治 理" "x"*'
    assert index_text("AI治理。") == "AI 治 理。"
    assert index_text("مُذَكِّرَة أممية") == "مذكرة اممية"
    assert index_text("a\x02b\x03c") == "a b c"  # no stray snippet markers from content
    assert snippet_parts("关于 \x02数 据\x03 跨 境") == (
        ("关于", False),
        ("数据", True),
        ("跨境", False),
    )


def test_index_rebuilt_once_for_vaults_indexed_by_older_versions(
    vault: Vault, default_policy: Policy
) -> None:
    library = Library(vault.db, default_policy)
    doc = library.import_bytes("zh.md", CHINESE.encode())
    # An index as an earlier version wrote it: unspaced Chinese, no version recorded.
    vault.db.execute("DELETE FROM documents_fts")
    vault.db.execute(
        "INSERT INTO documents_fts (rowid, title, tags, body) VALUES (?, ?, '', ?)",
        (doc.id, doc.title, CHINESE),
    )
    vault.db.execute("DELETE FROM settings WHERE key = ?", (INDEX_VERSION_KEY,))
    assert library.search("治理") == []
    reopened = Library(vault.db, default_policy)
    assert [hit.document.id for hit in reopened.search("治理")] == [doc.id]
    assert [hit.document.id for hit in reopened.search("关于数据")] == [doc.id]
