"""``delegatectl search`` as a user runs it: documents, messages and comments, with --in and
filters, text shown as text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import ImportOptions
from tests.cli.helpers import delegatectl
from tests.sync.profiles import Peer, create_profiles, hand_deliver


@pytest.fixture
def peers(tmp_path: Path) -> Iterator[list[Peer]]:
    peers = create_profiles(tmp_path, 2, "http://127.0.0.1:9")
    try:
        amina, boris = peers
        doc = Library(amina.room.db, amina.policy).import_bytes(
            "agenda.md", b"# Plenary agenda\n\nItem 4: the ceasefire text.\n", ImportOptions()
        )
        amina.room.sharing.share(doc.id, ["Boris Petrov"])
        hand_deliver(peers)
        boris_doc = Library(boris.room.db, boris.policy).documents()[0]
        boris.room.sharing.comment(boris_doc.id, "The ceasefire wording needs work.")
        boris.room.messenger.send_text("Amina Haddad", "Ceasefire call at 9? \x1b]52;c;aGk=\x07")
        hand_deliver(peers)
        for peer in peers:
            peer.close()
        yield peers
    finally:
        for peer in peers:
            peer.close()


def _json(*args: str | Path) -> Any:
    result = delegatectl(*args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_search_everything_and_narrow_it(peers: list[Peer]) -> None:
    root = peers[0].root
    found = _json("search", "ceasefire", "--profile", root, "--json")
    assert [d["title"] for d in found["documents"]] == ["Plenary agenda"]
    assert [(m["from"], m["conversation"]) for m in found["messages"]] == [
        ("Boris Petrov", "Boris Petrov")
    ]
    assert found["messages"][0]["highlights"] == ["Ceasefire"]
    assert [(c["document"], c["from"]) for c in found["comments"]] == [
        ("Plenary agenda", "Boris Petrov")
    ]
    only = _json("search", "ceasefire", "--in", "messages", "--profile", root, "--json")
    assert only["documents"] == only["comments"] == [] and len(only["messages"]) == 1
    later = _json("search", "ceasefire", "--since", "2999-01-01", "--profile", root, "--json")
    assert later == {"documents": [], "messages": [], "comments": []}
    with_boris = _json("search", "ceasefire", "--with", "Boris Petrov", "--profile", root, "--json")
    assert len(with_boris["messages"]) == 1 and with_boris["documents"] == []


def test_plain_output_escapes_terminal_controls_and_errors_are_one_line(
    peers: list[Peer],
) -> None:
    root = peers[0].root
    result = delegatectl("search", "ceasefire", "--in", "messages", "--profile", root)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert result.stdout.startswith("Messages\n")
    unknown = delegatectl("search", "x", "--with", "Nobody", "--profile", root)
    assert unknown.returncode == 1 and len(unknown.stderr.strip().splitlines()) == 1
    bad_date = delegatectl("search", "x", "--since", "March", "--profile", root)
    assert bad_date.returncode == 2 and "not a date" in bad_date.stderr


def test_pages_of_results(peers: list[Peer]) -> None:
    root = peers[0].root
    first = _json("search", "ceasefire", "--limit", "1", "--page", "1", "--profile", root, "--json")
    assert [len(first[kind]) for kind in ("documents", "messages", "comments")] == [1, 1, 1]
    assert first["messages"][0]["exact"] is True
    second = _json(
        "search", "ceasefire", "--limit", "1", "--page", "2", "--profile", root, "--json"
    )
    assert second == {"documents": [], "messages": [], "comments": []}
    for bad in ("0", "-1", "x", "10001"):
        result = delegatectl("search", "x", "--page", bad, "--profile", root)
        assert result.returncode == 2 and "whole number" in result.stderr
