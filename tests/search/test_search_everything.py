"""One search over documents, messages and comment threads, with filters; what leaves the vault
(an expired message, a deleted conversation) leaves the index too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import ImportOptions
from delegate_app.core.search import Filters, Scope, Search
from tests.sync.profiles import Peer, create_profiles, hand_deliver

RELAY = "http://127.0.0.1:9"  # never contacted: envelopes are handed over directly


@pytest.fixture
def peers(tmp_path: Path) -> Iterator[list[Peer]]:
    peers = create_profiles(tmp_path, 2, RELAY)
    try:
        yield peers
    finally:
        for peer in peers:
            peer.close()


def _search(peer: Peer) -> Search:
    room = peer.room
    return Search(room.db, Library(room.db, peer.policy))


def test_one_search_finds_a_document_a_message_and_a_comment(peers: list[Peer]) -> None:
    amina, boris = peers
    doc = Library(amina.room.db, amina.policy).import_bytes(
        "fish.md", b"# Fisheries quotas\n\nThe quota proposal.\n", ImportOptions()
    )
    amina.room.sharing.share(doc.id, ["Boris Petrov"])
    amina.room.messenger.send_text("Boris Petrov", "Shall we discuss the quota proposal?")
    hand_deliver(peers)
    boris_doc = Library(boris.room.db, boris.policy).documents()[0]
    boris.room.sharing.comment(boris_doc.id, "Our quota counter-proposal is ready.")
    boris.room.messenger.send_text("Amina Haddad", "Tomorrow works for me.")
    hand_deliver(peers)

    results = _search(amina).search("quota")
    assert [h.document.title for h in results.documents] == ["Fisheries quotas"]
    assert [h.snippet_text for h in results.messages] == ["Shall we discuss the quota proposal?"]
    assert results.messages[0].sender_key is None  # ours
    (comment,) = results.comments
    assert comment.document_title == "Fisheries quotas" and comment.document_id == doc.id
    assert ("quota", True) in comment.snippet_parts
    assert comment.author_key == boris.room.messenger.sender.key

    only_messages = _search(amina).search("tomorrow", scopes=[Scope.MESSAGES])
    assert [h.snippet_text for h in only_messages.messages] == ["Tomorrow works for me."]
    assert only_messages.documents == () and only_messages.comments == ()
    assert _search(amina).search("tomorrow", scopes=[Scope.DOCUMENTS]).count == 0


def test_filters_by_conversation_and_date(peers: list[Peer]) -> None:
    amina, _boris = peers
    messenger = amina.room.messenger
    old = datetime(2026, 1, 5, tzinfo=UTC)
    messenger.send_text("Boris Petrov", "Budget figures, first draft.", now=old.timestamp())
    messenger.send_text("Boris Petrov", "Budget figures, final.")
    group = messenger.create_group("Budget group", ["Boris Petrov"])
    messenger.send_to_group("Budget group", "Budget figures for the group.")
    search = _search(amina)
    assert len(search.search("budget").messages) == 3
    in_group = search.search("budget", filters=Filters(conversation_id=group.id))
    assert [h.snippet_text for h in in_group.messages] == ["Budget figures for the group."]
    assert in_group.documents == ()  # a conversation filter leaves documents out
    before = search.search("budget", filters=Filters(until=old + timedelta(days=1)))
    assert [h.snippet_text for h in before.messages] == ["Budget figures, first draft."]
    since = search.search("budget", filters=Filters(since=old + timedelta(days=1)))
    assert len(since.messages) == 2


def test_expired_and_deleted_messages_leave_the_index(peers: list[Peer]) -> None:
    amina, _boris = peers
    messenger = amina.room.messenger
    message = messenger.send_text("Boris Petrov", "Walk-in position: forty percent.")
    db = amina.room.db
    assert len(_search(amina).search("forty").messages) == 1
    db.execute("UPDATE messages SET expires_at = 1 WHERE id = ?", (message.id,))
    assert messenger.sweep_expired() == 1
    assert _search(amina).search("forty").count == 0
    assert db.query("SELECT rowid FROM messages_fts") == []
    messenger.send_text("Boris Petrov", "Second position: thirty percent.")
    db.execute("DELETE FROM conversations")  # the cascade deletes the messages
    assert _search(amina).search("thirty").count == 0


def test_hostile_queries_never_raise_and_limits_are_bounded(peers: list[Peer]) -> None:
    amina, _boris = peers
    amina.room.messenger.send_text("Boris Petrov", "NEAR the AND gate")
    search = _search(amina)
    for query in ('"', "NEAR(a b", "body:*", "AND OR NOT", "*", "\x00", "a" * 10_000):
        search.search(query)
    assert len(search.search("gate", limit=10**9).messages) == 1
    assert search.search("   ").count == 0
