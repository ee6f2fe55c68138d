"""``delegatectl groups members|remove`` and flagged group messages, as a user runs them.

Real profiles on a loopback relay; the commands run as subprocesses. Chen, a member, posts to
Boris alone; Dara is a member Boris has no card for.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.helpers import delegatectl
from tests.relay_server import RelayProcess
from tests.sync.conftest import start_relay
from tests.sync.groups import identity_of, post_as
from tests.sync.profiles import Peer, create_profiles, introduce, sync_peer


@pytest.fixture
def delegation(tmp_path: Path) -> Iterator[list[Peer]]:
    """Amina's group of Boris, Chen and Dara; only Amina has Dara's card."""
    relay: RelayProcess = start_relay(tmp_path / "relay.db")
    try:
        amina, boris, chen = create_profiles(tmp_path / "trio", 3, relay.url)
        (dara,) = create_profiles(tmp_path / "dara", 1, relay.url, first=3)
        introduce([amina, dara])
        peers = [amina, boris, chen, dara]
        with amina.unlocked() as room:
            uid = room.messenger.create_group("Delegation", [p.name for p in peers[1:]]).uid
        for peer in peers:
            sync_peer(peer)
        post_as(chen, uid, [identity_of(boris)], "Between us: concede item 4.")
        sync_peer(boris)
        for peer in peers:
            peer.close()  # the subprocesses own the vaults from here on
        yield peers
    finally:
        relay.stop()


def _ctl(peer: Peer, *args: str) -> subprocess.CompletedProcess[str]:
    return delegatectl(*args, "--profile", str(peer.root))


def _json(peer: Peer, *args: str) -> object:
    result = _ctl(peer, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_members_show_the_creator_and_pending_members(delegation: list[Peer]) -> None:
    _amina, boris, _chen, dara = delegation
    dara_key = identity_of(dara).identity_key.hex()
    shown = _json(boris, "groups", "members", "Delegation")
    assert isinstance(shown, dict)
    assert shown["creator"]["name"] == "Amina Haddad"
    states = {m["name"]: (m["state"], m["creator"]) for m in shown["members"]}
    assert states == {
        "you": ("member", False),
        "Amina Haddad": ("member", True),
        "Chen Wei": ("member", False),
        dara_key[:12] + "…": ("pending", False),
    }
    table = _ctl(boris, "groups", "members", "Delegation")
    assert table.returncode == 0, table.stderr
    assert "Creator: Amina Haddad" in table.stdout
    assert "pending — waiting for their card, not sent to them" in table.stdout
    assert dara_key in table.stdout


def test_a_message_to_part_of_the_group_is_flagged_in_the_listing_and_json(
    delegation: list[Peer],
) -> None:
    _amina, boris, _chen, dara = delegation
    dara_key = identity_of(dara).identity_key.hex()
    missing = ", ".join(sorted(["Amina Haddad", dara_key[:12] + "…"], key=str.casefold))
    warning = f"Sent only to you — not to {missing}."
    listed = _ctl(boris, "messages", "--group", "Delegation")
    assert listed.returncode == 0, listed.stderr
    assert f"Between us: concede item 4.  [! {warning}]" in listed.stdout
    messages = _json(boris, "messages", "--group", "Delegation")
    assert isinstance(messages, list)
    flagged = {m["text"]: m["audience_warning"] for m in messages}
    chen_says = flagged["Between us: concede item 4."]
    assert chen_says["text"] == warning
    assert {p["name"] for p in chen_says["missing"]} == {"Amina Haddad", dara_key[:12] + "…"}
    assert chen_says["extra"] == [] and [p["name"] for p in chen_says["sent_to"]] == ["you"]


def test_only_the_creator_removes_and_the_removed_member_is_shown_removed(
    delegation: list[Peer],
) -> None:
    amina, boris, _chen, _dara = delegation
    refused = _ctl(boris, "groups", "remove", "Delegation", "Chen Wei")
    assert refused.returncode == 1
    assert refused.stderr.startswith("delegatectl: ")
    assert "Only the group's creator, Amina Haddad, can remove members." in refused.stderr
    removed = _ctl(amina, "groups", "remove", "Delegation", "Dara Okafor")
    assert removed.returncode == 0, removed.stderr
    assert "Removed Dara Okafor from Delegation" in removed.stdout
    shown = _json(amina, "groups", "members", "Delegation")
    assert isinstance(shown, dict)
    assert {m["name"]: m["state"] for m in shown["members"]}["Dara Okafor"] == "removed"
    assert _ctl(amina, "sync", "--once").returncode == 0
    assert _ctl(boris, "sync", "--once").returncode == 0
    told = _json(boris, "groups", "members", "Delegation")
    assert isinstance(told, dict)
    assert [m["state"] for m in told["members"] if m["name"].endswith("…")] == ["removed"]
    unknown = _ctl(amina, "groups", "remove", "Delegation", "Nobody")
    assert unknown.returncode == 1 and "Nobody is not a member of Delegation." in unknown.stderr
