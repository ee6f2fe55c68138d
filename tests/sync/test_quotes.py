"""Replies that quote a message: the optional ``quote`` of a message payload (PROTOCOL §10.2).

The quote is the sender's claim: its id may name nothing, or another conversation's message,
and its excerpt may say anything. It is bounded, plain text, and never resolved outside the
conversation the reply belongs to.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from delegate_app.core.messaging.errors import MessagingError, PayloadError
from delegate_app.core.messaging.payloads import (
    MAX_EXCERPT,
    ConversationRef,
    MessagePayload,
    QuoteRef,
)
from delegate_app.ui.message_model import MessageListModel
from tests.relay_server import RelayProcess
from tests.sync.groups import direct_as, identity_of
from tests.sync.profiles import Peer, hand_deliver, profiles_at, sync_peer

RELAY = "http://127.0.0.1:9"
UID = "0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f"
KEY = "3b" * 32
HOSTILE = '<b>Signed</b> <img src="http://127.0.0.1:9/x.png">'


def _payload(quote: object) -> bytes:
    body = MessagePayload(
        ConversationRef(UID, "direct", None, (KEY,)), UID, "Agreed.", None,
        QuoteRef(UID, "Our red line is paragraph 4."),
    ).to_bytes()  # fmt: skip
    return body.replace(
        b'{"message":"' + UID.encode() + b'","excerpt":"Our red line is paragraph 4."}', quote
    ) if isinstance(quote, bytes) else body  # fmt: skip


def test_a_quote_round_trips_and_a_message_without_one_writes_no_key() -> None:
    body = _payload(None)
    assert MessagePayload.from_bytes(body).quote == QuoteRef(UID, "Our red line is paragraph 4.")
    plain = MessagePayload(ConversationRef(UID, "direct", None, (KEY,)), UID, "Hi", None)
    assert b"quote" not in plain.to_bytes()  # readers of the table without it still read it


@pytest.mark.parametrize(
    "quote",
    [
        b'{"message":"' + UID.encode() + b'","excerpt":"' + b"x" * (MAX_EXCERPT + 1) + b'"}',
        b'{"message":"not-an-id","excerpt":"x"}',
        b'{"message":"' + UID.encode() + b'"}',
        b'{"message":"' + UID.encode() + b'","excerpt":"x","html":"<b>"}',
        b'"' + UID.encode() + b'"',
        b'{"message":"' + UID.encode() + b'","excerpt":7}',
    ],
    ids=["long excerpt", "bad id", "no excerpt", "unknown key", "not an object", "not text"],
)
def test_a_bad_quote_refuses_the_message(quote: bytes) -> None:
    with pytest.raises(PayloadError):
        MessagePayload.from_bytes(_payload(quote))


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[list[Peer]]:
    with profiles_at(tmp_path, 2, RELAY) as profiles:
        yield profiles


def test_a_reply_carries_the_quoted_message_and_only_one_of_the_same_conversation(
    pair: list[Peer],
) -> None:
    amina, boris = pair
    asked = amina.room.messenger.send_text("Boris Petrov", "Can you accept paragraph 4?\nAs is.")
    hand_deliver(pair)
    received = boris.room.messenger.messages()[0]
    conversation = boris.room.messenger.conversations()[0]
    boris.room.messenger.send_in(conversation, "Yes.", quoting=received)
    hand_deliver(pair)
    reply = amina.room.messenger.messages()[-1]
    assert (reply.quote_uid, reply.quote_excerpt) == (
        asked.uid,
        "Can you accept paragraph 4? As is.",
    )

    group = boris.room.messenger.create_group("Caucus", ["Amina Haddad"])
    with pytest.raises(MessagingError):  # a message of another conversation cannot be quoted
        boris.room.messenger.send_in(group, "Look", quoting=received)


def test_a_quote_naming_another_conversations_message_shows_only_its_excerpt(
    tmp_path: Path, relay: RelayProcess
) -> None:
    # Boris knows the id of a message Amina sent to a group, and replies in their direct
    # conversation "quoting" it with words of his own, hoping they show as that message.
    with profiles_at(tmp_path, 3, relay.url) as (amina, boris, _chen):
        with amina.unlocked() as room:
            room.messenger.create_group("Caucus", ["Boris Petrov", "Chen Wei"])
            secret = room.messenger.send_to_group("Caucus", "We can drop paragraph 4.")
            direct = room.messenger.direct_conversation("Boris Petrov")
        sync_peer(amina)
        direct_as(boris, UID, amina, "As you said:", quote=QuoteRef(secret.uid, HOSTILE))
        direct_as(boris, UID, amina, "And this:", quote=QuoteRef("f" * 32, "Nobody wrote it"))
        sync_peer(amina)
        with amina.unlocked() as room:
            messages = room.messenger.messages(direct.id)
            directory = room.directory
            names = {identity_of(boris).identity_key.hex(): directory.display_name(
                identity_of(boris).identity_key.hex()
            )}  # fmt: skip
        model = MessageListModel()
        model.set_messages(messages, names, {}, group=False)
        quotes = [row.quote for _n, row in model.message_rows()]
        assert [(q.sender, q.excerpt) for q in quotes if q] == [
            (None, HOSTILE), (None, "Nobody wrote it"),
        ]  # fmt: skip  # the excerpt only: never the group message, never its author
        assert "We can drop paragraph 4." not in "\n".join(
            MessageListModel.row_text(row) for _n, row in model.message_rows()
        )
