"""``delegatectl`` never writes a raw control character that came from someone else.

A contact's message, group title, shared document (title, event, tags, body) and comment carry
ESC sequences (clear screen, OSC 52 clipboard write, OSC 8 link), a C1 CSI and a bidi
override; they travel through a real relay to a profile whose every printing command then runs
as a subprocess. Its output shows the controls as visible escapes; its JSON is still valid and
gives back the values unchanged.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from delegate_app.cli.terminal import one_line, printable, printable_json
from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import ImportOptions
from tests.cli.helpers import delegatectl
from tests.relay_server import RelayProcess
from tests.sync.conftest import start_relay
from tests.sync.profiles import Peer, create_profiles, sync_peer

CLEAR = "\x1b[2J\x1b[H"
CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4=\x07"  # OSC 52: put "rm -rf ~" on the clipboard
LINK = "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"
C1_CSI = "\x9b31m"
OVERRIDE = "\u202e"
MESSAGE = f"Plenary moved{CLEAR}{CLIPBOARD} to 15:00{C1_CSI}\r\nsee {LINK}{OVERRIDE}gpj.exe"
GROUP = f"Caucus{CLEAR}"
TITLE = f"Plan{CLIPBOARD}{C1_CSI}"
EVENT = "Summit\x1b]0;owned\x07"
TAG = f"annex{C1_CSI}"
BODY = f"Agenda item {CLEAR}one.\n\n\tIndented{CLIPBOARD}."
COMMENT = f"Agreed{CLIPBOARD}{C1_CSI}"
# What a terminal must never receive: C0 controls but newline and tab, DEL, C1, bidi controls.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[list[Peer]]:
    relay: RelayProcess = start_relay(tmp_path / "relay.db")
    try:
        profiles = create_profiles(tmp_path / "profiles", 2, relay.url)
        for peer in profiles:
            peer.close()
        yield profiles
    finally:
        relay.stop()


def _hostile_contact_writes(boris: Peer) -> None:
    with boris.unlocked() as room:
        room.messenger.send_text("Amina Haddad", MESSAGE)
        room.messenger.create_group(GROUP, ["Amina Haddad"])
        room.messenger.send_to_group(GROUP, "Agenda")
        library = Library(room.db, room.policy)
        options = ImportOptions(event=EVENT, tags=(TAG,))
        doc = library.import_bytes("plan.txt", b"placeholder", options)
        library.update(doc.id, title=TITLE, body=BODY)
        room.sharing.share(doc.id, ["Amina Haddad"])
        room.sharing.comment(doc.id, COMMENT)
    sync_peer(boris)


def _ctl(peer: Peer, *args: str) -> subprocess.CompletedProcess[str]:
    result = delegatectl(*args, "--profile", str(peer.root))
    assert result.returncode == 0, result.stderr
    for stream in (result.stdout, result.stderr):
        assert RAW_CONTROL.findall(stream) == [], (args, stream)
    return result


def test_hostile_text_reaches_the_terminal_only_as_visible_escapes(pair: list[Peer]) -> None:
    amina, boris = pair
    _hostile_contact_writes(boris)
    _ctl(amina, "sync", "--once")

    messages = _ctl(amina, "messages").stdout
    assert one_line(MESSAGE.replace("\n", " ")) in messages
    assert "\\x1b[2J" in messages and "\\x1b]52;c;" in messages and "\\x9b31m" in messages
    assert "\\u202e" in messages
    assert one_line(GROUP) in _ctl(amina, "groups", "list").stdout
    listed = _ctl(amina, "docs", "list").stdout
    assert one_line(TITLE) in listed and one_line(EVENT) in listed
    [doc] = json.loads(_ctl(amina, "docs", "list", "--json").stdout)
    shown = _ctl(amina, "docs", "show", str(doc["id"])).stdout
    assert printable(TITLE) in shown and printable(BODY) in shown  # newlines and tabs kept
    assert "\\x1b]0;owned\\x07" in shown  # the event line
    assert "Plan" in _ctl(amina, "docs", "search", "agenda").stdout
    assert printable(COMMENT) in _ctl(amina, "comments", str(doc["id"])).stdout
    _ctl(amina, "shared", str(doc["id"]))

    # JSON stays valid and exact: the controls are \u escapes inside the strings.
    texts = [m["text"] for m in json.loads(_ctl(amina, "messages", "--json").stdout)]
    assert MESSAGE in texts
    assert (doc["title"], doc["event"], doc["tags"]) == (TITLE, EVENT, [TAG])
    shown_json = json.loads(_ctl(amina, "docs", "show", str(doc["id"]), "--json").stdout)
    assert shown_json["body"] == BODY
    [comment] = json.loads(_ctl(amina, "comments", str(doc["id"]), "--json").stdout)
    assert comment["text"] == COMMENT
    groups = json.loads(_ctl(amina, "groups", "list", "--json").stdout)
    assert GROUP in [g["title"] for g in groups]


def test_an_error_naming_hostile_text_is_printed_safely(pair: list[Peer]) -> None:
    amina, _boris = pair
    result = delegatectl("send", "--group", GROUP, "hello", "--profile", str(amina.root))
    assert result.returncode == 1
    assert RAW_CONTROL.findall(result.stderr) == []
    assert "\\x1b[2J" in result.stderr  # "No group named Caucus\x1b[2J…"


def test_printable_keeps_text_and_shows_every_control() -> None:
    kept = "ناصر\u200cزاده — Đặng Thị Hà, 王秀英 \\x1b"  # ZWNJ, scripts and a backslash stay
    assert printable(kept) == kept == one_line(kept)
    assert printable("a\tb\nc") == "a\tb\nc" and one_line("a\tb\nc") == "a\\x09b\\x0ac"
    controls = "\x00\x1b\x7f\x85\x9f\u2066\ud800"
    assert printable(controls) == "\\x00\\x1b\\x7f\\x85\\x9f\\u2066\\ud800"
    serialised = json.dumps({"t": MESSAGE + "\ud800"}, ensure_ascii=False)
    escaped = printable_json(serialised)
    assert RAW_CONTROL.findall(escaped) == [] and json.loads(escaped) == {"t": MESSAGE + "\ud800"}
