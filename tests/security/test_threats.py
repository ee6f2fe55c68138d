"""Threat-model claims of docs/SECURITY.md that had no test of their own."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from delegate_app.core.crypto.envelope import peek_envelope_id, seal
from delegate_app.core.crypto.identity import LocalIdentity
from delegate_app.core.messaging.payloads import ConversationRef, MessagePayload
from delegate_app.core.messaging.receiver import Outcome
from tests.sync.profiles import Peer, profiles_at

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
