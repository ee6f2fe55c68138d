"""``delegatectl`` messaging commands as a user runs them: subprocesses, a real relay, crashes."""

from __future__ import annotations

import base64
import json
import os
import random
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from delegate_app.core.messaging.models import Direction
from tests.cli.helpers import delegatectl
from tests.conftest import PASSPHRASE
from tests.relay_server import RelayProcess
from tests.sync.profiles import Peer, create_profiles


@pytest.fixture
def pair(tmp_path: Path, relay: RelayProcess) -> Iterator[list[Peer]]:
    profiles = create_profiles(tmp_path, 2, relay.url)
    for peer in profiles:
        peer.close()  # the subprocesses own the vaults from here on
    yield profiles


def ctl(peer: Peer, *args: str) -> subprocess.CompletedProcess[str]:
    return delegatectl(*args, "--profile", str(peer.root))


def json_of(result: subprocess.CompletedProcess[str]) -> object:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_send_sync_and_list_messages(pair: list[Peer]) -> None:
    amina, boris = pair
    sent = ctl(amina, "send", "Boris Petrov", "Plenary moved to 15:00.")
    assert sent.returncode == 0, sent.stderr
    assert ctl(amina, "sync", "--once").returncode == 0
    synced = json_of(ctl(boris, "sync", "--once", "--json"))
    assert isinstance(synced, dict) and synced["received"] == 1
    assert synced["state"] == "up-to-date"
    listed = json_of(ctl(boris, "messages", "--json", "--mark-read"))
    assert isinstance(listed, list)
    assert [(m["sender"], m["text"], m["state"]) for m in listed] == [
        ("Amina Haddad", "Plenary moved to 15:00.", "received")
    ]
    assert ctl(boris, "sync", "--once").returncode == 0  # sends the receipts
    assert ctl(amina, "sync", "--once").returncode == 0
    mine = json_of(ctl(amina, "messages", "--json"))
    assert isinstance(mine, list) and mine[0]["state"] == "read"
    table = ctl(amina, "messages")
    assert "Plenary moved to 15:00." in table.stdout and "read" in table.stdout


def test_groups_and_expiry_commands(pair: list[Peer]) -> None:
    amina, boris = pair
    created = ctl(amina, "groups", "create", "Delegation", "Boris Petrov")
    assert created.returncode == 0, created.stderr
    assert ctl(amina, "expiry", "--group", "Delegation", "3").returncode == 0
    assert ctl(amina, "send", "--group", "Delegation", "Caucus at noon").returncode == 0
    assert ctl(amina, "sync", "--once").returncode == 0
    assert ctl(boris, "sync", "--once").returncode == 0
    groups = json_of(ctl(boris, "groups", "list", "--json"))
    assert isinstance(groups, list)
    assert [(g["kind"], g["title"], g["expiry_days"]) for g in groups] == [
        ("group", "Delegation", 3)
    ]
    listed = json_of(ctl(boris, "messages", "--json", "--group", "Delegation"))
    assert isinstance(listed, list) and listed[0]["expires_at"] is not None


def test_unknown_contact_and_missing_passphrase_are_one_line_errors(pair: list[Peer]) -> None:
    amina, _ = pair
    result = ctl(amina, "send", "Nobody", "hello")
    assert result.returncode == 1
    assert result.stderr.startswith("delegatectl: ") and "Nobody" in result.stderr
    assert "Traceback" not in result.stderr


def test_tampered_and_forged_envelopes_are_refused_and_the_rest_delivered(
    pair: list[Peer], relay: RelayProcess
) -> None:
    amina, boris = pair
    for text in ("one", "two", "three"):
        assert ctl(amina, "send", "Boris Petrov", text).returncode == 0
    assert ctl(amina, "sync", "--once").returncode == 0
    # Someone with access to the relay's disk flips bytes in one stored envelope…
    with sqlite3.connect(relay.db) as conn:
        row = conn.execute("SELECT cursor, data FROM envelopes ORDER BY cursor LIMIT 1").fetchone()
        damaged = bytearray(row[1])
        damaged[len(damaged) // 2] ^= 0xFF
        conn.execute("UPDATE envelopes SET data = ? WHERE cursor = ?", (bytes(damaged), row[0]))
    # …and anyone may deposit: a forged envelope and plain garbage.
    mailbox = boris.mailbox_id
    forged = b"DLG\x01" + secrets.token_bytes(16) + b"\x00\x01" + secrets.token_bytes(300)
    response = requests.post(
        f"{relay.url}/v1/mailboxes/{mailbox}/envelopes",
        json={
            "envelopes": [
                {"id": forged[4:20].hex(), "data": base64.b64encode(forged).decode()},
                {"id": secrets.token_hex(16), "data": base64.b64encode(b"garbage").decode()},
            ]
        },
        timeout=10,
    )
    assert response.status_code == 200
    result = ctl(boris, "sync", "--once", "--json")
    assert result.returncode == 1  # rejections are reported as a failure for scripts
    report = json.loads(result.stdout)
    assert report["received"] == 2
    assert len(report["rejected"]) == 3
    assert all(r["reason"] for r in report["rejected"])
    listed = json_of(ctl(boris, "messages", "--json"))
    assert isinstance(listed, list)
    assert sorted(m["text"] for m in listed) == ["three", "two"]
    # Refused envelopes were acknowledged: the next pass is clean.
    again = json_of(ctl(boris, "sync", "--once", "--json"))
    assert isinstance(again, dict) and again["rejected"] == [] and again["received"] == 0


def test_key_change_blocks_sending_until_accepted(pair: list[Peer], tmp_path: Path) -> None:
    amina, _boris = pair
    # Boris reinstalls: a new profile, same name, new keys; Amina imports the new card.
    reinstalled = create_profiles(tmp_path / "new", 2, "http://127.0.0.1:9", first=0)[1]
    reinstalled.close()
    card = tmp_path / "boris-new.card"
    assert ctl(reinstalled, "card", "export", str(card)).returncode == 0
    assert ctl(amina, "card", "import", str(card)).returncode == 0
    refused = ctl(amina, "send", "Boris Petrov", "Still there?")
    assert refused.returncode == 1 and "key changed" in refused.stderr
    assert ctl(amina, "contacts", "accept-key", "Boris Petrov").returncode == 0
    assert ctl(amina, "send", "Boris Petrov", "Still there?").returncode == 0


# -- crash safety: SIGKILL at random points of a sync ----------------------------------------


def _sync_process(peer: Peer) -> subprocess.Popen[bytes]:
    env = dict(os.environ, DELEGATE_PASSPHRASE=PASSPHRASE)
    return subprocess.Popen(
        [sys.executable, "-m", "delegate_app.cli", "sync", "--once", "--profile", str(peer.root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=env,
    )


@pytest.mark.faults
def test_sigkill_at_random_points_loses_nothing_and_shows_nothing_twice(
    tmp_path: Path, relay: RelayProcess
) -> None:
    rng = random.Random(int(os.environ.get("DELEGATE_FAULT_SEED", "20240601")))
    peers = create_profiles(tmp_path, 2, relay.url)
    amina, boris = peers
    sent: dict[str, set[str]] = {"Amina Haddad": set(), "Boris Petrov": set()}
    other = {"Amina Haddad": "Boris Petrov", "Boris Petrov": "Amina Haddad"}

    def queue(peer: Peer, count: int) -> None:
        with peer.unlocked() as room:
            for _ in range(count):
                text = f"{peer.name} #{len(sent[peer.name])} {secrets.token_hex(4)}"
                room.messenger.send_text(other[peer.name], text)
                sent[peer.name].add(text)

    for peer in peers:
        peer.close()
    queue(amina, 40)
    queue(boris, 40)
    rounds = int(os.environ.get("DELEGATE_FAULT_ROUNDS", "24"))
    killed = 0
    latest = 1.2  # upper bound of the kill time, adapted so that kills land mid-sync
    for index in range(rounds):
        peer = peers[index % 2]
        if rng.random() < 0.7:
            queue(peer, rng.randint(40, 120))
        process = _sync_process(peer)
        try:
            # Start-up and unlock take about 0.4 s; the pass over the backlog follows.
            process.wait(timeout=rng.uniform(0.35, latest))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            killed += 1
            latest = min(2.5, latest * 1.1)
        else:
            latest = max(0.45, latest * 0.8)
    assert killed >= rounds // 4, "the kills should land mid-sync in many rounds"
    # Let both finish cleanly (bounded), then count on both sides.
    for _ in range(3):
        for peer in peers:
            finished = ctl(peer, "sync", "--once")
            assert finished.returncode == 0, finished.stderr
    for peer in peers:
        with peer.unlocked() as room:
            messages = room.messenger.messages()
        incoming = [m.body for m in messages if m.direction is Direction.IN]
        outgoing = [m.body for m in messages if m.direction is Direction.OUT]
        assert len(incoming) == len(set(incoming)), "a message was shown twice"
        assert set(incoming) == sent[other[peer.name]], "a message was lost"
        assert set(outgoing) == sent[peer.name]


def test_sync_loop_prints_state_changes_and_stops_on_sigterm(pair: list[Peer]) -> None:
    amina, boris = pair
    assert ctl(amina, "send", "Boris Petrov", "Loop mode").returncode == 0
    args = ["sync", "--interval", "0.3", "--profile", str(boris.root)]
    process = subprocess.Popen(
        [sys.executable, "-m", "delegate_app.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ, DELEGATE_PASSPHRASE=PASSPHRASE),
    )
    assert ctl(amina, "sync", "--once").returncode == 0
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:  # bounded by the timeout below if nothing comes
            lines.append(line.strip())
            if line.startswith("Up to date") and any("received 1" in x for x in lines):
                break
            if len(lines) > 50:
                break
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 0, err
    assert any(x.startswith("Syncing") for x in lines)
    assert any(x.startswith("Up to date at") for x in lines)
    assert "Stopped" in out


def test_relay_killed_and_restarted_mid_sync(tmp_path: Path) -> None:
    from tests.sync.conftest import start_relay

    relay = start_relay(tmp_path / "relay.db")
    try:
        amina, boris = create_profiles(tmp_path, 2, relay.url)
        texts = {f"backlog {n}" for n in range(300)}
        with amina.db_transaction() as room:
            for text in sorted(texts):
                room.messenger.send_text("Boris Petrov", text)
        for peer in (amina, boris):
            peer.close()
        assert ctl(amina, "sync", "--once").returncode == 0

        def waiting_on_relay() -> int:
            with sqlite3.connect(relay.db, timeout=10) as conn:
                return int(conn.execute("SELECT count(*) FROM envelopes").fetchone()[0])

        assert waiting_on_relay() == len(texts)
        receiving = _sync_process(boris)
        deadline = time.monotonic() + 60
        while waiting_on_relay() == len(texts):  # until the first batch is acknowledged
            assert receiving.poll() is None and time.monotonic() < deadline
            time.sleep(0.005)
        relay.kill()  # SIGKILL mid-sync: no shutdown handlers
        receiving.wait(timeout=60)
        assert waiting_on_relay() > 0, "the kill should land before the backlog is drained"
        relay = start_relay(tmp_path / "relay.db", port=relay.port)
        assert ctl(boris, "sync", "--once").returncode == 0
        with boris.unlocked() as room:
            bodies = [m.body for m in room.messenger.messages()]
        assert len(bodies) == len(set(bodies)) == len(texts)
        assert set(bodies) == texts
    finally:
        relay.stop()
