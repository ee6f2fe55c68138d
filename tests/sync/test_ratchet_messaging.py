"""Envelope format 2 between real profiles (handed over directly): sessions, mixed formats,
recovery of a lost session. Through a relay: tests/sync/test_forward_secrecy.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from delegate_app.core.messaging.models import Direction
from delegate_app.core.messaging.outbox import Outbox
from delegate_app.core.messaging.ratchet_store import RatchetStore
from delegate_app.core.messaging.receiver import SESSION_LOST, Outcome
from tests.sync.profiles import Peer, hand_deliver, profiles_at
from tests.sync.ratchet_helpers import as_format_1_contact, hand_claim, outbox_versions

RELAY = "http://127.0.0.1:9"


@pytest.fixture
def trio(tmp_path: Path) -> Iterator[list[Peer]]:
    with profiles_at(tmp_path, 3, RELAY) as profiles:
        yield profiles


def _bodies(peer: Peer) -> list[str]:
    return [m.body for m in peer.room.messenger.messages() if m.direction is Direction.IN]


def test_a_claimed_key_starts_a_session_used_both_ways(trio: list[Peer]) -> None:
    amina, boris, _chen = trio
    hand_claim(amina, boris)
    amina.room.messenger.send_text("Boris Petrov", "First, in format 2.")
    assert outbox_versions(amina) == {boris.room.sender.key: 2}
    with amina.unlocked() as room:  # the claimed key is used once, in the sending commit
        assert RatchetStore(room.db).claimed(boris.room.sender.key) is None
    hand_deliver(trio)
    assert _bodies(boris) == ["First, in format 2."]
    # Boris answers in the session Amina started, without claiming anything of hers.
    boris.room.messenger.send_text("Amina Haddad", "Answered in the same session.")
    assert outbox_versions(boris) == {amina.room.sender.key: 2}
    hand_deliver(trio)
    assert _bodies(amina) == ["Answered in the same session."]
    for _ in range(3):
        amina.room.messenger.send_text("Boris Petrov", "ping")
        boris.room.messenger.send_text("Amina Haddad", "pong")
        hand_deliver(trio)
    assert _bodies(boris).count("ping") == 3 and _bodies(amina).count("pong") == 3
    a_key, b_key = amina.room.sender.key, boris.room.sender.key
    assert {c.name: c.protocol for c in amina.room.contacts.contacts()} == {
        "Boris Petrov": 2,
        "Chen Wei": 1,
    }
    with boris.unlocked() as room:
        assert len(RatchetStore(room.db).sessions(a_key)) == 1
    with amina.unlocked() as room:
        assert len(RatchetStore(room.db).sessions(b_key)) == 1


def test_a_group_with_a_format_1_member_reaches_everyone(trio: list[Peer]) -> None:
    amina, boris, chen = trio
    as_format_1_contact(amina, chen)  # Chen's client is from before format 2
    as_format_1_contact(amina, boris)
    hand_claim(amina, boris)  # but Boris's has published prekeys
    group = amina.room.messenger.create_group("Delegation", ["Boris Petrov", "Chen Wei"])
    hand_deliver(trio)
    amina.room.messenger.send_in(group, "To a mixed group.")
    # The signed recipient list must be the whole group: one format-1 envelope for all.
    assert outbox_versions(amina) == {boris.room.sender.key: 1, chen.room.sender.key: 1}
    hand_deliver(trio)
    assert _bodies(boris) == ["To a mixed group."]
    assert _bodies(chen) == ["To a mixed group."]
    # Boris's own session with Amina is untouched: their next direct message is format 2.
    amina.room.messenger.send_text("Boris Petrov", "Direct, in format 2.")
    assert outbox_versions(amina) == {boris.room.sender.key: 2}
    hand_deliver(trio)
    assert _bodies(boris)[-1] == "Direct, in format 2."


def test_a_group_whose_members_all_have_sessions_is_one_format_2_envelope(
    trio: list[Peer],
) -> None:
    amina, boris, chen = trio
    hand_claim(amina, boris)
    hand_claim(amina, chen)
    group = amina.room.messenger.create_group("Delegation", ["Boris Petrov", "Chen Wei"])
    amina.room.messenger.send_in(group, "To every member in format 2.")
    assert set(outbox_versions(amina).values()) == {2}
    with amina.unlocked() as room:
        assert len({d.envelope_id for d in Outbox(room.db).pending()}) == 2  # update, message
    hand_deliver(trio)
    assert _bodies(boris) == ["To every member in format 2."]
    assert _bodies(chen) == ["To every member in format 2."]


def test_a_lost_session_is_restarted_with_a_notice(trio: list[Peer]) -> None:
    amina, boris, _chen = trio
    a_key = amina.room.sender.key
    hand_claim(amina, boris)
    amina.room.messenger.send_text("Boris Petrov", "Before the loss.")
    hand_deliver(trio)
    with boris.unlocked() as room:  # Boris restores a backup from before the session
        RatchetStore(room.db).discard_sessions(a_key)
    amina.room.messenger.send_text("Boris Petrov", "Lost in transit.")
    ((envelope_id, data),) = _pending(amina)
    receiver = boris.room.receiver  # one receiver, so its notice set is observable
    outcome = receiver.receive(envelope_id, data)
    assert (outcome.outcome, outcome.reason) == (Outcome.DISCARDED, SESSION_LOST)
    assert receiver.restarted == {"Amina Haddad"}
    assert "Lost in transit." not in _bodies(boris)
    with boris.unlocked() as room:  # the next send to Amina starts a new session
        assert RatchetStore(room.db).restart_wanted(a_key)
    _drop_outbox(amina)
    # Boris's next message starts a new session from a key of Amina's; she answers in it.
    hand_claim(boris, amina)
    boris.room.messenger.send_text("Amina Haddad", "Are you there?")
    assert outbox_versions(boris) == {a_key: 2}
    hand_deliver(trio)
    amina.room.messenger.send_text("Boris Petrov", "Yes, again in format 2.")
    assert outbox_versions(amina) == {boris.room.sender.key: 2}
    hand_deliver(trio)
    assert _bodies(boris)[-1] == "Yes, again in format 2."
    with boris.unlocked() as room:
        assert not RatchetStore(room.db).restart_wanted(a_key)


def _pending(peer: Peer) -> list[tuple[str, bytes]]:
    with peer.unlocked() as room:
        return [(d.envelope_id, d.data) for d in Outbox(room.db).pending()]


def _drop_outbox(peer: Peer) -> None:
    with peer.unlocked() as room:
        outbox = Outbox(room.db)
        outbox.mark_deposited(outbox.pending())


def test_a_format_1_contact_moves_to_format_2_once_they_send_it(trio: list[Peer]) -> None:
    amina, _boris, chen = trio
    c_key = chen.room.sender.key
    as_format_1_contact(amina, chen)  # Amina holds Chen's old card; no prekeys of his claimed
    amina.room.messenger.send_text("Chen Wei", "Still format 1.")
    assert outbox_versions(amina) == {c_key: 1}
    assert amina.room.contacts.get("Chen Wei").protocol == 1
    ((envelope_id, data),) = _pending(amina)
    assert chen.room.receiver.receive(envelope_id, data).outcome is Outcome.ACCEPTED
    _drop_outbox(amina)
    # Chen's client (with Amina's version 3 card) starts a session from her fallback key:
    # his delivery receipt is already format 2.
    chen.room.messenger.flush_receipts()
    assert outbox_versions(chen) == {amina.room.sender.key: 2}
    hand_deliver(trio)
    assert amina.room.contacts.get("Chen Wei").protocol == 2
    amina.room.messenger.send_text("Chen Wei", "Now format 2 as well.")
    assert outbox_versions(amina) == {c_key: 2}
    hand_deliver(trio)
    assert _bodies(chen)[-1] == "Now format 2 as well."
