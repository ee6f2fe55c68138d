"""The sync engine against a real relay on loopback, two and three profiles."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from delegate_app.core.mailroom import Mailroom
from delegate_app.core.messaging.models import MessageState
from sync.client.engine import SyncEngine
from sync.client.errors import RelayUnreachableError
from sync.client.state import SyncState, SyncStatus
from tests.relay_server import RelayProcess
from tests.sync.conftest import start_relay
from tests.sync.profiles import Peer, profiles_at


def sync(peer: Peer) -> SyncEngine:
    engine = SyncEngine(peer.room)
    try:
        engine.sync_once()
    finally:
        engine.close()
    return engine


def test_message_round_trip_with_receipts(tmp_path: Path, relay: RelayProcess) -> None:
    with profiles_at(tmp_path, 2, relay.url) as (amina, boris):
        states: list[SyncState] = []
        sent = amina.room.messenger.send_text("Boris Petrov", "Hello Sylvania")
        engine = SyncEngine(amina.room, on_state=states.append)
        report = engine.sync_once()
        assert report.sent == 1
        assert states[-1].status is SyncStatus.UP_TO_DATE
        assert "Up to date at" in states[-1].describe()
        assert amina.room.messenger.store.message_by_uid(sent.uid).state is MessageState.SENT  # type: ignore[union-attr]
        sync(boris)
        assert [m.body for m in boris.room.messenger.messages()] == ["Hello Sylvania"]
        engine.sync_once()
        assert amina.room.messenger.store.message_by_uid(sent.uid).state is MessageState.DELIVERED  # type: ignore[union-attr]
        engine.close()


def test_recipient_offline_then_online_and_relay_restart(tmp_path: Path) -> None:
    relay = start_relay(tmp_path / "relay.db")
    try:
        with profiles_at(tmp_path, 3, relay.url) as (amina, boris, chen):
            for index in range(30):
                amina.room.messenger.send_text("Boris Petrov", f"message {index}")
            sync(amina)
            # The relay restarts while Boris is still offline; nothing deposited is lost.
            relay.stop()
            relay = start_relay(tmp_path / "relay.db", port=relay.port)
            chen.room.messenger.send_text("Boris Petrov", "from Chen")
            sync(chen)
            sync(boris)
            bodies = [m.body for m in boris.room.messenger.messages()]
            assert sorted(bodies) == sorted([f"message {i}" for i in range(30)] + ["from Chen"])
            sync(boris)  # a second pass shows nothing twice
            assert len(boris.room.messenger.messages()) == 31
    finally:
        relay.stop()


def test_paused_while_offline_and_resumed_when_the_link_returns(tmp_path: Path) -> None:
    relay = start_relay(tmp_path / "relay.db")
    port = relay.port
    with profiles_at(tmp_path, 2, relay.url) as (amina, boris):
        relay.stop()
        sent = amina.room.messenger.send_text("Boris Petrov", "queued while offline")
        # The worker thread owns its own vault connection, as the GUI's will.
        worker_db = amina.vault.open_connection()
        states: list[SyncState] = []
        engine = SyncEngine(Mailroom.open(worker_db, amina.policy), on_state=states.append)
        with pytest.raises(RelayUnreachableError):
            engine.sync_once()
        assert engine.state.status is SyncStatus.OFFLINE
        assert engine.state.describe() == "Offline"
        thread = threading.Thread(target=engine.run, daemon=True)
        thread.start()
        try:
            wait_until(lambda: engine.state.status is SyncStatus.OFFLINE and engine.state.retry_in)
            relay = start_relay(tmp_path / "relay.db", port=port)
            engine.network_changed(online=True)  # what the OS reachability signal triggers
            wait_until(lambda: engine.state.status is SyncStatus.UP_TO_DATE)
        finally:
            engine.stop()
            thread.join(timeout=30)
            engine.close()
            worker_db.close()
        assert not thread.is_alive()
        message = amina.room.messenger.store.message_by_uid(sent.uid)
        assert message is not None and message.state is MessageState.SENT
        assert any(s.status is SyncStatus.SYNCING for s in states)
        sync(boris)
        assert [m.body for m in boris.room.messenger.messages()] == ["queued while offline"]
    relay.stop()


def wait_until(condition: Callable[[], object], timeout: float = 30.0) -> None:
    """Poll a condition with a deadline (the engine runs on its own thread)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)
