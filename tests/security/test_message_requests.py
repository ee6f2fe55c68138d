"""Strangers cannot fill the vault: their envelopes become bounded message requests.

Each test performs the attack with real profiles and real envelopes; the first goes through a
real relay on loopback. Before message requests, a stranger's envelopes were kept raw without
bound and decrypted again on every sync pass (120 × 3 MiB made a 368 MB vault).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from delegate_app.core.contacts.book import ContactBook, own_card
from delegate_app.core.crypto.cards import make_card
from delegate_app.core.crypto.identity import LocalIdentity
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.messaging.inbox import InboxState
from delegate_app.core.messaging.models import Priority
from delegate_app.core.messaging.outbox import Outbox
from delegate_app.core.messaging.payloads import RECEIPT_TYPE, ReceiptPayload
from delegate_app.core.messaging.receiver import (
    PREVIEW_CHARS,
    STRANGER_MALFORMED,
    STRANGER_RECEIPT,
    Outcome,
)
from delegate_app.core.messaging.requests import RequestError
from delegate_app.core.policy import Policy, RawPolicy
from sync.client.engine import SyncEngine
from tests.relay_server import RelayProcess
from tests.sync.conftest import start_relay
from tests.sync.profiles import Peer, profiles_at, sync_peer

NO_RELAY = "http://127.0.0.1:9"
DAY = 86_400


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[RelayProcess]:
    process = start_relay(tmp_path / "relay.db")
    try:
        yield process
    finally:
        process.stop()


def _policy(**locked: int) -> Policy:
    return Policy.from_raw(RawPolicy("test", locked, {}))


@contextmanager
def victim_and_strangers(
    base: Path, relay_url: str, count: int, policy: Policy | None = None
) -> Iterator[tuple[Peer, list[Peer]]]:
    """Amina, and ``count`` people who hold her card while she holds none of theirs."""
    with ExitStack() as stack:
        (victim,) = stack.enter_context(profiles_at(base / "victim", 1, relay_url, policy))
        strangers = [
            stack.enter_context(profiles_at(base / f"s{i}", 1, relay_url, first=2 + i))[0]
            for i in range(count)
        ]
        card = own_card(victim.vault.db, victim.policy)
        for stranger in strangers:
            ContactBook(stranger.vault.db, stranger.policy).import_card(card)
        yield victim, strangers


def _send(stranger: Peer, texts: list[str]) -> list[tuple[str, bytes]]:
    """The stranger writes to Amina, a second apart; the envelopes (id, bytes) as she gets them."""
    room = stranger.room
    start = time.time() - len(texts) - 60
    with room.db.transaction():
        for index, text in enumerate(texts):
            room.messenger.send_text("Amina Haddad", text, now=start + index)
    pending = Outbox(room.db).pending()
    return [(d.envelope_id, d.data) for d in pending]


def test_a_stranger_flooding_through_the_relay_keeps_only_the_bounds_opened_once(
    tmp_path: Path, relay: RelayProcess
) -> None:
    with victim_and_strangers(tmp_path, relay.url, 2) as (amina, (chen, dara)):
        # 120 envelopes of ~60 KB from Chen, 30 small ones from Dara, all through the relay.
        _send(chen, [f"{i:03d} " + "x" * 60_000 for i in range(120)])
        _send(dara, [f"hello {i}" for i in range(30)])
        assert sync_peer(chen).sent == 120 and sync_peer(dara).sent == 30
        room = Mailroom.open(amina.vault.db, amina.policy)
        limits = room.requests.limits
        engine = SyncEngine(room)
        try:
            first = engine.sync_once()
            opened = room.receiver.opened
            kept, size = room.requests.store.totals()
            requests = {r.sender_key: r for r in room.requests.all()}
            by_chen = requests[chen.room.sender.key]
            by_dara = requests[dara.room.sender.key]
            assert by_chen.size <= limits.bytes_per_sender < by_chen.size + 61_000
            assert by_dara.count == limits.per_sender  # 20 of Dara's 30
            assert kept == first.held == by_chen.count + by_dara.count
            assert first.discarded == 150 - kept == room.requests.discarded()
            assert size <= limits.bytes_total and kept <= limits.total
            assert room.messenger.messages() == []
            assert InboxState(room.db).held() == []  # nothing kept raw
            # The next pass opens nothing: the relay was acknowledged, requests are not retried.
            second = engine.sync_once()
            assert (second.received, second.held, second.discarded) == (0, 0, 0)
            assert room.receiver.opened == opened == 150
        finally:
            engine.close()


def test_bounds_in_bytes_and_in_total_hold_for_direct_arrivals(tmp_path: Path) -> None:
    policy = _policy(requests_kb_per_sender=4, requests_total=3)
    with victim_and_strangers(tmp_path, NO_RELAY, 2, policy) as (amina, (chen, dara)):
        room = amina.room
        results = [room.receiver.receive(i, d) for i, d in _send(chen, ["a" * 3000] * 3)]
        assert [r.outcome for r in results] == [Outcome.HELD, *[Outcome.DISCARDED] * 2]
        results = [room.receiver.receive(i, d) for i, d in _send(dara, ["hi"] * 4)]
        assert [r.outcome for r in results] == [Outcome.HELD] * 2 + [Outcome.DISCARDED] * 2
        assert room.requests.store.totals()[0] == 3
        assert room.requests.discarded() == 4
        room.requests.clear_discarded()
        assert room.requests.discarded() == 0


def test_expired_requests_are_deleted_on_sync(tmp_path: Path, relay: RelayProcess) -> None:
    with victim_and_strangers(tmp_path, relay.url, 1, _policy(requests_expiry_days=3)) as (
        amina,
        (chen,),
    ):
        room = amina.room
        for envelope_id, data in _send(chen, ["old news"]):
            room.receiver.receive(envelope_id, data)
        (request,) = room.requests.all()
        arrived = request.last_at.timestamp()
        assert room.requests.sweep(now=arrived + 2 * DAY) == 0
        engine = SyncEngine(room, clock=lambda: arrived + 3 * DAY + 1)
        try:
            assert engine.sync_once().requests_expired == 1
        finally:
            engine.close()
        assert room.requests.all() == []
        assert room.requests.store.totals() == (0, 0)


def test_accept_makes_a_contact_from_their_card_and_delivers_in_order(tmp_path: Path) -> None:
    with victim_and_strangers(tmp_path, NO_RELAY, 1) as (amina, (chen,)):
        room = amina.room
        envelopes = _send(chen, ["one", "two", "three"])
        for envelope_id, data in reversed(envelopes):  # arrival order is not sending order
            room.receiver.receive(envelope_id, data)
        (request,) = room.requests.all()
        assert (request.count, request.preview) == (3, "one")
        # A card of another key (say, someone impersonating Chen) is refused: nothing changes.
        impostor = make_card(LocalIdentity.generate(), name="Chen Wei", organisation="",
                             relay_url=NO_RELAY, created=1_800_000_000)  # fmt: skip
        with pytest.raises(RequestError):
            room.requests.accept(request.id, impostor)
        assert room.contacts.contacts() == [] and len(room.requests.all()) == 1
        opened = room.receiver.opened
        result = room.requests.accept(request.id, own_card(chen.vault.db, chen.policy))
        assert (result.delivered, result.refused) == (3, 0)
        assert result.contact.name == "Chen Wei" and not result.contact.verified
        assert [m.body for m in room.messenger.messages()] == ["one", "two", "three"]
        assert room.receiver.opened == opened
        assert room.requests.all() == []
        # Chen can be answered, and his next message arrives as from any contact.
        room.messenger.send_text("Chen Wei", "Welcome")
        ((envelope_id, data),) = _send(chen, ["four"])[-1:]
        assert room.receiver.receive(envelope_id, data).outcome is Outcome.ACCEPTED


def test_delete_removes_and_block_drops_later_envelopes_silently(tmp_path: Path) -> None:
    with victim_and_strangers(tmp_path, NO_RELAY, 1) as (amina, (chen,)):
        room = amina.room
        for envelope_id, data in _send(chen, ["spam 1"]):
            room.receiver.receive(envelope_id, data)
        (request,) = room.requests.all()
        room.requests.delete(request.id)
        assert room.requests.all() == [] and room.requests.store.totals() == (0, 0)
        later = _send(chen, ["spam 2", "spam 3"])[1:]
        for envelope_id, data in later[:1]:
            room.receiver.receive(envelope_id, data)
        (request,) = room.requests.all()
        room.requests.delete(request.id, block=True)
        ((envelope_id, data),) = later[1:]
        result = room.receiver.receive(envelope_id, data)
        assert (result.outcome, result.reason) == (Outcome.DISCARDED, "blocked")
        assert room.requests.all() == [] and room.requests.discarded() == 0
        with pytest.raises(RequestError):
            room.requests.delete(request.id)


def test_envelopes_an_earlier_version_held_raw_are_converted_once(tmp_path: Path) -> None:
    with victim_and_strangers(tmp_path, NO_RELAY, 1) as (amina, (chen,)):
        room = amina.room
        inbox = InboxState(room.db)
        for envelope_id, data in _send(chen, ["kept raw by an old version"]):
            inbox.hold(envelope_id, data, "unknown sender")
        results = room.receiver.convert_held()
        assert [r.outcome for r in results] == [Outcome.HELD]
        assert inbox.held() == [] and room.receiver.opened == 1
        assert [r.preview for r in room.requests.all()] == ["kept raw by an old version"]
        assert room.receiver.convert_held() == [] and room.receiver.opened == 1


def test_a_malformed_message_from_a_stranger_is_refused_not_kept(tmp_path: Path) -> None:
    with victim_and_strangers(tmp_path, NO_RELAY, 1) as (amina, (chen,)):
        room, sender = amina.room, chen.room
        target = sender.directory.by_name("Amina Haddad")
        with sender.db.transaction() as db:
            sender.sender.enqueue(db, [target], content_type="delegate/message",
                                  body=b'{"v":1,"text":"no conversation"}', kind="message",
                                  priority=Priority.MESSAGE, ref="x")  # fmt: skip
        ((envelope_id, data),) = [(d.envelope_id, d.data) for d in Outbox(sender.db).pending()]
        result = room.receiver.receive(envelope_id, data)
        assert (result.outcome, result.reason) == (Outcome.DISCARDED, STRANGER_MALFORMED)
        assert room.requests.all() == [] and room.requests.discarded() == 1
        assert InboxState(room.db).rejections() == []


def test_a_redelivered_envelope_or_a_strangers_receipt_adds_nothing(tmp_path: Path) -> None:
    with victim_and_strangers(tmp_path, NO_RELAY, 1) as (amina, (chen,)):
        room, sender = amina.room, chen.room
        ((envelope_id, data),) = _send(chen, ["long " * 2_000])
        assert room.receiver.receive(envelope_id, data).outcome is Outcome.HELD
        again = room.receiver.receive(envelope_id, data)  # the relay lost our ack
        assert again.outcome is Outcome.DUPLICATE
        (request,) = room.requests.all()
        assert request.count == 1 and len(request.preview or "") == PREVIEW_CHARS
        # A receipt "from" a stranger acknowledges nothing of ours: dropped, and not counted.
        target = sender.directory.by_name("Amina Haddad")
        receipt = ReceiptPayload("read", (secrets.token_hex(16),)).to_bytes()
        with sender.db.transaction() as db:
            sender.sender.enqueue(db, [target], content_type=RECEIPT_TYPE, body=receipt,
                                  kind="receipt", priority=Priority.RECEIPT)  # fmt: skip
        pending = [d for d in Outbox(sender.db).pending() if d.kind == "receipt"]
        result = room.receiver.receive(pending[0].envelope_id, pending[0].data)
        assert (result.outcome, result.reason) == (Outcome.DISCARDED, STRANGER_RECEIPT)
        assert room.requests.store.totals()[0] == 1 and room.requests.discarded() == 0


def _send_unusable(stranger: Peer, count: int) -> None:
    """``count`` envelopes Amina cannot use: a malformed message, then an unknown content type."""
    room = stranger.room
    target = room.directory.by_name("Amina Haddad")
    with room.db.transaction() as db:
        for index in range(count):
            content_type, body = (
                ("delegate/message", b"{}") if index % 2 else ("x/" + "a" * 100, b"x")
            )
            room.sender.enqueue(db, [target], content_type=content_type, body=body,
                                kind="message", priority=Priority.MESSAGE)  # fmt: skip


def test_a_blocked_stranger_flooding_unusable_envelopes_through_the_relay_leaves_nothing(
    tmp_path: Path, relay: RelayProcess
) -> None:
    with victim_and_strangers(tmp_path, relay.url, 1) as (amina, (chen,)):
        _send(chen, ["hello"])
        sync_peer(chen)
        room = Mailroom.open(amina.vault.db, amina.policy)
        engine = SyncEngine(room)
        try:
            assert engine.sync_once().held == 1
            (request,) = room.requests.all()
            room.requests.delete(request.id, block=True)
            opened = room.receiver.opened
            _send_unusable(chen, 300)
            assert sync_peer(chen).sent == 300
            report = engine.sync_once()
            # Dropped silently, before anything of the content is looked at: nothing stored,
            # nothing counted, nothing refused (so the pass does not fail), and all acknowledged.
            assert (report.rejected, report.discarded, report.held) == ([], 0, 0)
            assert InboxState(room.db).rejections() == [] and room.requests.discarded() == 0
            assert room.requests.all() == [] and room.requests.store.totals() == (0, 0)
            assert room.receiver.opened == opened + 300
            again = engine.sync_once()
            assert (again.rejected, again.discarded) == ([], 0)
            assert room.receiver.opened == opened + 300
        finally:
            engine.close()


def test_a_strangers_unusable_envelopes_are_counted_as_discarded_not_stored(
    tmp_path: Path, relay: RelayProcess
) -> None:
    with victim_and_strangers(tmp_path, relay.url, 1) as (amina, (chen,)):
        _send_unusable(chen, 200)
        assert sync_peer(chen).sent == 200
        report = sync_peer(amina)
        assert report.rejected == [] and report.discarded == 200
        with amina.unlocked() as room:
            assert room.requests.discarded() == 200  # told once, as one count
            assert InboxState(room.db).rejections() == [] and room.requests.all() == []
