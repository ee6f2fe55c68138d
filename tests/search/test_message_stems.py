"""Language-aware search in messages and comment threads (migration 16): inflected, prefixed,
unaccented and mixed-script forms are found, exact matches rank first, different words that
share their first letters do not flood the results, and the stems follow every change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import ImportOptions
from delegate_app.core.documents.stemming import word_stems
from delegate_app.core.search import Scope, Search
from tests.sync.profiles import Peer, create_profiles

TEXTS = {
    # name: text; a message has no language, so every stemmer of each word's script applies
    "en-plural": "The agreements on quotas were signed.",
    "en-exact": "The agreement on quotas was signed.",
    "en-other": "The organization met; an organ of the assembly.",
    "fr": "Les négociations sur les accords de pêche continuent.",
    "es": "Las negociaciones sobre los acuerdos de pesca siguen.",
    "ru": "Делегации обсудили проект соглашения о квотах.",
    "ru-water": "Вода и водка — разные слова.",
    "ar": "وقعت الوفود والاتفاق بالإجماع.",
    "mixed": "Draft: соглашениями и بالاتفاقيات, 数据流动 annex.",
}
CASES = [
    ("agreement", {"en-plural", "en-exact"}),  # singular finds the plural
    ("agreements", {"en-plural", "en-exact"}),  # and the plural the singular
    ("négociation", {"fr", "es"}),  # French and Spanish stems agree once accents fold
    ("negociacion", {"fr", "es"}),  # typed without the accent
    ("accord", {"fr"}),  # the French plural "accords"
    ("соглашение", {"ru", "mixed"}),  # genitive, and instrumental plural amid other scripts
    ("соглашению", {"ru", "mixed"}),  # dative in the query
    ("اتفاق", {"ar"}),  # the text has "والاتفاق": conjunction and article attached
    ("بالاتفاق", {"ar", "mixed"}),  # and "بالاتفاقيات" by prefix (exactly)
    ("делегация", {"ru"}),
    ("数据", {"mixed"}),  # Chinese: characters side by side, exactly
    ("вода", {"ru-water"}),  # and not водка, which shares its first letters
    ("agreement пesca", set()),  # every word is required
]


@pytest.fixture
def amina(tmp_path: Path) -> Iterator[Peer]:
    peers = create_profiles(tmp_path, 2, "http://127.0.0.1:9")
    try:
        yield peers[0]
    finally:
        for peer in peers:
            peer.close()


def _search(peer: Peer) -> Search:
    return Search(peer.room.db, Library(peer.room.db, peer.policy))


@pytest.fixture
def messaged(amina: Peer) -> Peer:
    for text in TEXTS.values():
        amina.room.messenger.send_text("Boris Petrov", text)
    return amina


@pytest.fixture
def commented(amina: Peer) -> Peer:
    doc = Library(amina.room.db, amina.policy).import_bytes(
        "notes.md", b"# Notes\n\nNothing here matches.\n", ImportOptions()
    )
    amina.room.sharing.share(doc.id, ["Boris Petrov"])
    for text in TEXTS.values():
        amina.room.sharing.comment(doc.id, text)
    return amina


def _names(peer: Peer, table: str, ids: list[int]) -> set[str]:
    """Which of TEXTS the hits are."""
    by_text = {text: name for name, text in TEXTS.items()}
    sql = f"SELECT body FROM {table} WHERE id = ?"  # noqa: S608 - a fixed table name
    bodies = [peer.room.db.query_one(sql, (i,)) for i in ids]
    return {by_text[row["body"]] for row in bodies if row is not None}


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_messages_find_other_forms_of_a_word(
    messaged: Peer, query: str, expected: set[str]
) -> None:
    hits = _search(messaged).search(query, scopes=[Scope.MESSAGES]).messages
    assert _names(messaged, "messages", [h.message_id for h in hits]) == expected


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_comments_find_other_forms_of_a_word(
    commented: Peer, query: str, expected: set[str]
) -> None:
    hits = _search(commented).search(query, scopes=[Scope.COMMENTS]).comments
    assert _names(commented, "document_comments", [h.comment_id for h in hits]) == expected


def test_exact_matches_rank_first_and_stem_matches_are_marked(messaged: Peer) -> None:
    # "agreement" is a prefix of "agreements", so the plural query shows the ranking.
    hits = _search(messaged).search("agreements", scopes=[Scope.MESSAGES]).messages
    assert _names(messaged, "messages", [h.message_id for h in hits[:1]]) == {"en-plural"}
    assert _names(messaged, "messages", [h.message_id for h in hits[1:]]) == {"en-exact"}
    assert [h.exact for h in hits] == [True, False]
    marked = {text for hit in hits[1:] for text, mark in hit.snippet_parts if mark}
    assert marked == {"agreement"}  # the other form is highlighted in its snippet


def test_a_prefix_never_floods_through_stems(messaged: Peer) -> None:
    # Stems match as whole tokens, never as prefixes: "вода" finds only its own message.
    search = _search(messaged)
    hits = search.search("вода", scopes=[Scope.MESSAGES]).messages
    assert _names(messaged, "messages", [h.message_id for h in hits]) == {"ru-water"}
    assert all(hit.exact for hit in hits)  # found by its own word, never through водка
    assert word_stems("водка").isdisjoint(word_stems("вода"))


def test_stems_follow_edits_and_deletes(messaged: Peer, commented: Peer) -> None:
    db = messaged.room.db
    (message,) = db.query("SELECT id FROM messages WHERE body LIKE '%Вода%'")
    db.execute("UPDATE messages SET body = 'Договоры подписаны.' WHERE id = ?", (message["id"],))
    search = _search(messaged)
    assert search.search("вода", scopes=[Scope.MESSAGES]).messages == ()
    assert len(search.search("договор", scopes=[Scope.MESSAGES]).messages) == 1
    db.execute("DELETE FROM messages WHERE id = ?", (message["id"],))
    assert search.search("договор", scopes=[Scope.MESSAGES]).messages == ()
    db.execute("DELETE FROM document_comments")
    assert search.search("соглашение", scopes=[Scope.COMMENTS]).comments == ()
    assert db.query("SELECT rowid FROM comments_stems") == []
    count = db.query_one("SELECT count(*) AS n FROM messages_stems")
    assert count is not None and count["n"] == len(TEXTS) - 1


def test_the_upgrade_indexes_existing_messages_and_comments(commented: Peer) -> None:
    from delegate_app.core.vault.migrations import m0016_message_stems

    amina = commented
    amina.room.messenger.send_text("Boris Petrov", "Проект соглашения готов.")
    db = amina.room.db
    for table in ("messages_stems", "comments_stems"):
        db.execute(f"DROP TABLE {table}")
    for name in ("insert", "delete", "update"):
        db.execute(f"DROP TRIGGER messages_stems_{name}")
        db.execute(f"DROP TRIGGER comments_stems_{name}")
    with db.transaction():
        for statement in m0016_message_stems.MIGRATION.statements:
            db.execute(statement)
    search = _search(amina)
    assert len(search.search("соглашение", scopes=[Scope.MESSAGES]).messages) == 1  # "соглашения"
    comments = search.search("соглашение", scopes=[Scope.COMMENTS]).comments
    assert _names(amina, "document_comments", [h.comment_id for h in comments]) == {"ru", "mixed"}


def test_an_expired_message_leaves_the_stems_index(amina: Peer) -> None:
    messenger = amina.room.messenger
    message = messenger.send_text("Boris Petrov", "Проект соглашения о квотах.")
    db = amina.room.db
    assert len(_search(amina).search("соглашение").messages) == 1  # by its stem only
    db.execute("UPDATE messages SET expires_at = 1 WHERE id = ?", (message.id,))
    assert messenger.sweep_expired() == 1
    assert _search(amina).search("соглашение").count == 0
    assert db.query("SELECT rowid FROM messages_stems") == []
