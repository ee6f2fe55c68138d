"""``delegatectl requests`` as a user runs it: subprocesses, a real relay, hostile text."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from delegate_app.core.contacts.book import ContactBook, own_card
from tests.cli.helpers import delegatectl
from tests.relay_server import RelayProcess
from tests.sync.profiles import Peer, create_profiles, sync_peer

HOSTILE = "Hi \x1b]52;c;ZXZpbA==\x07 \x1b[2J from a stranger"


def ctl(peer: Peer, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return delegatectl(*args, "--profile", str(peer.root))


def test_list_accept_and_delete_requests_from_the_command_line(
    tmp_path: Path, relay: RelayProcess
) -> None:
    (amina,) = create_profiles(tmp_path / "a", 1, relay.url)
    chen, dara = (create_profiles(tmp_path / f"s{i}", 1, relay.url, first=2 + i)[0] for i in (0, 1))
    card = own_card(amina.vault.db, amina.policy)
    chen_card = tmp_path / "chen.card"
    chen_card.write_text(own_card(chen.vault.db, chen.policy).to_text(), encoding="utf-8")
    for stranger, text in ((chen, HOSTILE), (dara, "Buy now")):
        ContactBook(stranger.vault.db, stranger.policy).import_card(card)
        stranger.room.messenger.send_text("Amina Haddad", text)
        assert sync_peer(stranger).sent == 1
    for peer in (amina, chen, dara):
        peer.close()  # the subprocesses own Amina's vault from here on

    synced = ctl(amina, "sync", "--once")
    assert synced.returncode == 0, synced.stderr
    assert "2 new message requests" in synced.stdout
    listed = ctl(amina, "requests", "list")
    assert listed.returncode == 0, listed.stderr
    assert "\x1b" not in listed.stdout and "\x07" not in listed.stdout
    assert "\\x1b]52;c;ZXZpbA==\\x07" in listed.stdout  # shown, not obeyed
    data = json.loads(ctl(amina, "requests", "list", "--json").stdout)
    by_text = {r["preview"]: r for r in data["requests"]}
    assert set(by_text) == {HOSTILE, "Buy now"} and data["discarded"] == 0
    chen_id, dara_id = by_text[HOSTILE]["id"], by_text["Buy now"]["id"]

    wrong = ctl(amina, "requests", "accept", str(dara_id), "--card", chen_card)
    assert wrong.returncode == 1 and "not of the key" in wrong.stderr
    accepted = ctl(amina, "requests", "accept", str(chen_id), "--card", chen_card)
    assert accepted.returncode == 0, accepted.stderr
    assert "Added contact Chen Wei; 1 message delivered." in accepted.stdout
    messages = json.loads(ctl(amina, "messages", "--json").stdout)
    assert [(m["sender"], m["text"]) for m in messages] == [("Chen Wei", HOSTILE)]

    deleted = ctl(amina, "requests", "delete", str(dara_id), "--block")
    assert deleted.returncode == 0, deleted.stderr
    assert json.loads(ctl(amina, "requests", "list", "--json").stdout)["requests"] == []
    missing = ctl(amina, "requests", "delete", str(dara_id))
    assert missing.returncode == 1 and "No message request" in missing.stderr
