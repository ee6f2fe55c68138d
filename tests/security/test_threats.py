"""Threat-model claims of docs/SECURITY.md that had no test of their own."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from delegate_app.core.crypto.envelope import peek_envelope_id, seal
from delegate_app.core.crypto.identity import LocalIdentity
from delegate_app.core.messaging.errors import MessagingError
from delegate_app.core.messaging.membership import MembershipStore, describe, group_uid
from delegate_app.core.messaging.models import ConversationKind
from delegate_app.core.messaging.payloads import (
    GROUP_UPDATE_TYPE,
    ConversationRef,
    GroupUpdatePayload,
    MessagePayload,
)
from delegate_app.core.messaging.receiver import Outcome
from delegate_app.core.vault.migrations import all_migrations, latest_version
from tests.sync.conftest import start_relay
from tests.sync.groups import direct_as, identity_of, post_as
from tests.sync.profiles import (
    Peer,
    create_profiles,
    hand_deliver,
    introduce,
    profiles_at,
    sync_peer,
)

NO_RELAY = "http://127.0.0.1:9"


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[list[Peer]]:
    with profiles_at(tmp_path, 2, NO_RELAY) as peers:
        yield peers


def test_an_envelope_under_another_id_is_refused(pair: list[Peer]) -> None:
    # A relay replaying a valid envelope under a fresh deposit id, hoping it is shown again.
    amina, boris = pair
    envelope = seal(amina.room.identity, [boris.room.identity.public()], "delegate/message",
                    _message(amina, boris).to_bytes())  # fmt: skip
    real_id = peek_envelope_id(envelope.data).hex()
    fresh_id = secrets.token_hex(16)
    refused = boris.room.receiver.receive(fresh_id, envelope.data)
    assert refused.outcome is Outcome.REJECTED and "id" in (refused.reason or "")
    assert boris.room.messenger.messages() == []
    accepted = boris.room.receiver.receive(real_id, envelope.data)
    assert accepted.outcome is Outcome.ACCEPTED
    assert boris.room.receiver.receive(real_id, envelope.data).outcome is Outcome.DUPLICATE
    assert [m.body for m in boris.room.messenger.messages()] == ["Meet at the plenary."]


def test_a_group_payload_naming_someone_outside_the_envelope_is_refused(
    pair: list[Peer],
) -> None:
    amina, boris = pair
    outsider = LocalIdentity.generate().public().identity_key.hex()
    payload = _message(amina, boris, extra_member=outsider)
    envelope = seal(amina.room.identity, [boris.room.identity.public()], "delegate/message",
                    payload.to_bytes())  # fmt: skip
    result = boris.room.receiver.receive(peek_envelope_id(envelope.data).hex(), envelope.data)
    assert result.outcome is Outcome.REJECTED
    assert "members" in (result.reason or "")
    assert boris.room.messenger.conversations() == []


def _message(sender: Peer, to: Peer, *, extra_member: str | None = None) -> MessagePayload:
    members = [sender.room.sender.key, to.room.sender.key]
    if extra_member is not None:
        members.append(extra_member)
    return MessagePayload(
        conversation=ConversationRef(
            uid=secrets.token_hex(16),
            kind="group" if extra_member else "direct",
            title="Caucus" if extra_member else None,
            members=tuple(members),
        ),
        message_uid=secrets.token_hex(16),
        text="Meet at the plenary.",
        expiry_days=None,
    )


# -- groups: a member cannot split or jam a group (docs/adr/0018) ----------------------------


@pytest.fixture
def relay_url(tmp_path: Path) -> Iterator[str]:
    relay = start_relay(tmp_path / "relay.db")
    try:
        yield relay.url
    finally:
        relay.stop()


@pytest.fixture
def delegation(tmp_path: Path, relay_url: str) -> Iterator[list[Peer]]:
    """Amina (the group's creator), Boris, Chen and Dara, all on one loopback relay."""
    with profiles_at(tmp_path, 4, relay_url) as peers:
        yield peers


def _sync(*peers: Peer) -> None:
    for peer in peers:
        sync_peer(peer)


def _warnings(peer: Peer, title: str) -> list[str]:
    with peer.unlocked() as room:
        group = room.messenger.group(title)
        flagged = MembershipStore(room.db).warnings(group.id)
        return [
            describe(flagged[m.id], room.directory.display_name, room.sender.key)
            for m in room.messenger.messages(group.id)
            if m.id in flagged
        ]


def _create_delegation(amina: Peer, *members: Peer) -> str:
    with amina.unlocked() as room:
        uid = room.messenger.create_group("Delegation", [m.name for m in members]).uid
        room.messenger.send_to_group("Delegation", "Welcome.")
    _sync(amina, *members)
    return uid


def test_a_member_posting_to_part_of_a_group_is_flagged_to_those_who_get_it(
    delegation: list[Peer],
) -> None:
    amina, boris, chen, mallory = delegation
    uid = _create_delegation(amina, boris, chen, mallory)
    # Mallory, a member, tells Boris something behind Amina's and Chen's backs.
    post_as(mallory, uid, [identity_of(boris)], "Between us: concede item 4.")
    sync_peer(boris)
    assert _warnings(boris, "Delegation") == ["Sent only to you — not to Amina Haddad, Chen Wei."]
    # ...and copies in an outsider: flagged, and the outsider does not become a member.
    outsider = LocalIdentity.generate().public()
    post_as(mallory, uid, [identity_of(boris), identity_of(chen), identity_of(amina), outsider],
             "Looping in a friend.")  # fmt: skip
    _sync(boris, chen)
    stranger = outsider.identity_key.hex()
    for peer in (boris, chen):
        warning = _warnings(peer, "Delegation")[-1]
        assert warning == f"Sent to someone not in this group: {stranger[:12]}…."
        with peer.unlocked() as room:
            assert stranger not in room.messenger.group("Delegation").members
    # The group still works for everyone: Boris's answer reaches all three other members.
    with boris.unlocked() as room:
        answer = room.messenger.send_to_group("Delegation", "Let us discuss this together.")
        assert len(room.messenger.store.recipient_states(answer.id)) == 3
    _sync(boris, amina, chen, mallory)
    for peer in (amina, chen, mallory):
        with peer.unlocked() as room:
            group = room.messenger.group("Delegation")
            bodies = [m.body for m in room.messenger.messages(group.id)]
        assert bodies[-1] == "Let us discuss this together."
    # Amina had the outsider's copy flagged too; what went to the whole group is not flagged.
    assert _warnings(amina, "Delegation") == [warning]


def test_an_unknown_member_is_pending_and_does_not_block_the_others(
    tmp_path: Path, relay_url: str
) -> None:
    with profiles_at(tmp_path / "trio", 3, relay_url) as trio:
        amina, boris, chen = trio
        (dara,) = create_profiles(tmp_path / "dara", 1, relay_url, first=3)
        try:
            introduce([amina, dara])  # Boris and Chen have no card for Dara
            _create_delegation(amina, boris, chen, dara)
            with boris.unlocked() as room:
                group = room.messenger.group("Delegation")
                dara_key = identity_of(dara).identity_key.hex()
                assert room.messenger.pending_members(group) == [dara_key]
                sent = room.messenger.send_in(group, "Counting on all of you.")
                reached = {r.identity_key for r in room.messenger.store.recipient_states(sent.id)}
                assert dara_key not in reached and len(reached) == 2
            assert _warnings(boris, "Delegation") == [
                f"Sent only to Amina Haddad, Chen Wei — not to {dara_key[:12]}…."
            ]
            _sync(boris, amina, chen)
            with amina.unlocked() as room:
                last = room.messenger.messages(room.messenger.group("Delegation").id)[-1]
            assert last.body == "Counting on all of you."
        finally:
            dara.close()


def test_the_creator_removes_a_member_who_then_receives_nothing(delegation: list[Peer]) -> None:
    amina, boris, chen, dara = delegation
    uid = _create_delegation(amina, boris, chen, dara)
    with boris.unlocked() as room, pytest.raises(MessagingError, match="creator, Amina Haddad"):
        room.messenger.remove_member(room.messenger.group("Delegation"), "Dara Okafor")
    with amina.unlocked() as room:
        group = room.messenger.remove_member(room.messenger.group("Delegation"), "Dara Okafor")
        assert len(group.members) == 2 and group.membership_epoch == 2
    _sync(amina, boris, chen, dara)
    dara_key = identity_of(dara).identity_key.hex()
    for peer in (boris, chen):
        with peer.unlocked() as room:
            assert dara_key not in room.messenger.group("Delegation").members
    with dara.unlocked() as room:
        assert room.messenger.group("Delegation").self_removed
        with pytest.raises(MessagingError, match="no longer a member"):
            room.messenger.send_to_group("Delegation", "Still here?")
    with amina.unlocked() as room:
        room.messenger.send_to_group("Delegation", "Final line on item 4.")
    with boris.unlocked() as room:
        room.messenger.send_to_group("Delegation", "Agreed.")
    _sync(amina, boris, chen)
    assert sync_peer(dara).received == 0
    with dara.unlocked() as room:
        bodies = [m.body for m in room.messenger.messages()]
    assert "Final line on item 4." not in bodies and "Agreed." not in bodies
    # A removed member's message to the group is refused, not shown.
    post_as(dara, uid, [identity_of(boris)], "Let me back in.")
    sync_peer(boris)
    with boris.unlocked() as room:
        assert "Let me back in." not in [m.body for m in room.messenger.messages()]


def test_only_the_creator_can_change_a_groups_members(delegation: list[Peer]) -> None:
    amina, boris, chen, mallory = delegation
    uid = _create_delegation(amina, boris, chen, mallory)
    keys = [identity_of(p).identity_key.hex() for p in (boris, mallory)]
    forged = GroupUpdatePayload(uid, secrets.token_hex(16), "Delegation", tuple(keys), 99)
    with mallory.unlocked() as room:
        sealed = seal(room.identity, [identity_of(boris)], GROUP_UPDATE_TYPE, forged.to_bytes())
    with boris.unlocked() as room:
        result = room.receiver.receive(sealed.id_hex, sealed.data)
        assert result.outcome is Outcome.REJECTED and "creator" in (result.reason or "")
        assert len(room.messenger.group("Delegation").members) == 3


def test_an_update_for_a_group_we_are_not_in_creates_nothing(delegation: list[Peer]) -> None:
    _amina, boris, _chen, mallory = delegation
    nonce = secrets.token_hex(16)
    with mallory.unlocked() as room:
        own = room.sender.key
        update = GroupUpdatePayload(group_uid(own, nonce), nonce, "Spam", (own,), 1)
        sealed = seal(room.identity, [identity_of(boris)], GROUP_UPDATE_TYPE, update.to_bytes())
    with boris.unlocked() as room:
        room.receiver.receive(sealed.id_hex, sealed.data)
        assert room.messenger.conversations() == []


def test_the_creators_update_replaces_what_a_members_earlier_message_claimed(
    delegation: list[Peer],
) -> None:
    amina, boris, chen, mallory = delegation
    with amina.unlocked() as room:
        uid = room.messenger.create_group("Delegation", [boris.name, chen.name, mallory.name]).uid
    # Mallory's message reaches Boris before Amina's membership does, naming an outsider.
    outsider = LocalIdentity.generate().public()
    post_as(mallory, uid, [identity_of(boris), outsider], "First!")
    sync_peer(boris)
    stranger = outsider.identity_key.hex()
    with boris.unlocked() as room:
        early = room.messenger.group("Delegation")
        assert early.creator_key is None and stranger in early.members
    _sync(amina, boris)
    with boris.unlocked() as room:
        group = room.messenger.group("Delegation")
        assert group.creator_key == identity_of(amina).identity_key.hex()
        assert stranger not in group.members and len(group.members) == 3
        # The outsider never was a member: not shown as removed either.
        assert stranger not in [m.key for m in room.messenger.group_members(group)]


def test_a_member_cannot_preclaim_a_groups_uid_as_a_direct_conversation(
    delegation: list[Peer],
) -> None:
    # Mallory knows the group's uid (Amina's update reached her first) and, before it reaches
    # Boris, sends Boris a direct message under that uid, hoping Boris then refuses the group
    # forever as "not a group".
    amina, boris, chen, mallory = delegation
    with amina.unlocked() as room:
        uid = room.messenger.create_group("Delegation", [boris.name, chen.name, mallory.name]).uid
        room.messenger.send_to_group("Delegation", "Our position on article 4.")
    direct_as(mallory, uid, boris, "Psst.")
    sync_peer(boris)  # only Mallory's message is on the relay yet
    mallory_key = identity_of(mallory).identity_key.hex()
    with boris.unlocked() as room:
        direct = room.messenger.store.direct_with(mallory_key)
        assert direct is not None and direct.uid != uid
        assert [m.body for m in room.messenger.messages(direct.id)] == ["Psst."]
        assert room.messenger.store.conversation_by_uid(uid) is None
    _sync(amina, boris)
    with boris.unlocked() as room:
        group = room.messenger.store.conversation_by_uid(uid)
        assert group is not None and group.kind is ConversationKind.GROUP
        assert group.creator_key == identity_of(amina).identity_key.hex()
        assert [m.body for m in room.messenger.messages(group.id)] == ["Our position on article 4."]


def test_a_direct_conversation_an_older_release_keyed_by_a_group_uid_is_freed(
    pair: list[Peer],
) -> None:
    # A vault from before version 13 may hold a direct conversation under a uid its sender
    # chose; the upgrade re-keys it, and the group that uid belongs to is accepted after all.
    amina, boris = pair
    with amina.unlocked() as room:
        group = room.messenger.create_group("Caucus", [boris.name])
    with boris.unlocked() as room:
        direct = room.messenger.direct_conversation(amina.name)
        room.db.execute("UPDATE conversations SET uid = ? WHERE id = ?", (group.uid, direct.id))
        room.db.execute("PRAGMA user_version = 12")
        room.db.migrate(all_migrations()[:13])  # version 13 again: the later ones are applied
        room.db.execute(f"PRAGMA user_version = {latest_version()}")
        freed = room.messenger.store.conversation(direct.id)
        assert freed.uid != group.uid and freed.kind is ConversationKind.DIRECT
    hand_deliver([amina, boris])
    with boris.unlocked() as room:
        caucus = room.messenger.store.conversation_by_uid(group.uid)
        assert caucus is not None and caucus.kind is ConversationKind.GROUP
        assert room.messenger.store.direct_with(identity_of(amina).identity_key.hex()) is not None
