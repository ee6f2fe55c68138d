"""A contact's payload must be read one way only, and its claimed times must be plausible.

Each attack is a hostile contact sealing a hand-written payload, depositing it on a real relay
on loopback and the victim syncing: unknown keys, missing keys, a key given twice (which two
parsers would read differently), a version that only compares equal to 1, a lone surrogate,
and a signed time of 0 or of next year.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from delegate_app.core.messaging.models import Priority
from delegate_app.core.messaging.outbox import MESSAGE_KIND
from delegate_app.core.messaging.payloads import MESSAGE_TYPE
from delegate_app.core.messaging.receiver import EARLIEST_PLAUSIBLE_TIME
from delegate_app.core.sharing.payloads import COMMENT_TYPE, DOCUMENT_TYPE
from sync.client.engine import SyncReport
from tests.relay_server import RelayProcess
from tests.sync.profiles import Peer, profiles_at, sync_peer

YEAR = 365 * 86_400


@pytest.fixture
def pair(tmp_path: Path, relay: RelayProcess) -> Iterator[list[Peer]]:
    with profiles_at(tmp_path, 2, relay.url) as peers:
        yield peers


def _deliver(
    sender: Peer, to: Peer, content_type: str, body: bytes, *, at: float | None = None
) -> SyncReport:
    """``sender`` seals ``body`` as it is (no encoder involved) and it travels by the relay."""
    with sender.unlocked() as room:
        target = room.directory.by_key(to.room.sender.key)
        assert target is not None
        room.sender.enqueue(room.db, [target], content_type=content_type, body=body,
                            kind=MESSAGE_KIND, priority=Priority.MESSAGE, now=at)  # fmt: skip
    assert sync_peer(sender).sent == 1
    return sync_peer(to)


def _message(sender: Peer, to: Peer, **changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "v": 1,
        "conversation": {
            "uid": secrets.token_hex(16),
            "kind": "direct",
            "title": None,
            "members": sorted([sender.room.sender.key, to.room.sender.key]),
        },
        "message": secrets.token_hex(16),
        "text": "Our red line is paragraph 4.",
        "expiry_days": None,
    }
    payload.update(changes)
    return payload


def _raw(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def test_the_honest_hand_written_message_is_accepted(pair: list[Peer]) -> None:
    # The control for the attacks below: the same path with a well-formed payload works.
    amina, boris = pair
    report = _deliver(amina, boris, MESSAGE_TYPE, _raw(_message(amina, boris)))
    assert report.received == 1 and not report.rejected
    assert [m.body for m in boris.room.messenger.messages()] == ["Our red line is paragraph 4."]


@pytest.mark.parametrize(
    "change",
    [
        {"priority": "urgent"},  # a key this version does not know
        {"v": True},  # JSON true compares equal to 1 in Python
        {"v": 1.0},
        {"text": "\ud800 paragraph 4"},  # a lone surrogate: no UTF-8 text holds it
    ],
)
def test_a_message_with_an_unexpected_field_or_value_is_refused(
    pair: list[Peer], change: dict[str, Any]
) -> None:
    amina, boris = pair
    report = _deliver(amina, boris, MESSAGE_TYPE, _raw(_message(amina, boris, **change)))
    assert report.received == 0 and len(report.rejected) == 1
    assert boris.room.messenger.messages() == []


def test_a_message_lacking_a_required_field_is_refused(pair: list[Peer]) -> None:
    amina, boris = pair
    payload = _message(amina, boris)
    del payload["text"]
    report = _deliver(amina, boris, MESSAGE_TYPE, _raw(payload))
    assert len(report.rejected) == 1 and "text" in report.rejected[0][1]
    conversation = _message(amina, boris)
    del conversation["conversation"]["members"]
    assert len(_deliver(amina, boris, MESSAGE_TYPE, _raw(conversation)).rejected) == 1
    assert boris.room.messenger.messages() == []


def test_a_field_given_twice_is_refused_not_read_as_the_last_one(pair: list[Peer]) -> None:
    # Python keeps the last of two equal keys, other parsers the first: one signed payload
    # would then say different things to two readers.
    amina, boris = pair
    body = _raw(_message(amina, boris, text="We accept.")).replace(
        b'"text": "We accept."', b'"text": "We accept.", "text": "We refuse."'
    )
    assert body.count(b'"text"') == 2
    report = _deliver(amina, boris, MESSAGE_TYPE, body)
    assert len(report.rejected) == 1 and "twice" in report.rejected[0][1]
    assert boris.room.messenger.messages() == []


def test_a_document_or_comment_with_an_unknown_or_missing_field_is_refused(
    pair: list[Peer],
) -> None:
    amina, boris = pair
    holders = sorted([amina.room.sender.key, boris.room.sender.key])
    uid = "8c1f2a9e-0d3b-4c55-9a7e-2f6b1d0c4e11"
    meta: dict[str, Any] = {
        "uid": uid, "kind": "note", "title": "Draft", "event": None,
        "classification": "RESTRICTED", "language": "en", "author": None,
        "body_format": "text", "body": "Paragraph 4.",
    }  # fmt: skip
    document: dict[str, Any] = {
        "v": 1, "document": meta, "revision": secrets.token_hex(16), "parent": None,
        "holders": holders, "pdf": None, "attachment": None,
    }  # fmt: skip
    # "tags" missing: readers used to default it; now every required key must be there.
    assert len(_deliver(amina, boris, DOCUMENT_TYPE, _raw(document)).rejected) == 1
    meta["tags"] = []
    document["forward_to"] = holders  # unknown to this version
    assert len(_deliver(amina, boris, DOCUMENT_TYPE, _raw(document)).rejected) == 1
    assert boris.room.sharing.store.document_id(uid) is None
    comment = {"v": 1, "document": uid, "comment": secrets.token_hex(16),
               "body": "Agreed.", "quote": None, "reply_to": None}  # fmt: skip
    assert len(_deliver(amina, boris, COMMENT_TYPE, _raw(comment)).rejected) == 1


def test_a_message_dated_zero_or_next_year_is_shown_at_its_receive_time(
    pair: list[Peer],
) -> None:
    amina, boris = pair
    now = time.time()
    for claimed in (0, now + YEAR):
        report = _deliver(amina, boris, MESSAGE_TYPE, _raw(_message(amina, boris)), at=claimed)
        assert report.received == 1
    shown = [m.sent_at.timestamp() for m in boris.room.messenger.messages()]
    assert len(shown) == 2
    assert all(now <= t <= time.time() for t in shown)
    # A plausible past time is kept as the sender dated it.
    _deliver(amina, boris, MESSAGE_TYPE, _raw(_message(amina, boris)), at=now - 3600)
    assert min(m.sent_at.timestamp() for m in boris.room.messenger.messages()) == int(now - 3600)
    assert EARLIEST_PLAUSIBLE_TIME == 1_577_836_800  # 2020-01-01T00:00:00Z, as documented
