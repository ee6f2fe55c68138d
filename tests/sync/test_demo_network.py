"""The demo's relay and answering peer: they answer, and they never outlive the demo."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from delegate_app.core.crypto.keywrap import FAST_KDF
from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import DocumentKind, ImportOptions
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.messaging.models import Direction
from delegate_app.core.paths import resolve_profile
from delegate_app.core.policy import Policy
from delegate_app.core.profile import ProfileInfo, init_profile
from delegate_app.demo_network import DemoNetwork
from delegate_app.demo_peer import COMMENT, REPLY
from sync.client.engine import SyncEngine
from tests.conftest import PASSPHRASE


def sync_until(room: Mailroom, condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Sync repeatedly (the peer answers between our passes) until ``condition`` holds."""
    engine = SyncEngine(room)
    deadline = time.monotonic() + timeout
    try:
        while True:
            engine.sync_once()
            if condition():
                return
            assert time.monotonic() < deadline, "the demo peer did not answer in time"
            engine.waker.wait(0.2)
    finally:
        engine.close()


def test_demo_peer_answers_messages_and_papers(tmp_path: Path) -> None:
    policy = Policy.from_raw(None)
    demo = tmp_path / "demo"
    vault = init_profile(
        resolve_profile(demo),
        ProfileInfo("Amina Haddad", "Permanent Mission of Freedonia", None),
        PASSPHRASE,
        policy,
        kdf=FAST_KDF,
    )
    network = DemoNetwork(demo, policy, PASSPHRASE, kdf=FAST_KDF, peer_interval=0.2)
    with network:
        network.start(vault)
        assert network.relay_db.is_relative_to(demo)
        room = Mailroom.open(vault.db, policy)
        messenger = room.messenger

        def incoming() -> list[str]:
            return [m.body for m in messenger.messages() if m.direction is Direction.IN]

        sync_until(room, lambda: len(incoming()) >= 1)  # the embassy's greeting
        peer_name = room.contacts.contacts()[0].name
        messenger.send_text(peer_name, "Could you confirm your position on item 4?")
        sync_until(room, lambda: REPLY in incoming())
        summary = Library(vault.db, policy).import_bytes(
            "paper.md",
            b"# Item 4\n\nFreedonia proposes a joint declaration.\n",
            ImportOptions(kind=DocumentKind.POSITION_PAPER),
        )
        room.sharing.share(summary.id, [peer_name])
        sync_until(room, lambda: [c.body for c in room.sharing.comments(summary.id)] == [COMMENT])
        assert any("acknowledge receipt" in body for body in incoming())
    assert network.relay is not None and network.relay.poll() is not None
    assert network.peer is not None and network.peer.poll() is not None
    vault.lock()


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status


def test_relay_and_peer_die_with_a_killed_demo(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from delegate_app.core.crypto.keywrap import FAST_KDF
        from delegate_app.core.paths import resolve_profile
        from delegate_app.core.policy import Policy
        from delegate_app.core.profile import ProfileInfo, init_profile
        from delegate_app.demo_network import DemoNetwork
        policy = Policy.from_raw(None)
        demo = Path({str(tmp_path / "demo")!r})
        vault = init_profile(resolve_profile(demo), ProfileInfo("A", "B", None),
                             {PASSPHRASE!r}, policy, kdf=FAST_KDF)
        network = DemoNetwork(demo, policy, {PASSPHRASE!r}, kdf=FAST_KDF).start(vault)
        print(network.relay.pid, network.peer.pid, flush=True)
        time.sleep(120)
        """
    )
    demo = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ),
    )
    try:
        assert demo.stdout is not None
        pids = [int(p) for p in demo.stdout.readline().split()]
        assert len(pids) == 2 and all(_alive(pid) for pid in pids)
    finally:
        demo.send_signal(signal.SIGKILL)
        demo.wait(timeout=10)
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in pids):
        assert time.monotonic() < deadline, "relay or peer outlived the demo"
        time.sleep(0.05)
