"""Messaging core without a relay: real vaults, real envelopes, handed over directly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from delegate_app.core.contacts.book import ContactBook, own_card
from delegate_app.core.crypto.cards import make_card
from delegate_app.core.crypto.identity import LocalIdentity
from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import DocumentKind, ImportOptions
from delegate_app.core.messaging.errors import MessagingError, RecipientBlockedError
from delegate_app.core.messaging.inbox import InboxState
from delegate_app.core.messaging.models import ConversationKind, Direction, MessageState
from delegate_app.core.messaging.outbox import Outbox
from delegate_app.core.messaging.payloads import MESSAGE_TYPE
from delegate_app.core.messaging.receiver import Outcome, Receiver
from delegate_app.core.policy import Policy, RawPolicy
from tests.sync.profiles import Peer, hand_deliver, profiles_at

RELAY = "http://127.0.0.1:9"


@pytest.fixture
def trio(tmp_path: Path) -> Iterator[list[Peer]]:
    with profiles_at(tmp_path, 3, RELAY) as profiles:
        yield profiles


def test_sending_writes_message_and_outbox_entry_together(trio: list[Peer]) -> None:
    amina = trio[0].room
    message = amina.messenger.send_text("Boris Petrov", "Draft communiqué attached.")
    assert message.state is MessageState.QUEUED
    assert message.direction is Direction.OUT
    pending = Outbox(amina.db).pending()
    assert [(d.kind, d.ref) for d in pending] == [("message", message.uid)]
    assert pending[0].mailbox_id == trio[1].room.mailbox_id


def test_direct_message_is_received_once_with_receipts(trio: list[Peer]) -> None:
    amina, boris = trio[0], trio[1]
    sent = amina.room.messenger.send_text("Boris Petrov", "Meet at 9?")
    hand_deliver(trio)
    received = boris.room.messenger.messages()
    assert [(m.body, m.direction, m.sender_key) for m in received] == [
        ("Meet at 9?", Direction.IN, amina.room.sender.key)
    ]
    # Delivered receipt came back, signed by Boris.
    assert amina.room.messenger.store.message_by_uid(sent.uid).state is MessageState.DELIVERED  # type: ignore[union-attr]
    # Reading sends a read receipt (policy default allows it).
    conversation = boris.room.messenger.conversations()[0]
    assert boris.room.messenger.mark_read(conversation.id) == 1
    hand_deliver(trio)
    assert amina.room.messenger.store.message_by_uid(sent.uid).state is MessageState.READ  # type: ignore[union-attr]
    # Replies land in the same conversation on both sides.
    boris.room.messenger.send_text("Amina Haddad", "Yes, 9 works.")
    hand_deliver(trio)
    amina_convs = amina.room.messenger.conversations()
    assert len(amina_convs) == 1
    assert [m.body for m in amina.room.messenger.messages(amina_convs[0].id)] == [
        "Meet at 9?",
        "Yes, 9 works.",
    ]


def test_same_envelope_twice_is_shown_once(trio: list[Peer]) -> None:
    amina, boris = trio[0].room, trio[1].room
    amina.messenger.send_text("Boris Petrov", "Once only")
    delivery = Outbox(amina.db).pending()[0]
    first = boris.receiver.receive(delivery.envelope_id, delivery.data)
    second = boris.receiver.receive(delivery.envelope_id, delivery.data)
    assert (first.outcome, second.outcome) == (Outcome.ACCEPTED, Outcome.DUPLICATE)
    assert boris.messenger.store.count() == 1


def test_read_receipts_off_by_policy(tmp_path: Path) -> None:
    policy = Policy.from_raw(RawPolicy("test", {"read_receipts": False}, {}))
    with profiles_at(tmp_path, 2, RELAY, policy) as (amina, boris):
        sent = amina.room.messenger.send_text("Boris Petrov", "No read receipts here")
        hand_deliver([amina, boris])
        conversation = boris.room.messenger.conversations()[0]
        boris.room.messenger.mark_read(conversation.id)
        hand_deliver([amina, boris])
        state = amina.room.messenger.store.message_by_uid(sent.uid)
        assert state is not None and state.state is MessageState.DELIVERED


def test_group_message_reaches_every_member(trio: list[Peer]) -> None:
    amina, boris, chen = trio
    group = amina.room.messenger.create_group("G7 sherpas", ["Boris Petrov", "Chen Wei"])
    sent = amina.room.messenger.send_to_group("G7 sherpas", "Agenda item 3 moved.")
    pending = Outbox(amina.room.db).pending()
    assert {d.kind for d in pending} == {"group-update", "message"}  # membership goes first
    deliveries = [d for d in pending if d.kind == "message"]
    assert len({d.envelope_id for d in deliveries}) == 1  # sealed once
    assert len(deliveries) == 2  # one delivery per member
    hand_deliver(trio)
    for member in (boris, chen):
        convs = member.room.messenger.conversations()
        assert [(c.kind, c.title, c.uid) for c in convs] == [
            (ConversationKind.GROUP, "G7 sherpas", group.uid)
        ]
        assert {amina.room.sender.key} <= set(convs[0].members)
        assert [m.body for m in member.room.messenger.messages()] == ["Agenda item 3 moved."]
    states = amina.room.messenger.store.recipient_states(sent.id)
    assert {s.state for s in states} == {MessageState.DELIVERED}
    # A member answers the whole group.
    chen.room.messenger.send_to_group("G7 sherpas", "Noted.")
    hand_deliver(trio)
    assert [m.body for m in boris.room.messenger.messages()] == [
        "Agenda item 3 moved.",
        "Noted.",
    ]


def test_changed_key_blocks_sending_until_accepted(trio: list[Peer]) -> None:
    amina = trio[0].room
    book = ContactBook(amina.db, trio[0].policy)
    boris = book.get("Boris Petrov")
    new_identity = LocalIdentity.generate()
    new_card = make_card(
        new_identity,
        name="Boris Petrov",
        organisation=boris.organisation,
        relay_url=RELAY,
        created=boris.card.created + 10,
    )
    book.import_card(new_card)
    with pytest.raises(RecipientBlockedError, match="security key changed"):
        amina.messenger.send_text("Boris Petrov", "Are you there?")
    assert Outbox(amina.db).pending() == []
    book.accept_new_key(book.get("Boris Petrov"))
    message = amina.messenger.send_text("Boris Petrov", "Are you there?")
    assert message.state is MessageState.QUEUED


def test_tampered_envelope_is_rejected_and_the_rest_delivered(trio: list[Peer]) -> None:
    amina, boris = trio[0].room, trio[1].room
    amina.messenger.send_text("Boris Petrov", "first")
    amina.messenger.send_text("Boris Petrov", "second")
    first, second = Outbox(amina.db).pending()
    flipped = bytearray(first.data)
    flipped[len(flipped) // 2] ^= 0x01
    bad = boris.receiver.receive(first.envelope_id, bytes(flipped))
    good = boris.receiver.receive(second.envelope_id, second.data)
    assert bad.outcome is Outcome.REJECTED and bad.reason
    assert good.outcome is Outcome.ACCEPTED
    assert [m.body for m in boris.messenger.messages()] == ["second"]
    # An altered envelope has no sender we can trust: counted, not stored row by row.
    assert InboxState(boris.db).rejections() == []
    assert InboxState(boris.db).unreadable() == 1


def test_envelope_from_a_stranger_is_a_request_until_they_are_a_contact(tmp_path: Path) -> None:
    with (
        profiles_at(tmp_path / "a", 1, RELAY) as (amina,),
        profiles_at(tmp_path / "b", 1, RELAY, first=3) as (stranger,),
    ):
        # The stranger knows Amina, Amina does not know the stranger.
        ContactBook(stranger.vault.db, stranger.policy).import_card(
            own_card(amina.vault.db, amina.policy)
        )
        stranger.room.messenger.send_text("Amina Haddad", "Hello from a stranger")
        delivery = Outbox(stranger.room.db).pending()[0]
        room = amina.room
        result = room.receiver.receive(delivery.envelope_id, delivery.data)
        assert result.outcome is Outcome.HELD
        assert amina.room.messenger.messages() == []
        assert [r.preview for r in room.requests.all()] == ["Hello from a stranger"]
        ContactBook(amina.vault.db, amina.policy).import_card(
            own_card(stranger.vault.db, stranger.policy)
        )
        opened = room.receiver.opened
        retried = room.requests.deliver_from_contacts()
        assert [r.outcome for r in retried] == [Outcome.ACCEPTED]
        assert room.receiver.opened == opened  # delivered from the request, not opened again
        assert room.requests.all() == []
        assert [m.body for m in amina.room.messenger.messages()] == ["Hello from a stranger"]


def test_expiry_forced_by_policy_and_swept(tmp_path: Path) -> None:
    sent_time = 1_700_000_000.0
    policy = Policy.from_raw(RawPolicy("test", {"forced_message_expiry_days": 2}, {}))
    with profiles_at(tmp_path, 2, RELAY, policy) as (amina, boris):
        conversation = amina.room.messenger.direct_conversation("Boris Petrov")
        amina.room.messenger.set_expiry(conversation.id, 7)  # the policy's 2 days win
        # A plausible time long past (times before 2020 are shown as received: PROTOCOL.md §10.1).
        sent = amina.room.messenger.send_text("Boris Petrov", "Disappearing", now=sent_time)
        assert sent.expires_at is not None
        assert sent.expires_at.timestamp() == sent_time + 2 * 86_400
        hand_deliver([amina, boris])
        assert len(boris.room.messenger.messages()) == 1
        assert boris.room.messenger.store.conversations()[0].expiry_days == 2
        assert boris.room.messenger.sweep_expired() == 1  # sent long ago: already expired
        assert amina.room.messenger.sweep_expired(now=sent_time + 86_400) == 0
        assert amina.room.messenger.sweep_expired(now=sent_time + 3 * 86_400) == 1
        assert amina.room.messenger.messages() == []


def test_empty_or_unknown_recipient_is_refused(trio: list[Peer]) -> None:
    amina = trio[0].room
    with pytest.raises(MessagingError):
        amina.messenger.send_text("Boris Petrov", "   ")
    with pytest.raises(Exception, match="No contact"):
        amina.messenger.send_text("Nobody", "hi")


def test_a_payload_that_cannot_be_applied_is_refused_not_wedged(trio: list[Peer]) -> None:
    amina, boris = trio[0].room, trio[1].room
    amina.messenger.send_text("Boris Petrov", "first")
    amina.messenger.send_text("Boris Petrov", "second")
    first, second = Outbox(amina.db).pending()

    def broken(db: object, inbound: object) -> None:
        raise KeyError("a bug in a handler")

    wedged = Receiver(boris.db, boris.identity, boris.directory, {MESSAGE_TYPE: broken})
    result = wedged.receive(first.envelope_id, first.data)
    assert result.outcome is Outcome.REJECTED and "KeyError" in (result.reason or "")
    assert boris.receiver.receive(second.envelope_id, second.data).outcome is Outcome.ACCEPTED
    assert [m.body for m in boris.messenger.messages()] == ["second"]


def test_accepted_key_change_keeps_the_same_conversations_and_shared_documents(
    trio: list[Peer],
) -> None:
    amina = trio[0].room
    direct = amina.messenger.direct_conversation("Boris Petrov")
    group = amina.messenger.create_group("Delegation", ["Boris Petrov", "Chen Wei"])
    summary = Library(amina.db, trio[0].policy).import_bytes(
        "paper.md", b"# Paper\n\nText.\n", ImportOptions(kind=DocumentKind.POSITION_PAPER)
    )
    amina.sharing.share(summary.id, ["Boris Petrov"])
    trio[1].room.messenger.send_text("Amina Haddad", "Sent with my first key.")
    hand_deliver(trio)
    boris = amina.contacts.get("Boris Petrov")
    old_key = boris.identity_key.hex()
    new_identity = LocalIdentity.generate()
    amina.contacts.import_card(
        make_card(
            new_identity,
            name="Boris Petrov",
            organisation=boris.organisation,
            relay_url=RELAY,
            created=boris.card.created + 10,
        )
    )
    accepted = amina.accept_new_key(
        amina.contacts.get("Boris Petrov"), new_identity.public().identity_key
    )
    new_key = accepted.identity_key.hex()
    assert new_key != old_key
    # The same threads go on with the new key; nothing still names the old one.
    assert amina.messenger.direct_conversation("Boris Petrov").id == direct.id
    regrouped = amina.messenger.group("Delegation")
    assert regrouped.id == group.id and new_key in regrouped.members
    assert old_key not in regrouped.members
    holders = amina.sharing.holders(summary.id)
    assert new_key in holders and old_key not in holders
    message = amina.messenger.send_to_group("Delegation", "Key accepted, carry on.")
    assert message.state is MessageState.QUEUED
    # What the old key signed keeps its key, and still shows under the contact's name.
    (earlier,) = [m for m in amina.messenger.messages(direct.id) if m.direction is Direction.IN]
    assert earlier.sender_key == old_key
    assert amina.directory.display_name(old_key) == "Boris Petrov"
