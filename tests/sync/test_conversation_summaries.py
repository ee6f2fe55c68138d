"""What the conversation list reads from the core: the newest message of each conversation,
and drafts (kept in the vault, bounded, gone when sent or when the conversation goes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from delegate_app.core.messaging.errors import MessagingError
from delegate_app.core.messaging.payloads import MAX_TEXT
from tests.sync.profiles import Peer, hand_deliver, profiles_at

RELAY = "http://127.0.0.1:9"
SECRET = "Our fallback position: accept paragraph 4 as drafted"


@pytest.fixture
def trio(tmp_path: Path) -> Iterator[list[Peer]]:
    with profiles_at(tmp_path, 3, RELAY) as profiles:
        yield profiles


def test_the_newest_message_of_each_conversation_in_one_query(trio: list[Peer]) -> None:
    amina = trio[0].room.messenger
    amina.send_text("Boris Petrov", "first", now=1000.0)
    newest = amina.send_text("Boris Petrov", "second", now=2000.0)
    to_chen = amina.send_text("Chen Wei", "to Chen", now=1500.0)
    trio[2].room.messenger.send_text("Amina Haddad", "from Chen", now=1600.0)
    hand_deliver(trio)
    last = amina.store.last_messages()
    boris = amina.direct_conversation("Boris Petrov")
    chen = amina.direct_conversation("Chen Wei")
    assert last[boris.id].id == newest.id
    # Chen's reply reached us after our message: it is the newest (ordered by arrival).
    assert last[chen.id].body == "from Chen" and last[chen.id].id != to_chen.id
    empty = amina.create_group("Caucus", ["Boris Petrov"])
    assert empty.id not in amina.store.last_messages()


def test_drafts_are_kept_per_conversation_in_the_vault_and_go_when_sent(
    trio: list[Peer],
) -> None:
    amina = trio[0]
    messenger = amina.room.messenger
    boris = messenger.direct_conversation("Boris Petrov")
    chen = messenger.direct_conversation("Chen Wei")
    messenger.drafts.save(boris.id, SECRET)
    messenger.drafts.save(chen.id, "To Chen")
    assert messenger.drafts.draft(boris.id) == SECRET
    assert messenger.drafts.with_drafts() == {boris.id, chen.id}
    messenger.drafts.save(chen.id, "  \n")  # blank: no draft
    assert messenger.drafts.draft(chen.id) == "" and messenger.drafts.with_drafts() == {boris.id}

    amina.vault.lock()  # in the vault: encrypted at rest, like the messages
    assert SECRET.encode() not in amina.vault.paths.database.read_bytes()
    with amina.unlocked() as room:
        assert room.messenger.drafts.draft(boris.id) == SECRET
        room.messenger.send_in(room.messenger.store.conversation(boris.id), SECRET)
        assert room.messenger.drafts.draft(boris.id) == ""  # sent: the draft went with it


def test_a_draft_is_bounded_like_a_message(trio: list[Peer]) -> None:
    messenger = trio[0].room.messenger
    boris = messenger.direct_conversation("Boris Petrov")
    with pytest.raises(MessagingError):
        messenger.drafts.save(boris.id, "x" * (MAX_TEXT + 1))
    assert messenger.drafts.draft(boris.id) == ""
