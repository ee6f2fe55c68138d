"""``delegatectl`` messaging commands as a user runs them: subprocesses, a real relay, crashes."""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

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
