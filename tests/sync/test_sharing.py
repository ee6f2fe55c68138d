"""Shared documents through a real relay: provenance, updates, merges, conflicts, comments."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import DocumentKind, ImportOptions
from delegate_app.core.documents.store import DocumentStore
from delegate_app.core.sharing.merge import three_way_merge
from delegate_app.core.sharing.service import SharingError
from sync.client.engine import SyncEngine
from tests.relay_server import RelayProcess
from tests.sync.profiles import Peer, profiles_at

PAPER = """# Position on maritime boundaries

1. Freedonia supports arbitration under UNCLOS.
2. Fishing rights remain as in the 1998 accord.
3. Joint patrols to be reviewed in 2026.
4. The delegation may accept a moratorium.
"""


@pytest.fixture
def trio(tmp_path: Path, relay: RelayProcess) -> Iterator[list[Peer]]:
    with profiles_at(tmp_path, 3, relay.url) as peers:
        yield peers


def sync(*peers: Peer) -> None:
    for peer in peers:
        engine = SyncEngine(peer.room)
        try:
            engine.sync_once()
        finally:
            engine.close()


def import_paper(peer: Peer, text: str = PAPER) -> int:
    library = Library(peer.vault.db, peer.policy)
    summary = library.import_bytes(
        "maritime.md",
        text.encode(),
        ImportOptions(kind=DocumentKind.POSITION_PAPER, event="Law of the Sea"),
    )
    return summary.id


def doc_by_uid(peer: Peer, uid: str) -> int:
    doc_id = peer.room.sharing.store.document_id(uid)
    assert doc_id is not None
    return doc_id


def edit(peer: Peer, doc_id: int, old: str, new: str) -> None:
    library = Library(peer.vault.db, peer.policy)
    body = library.get(doc_id).body
    assert old in body
    library.update(doc_id, body=body.replace(old, new))


def test_line_merge_unit() -> None:
    base = "a\nb\nc\nd\n"
    assert three_way_merge(base, "A\nb\nc\nd\n", "a\nb\nc\nD\n").text == "A\nb\nc\nD\n"
    conflict = three_way_merge(base, "X\nb\nc\nd\n", "Y\nb\nc\nd\n")
    assert not conflict.clean and conflict.conflicts == 1


def test_shared_paper_arrives_with_provenance_and_updates_in_place(trio: list[Peer]) -> None:
    amina, boris, chen = trio
    doc_id = import_paper(amina)
    result = amina.room.sharing.share(doc_id, ["Boris Petrov", "Chen Wei"])
    assert sorted(result.recipients) == ["Boris Petrov", "Chen Wei"]
    sync(amina, boris, chen)
    for peer in (boris, chen):
        received = doc_by_uid(peer, result.document_uid)
        document = DocumentStore(peer.vault.db).get(received)
        assert document.summary.title == "Position on maritime boundaries"
        assert document.summary.event == "Law of the Sea"
        provenance = peer.room.sharing.provenance(received)
        assert provenance is not None and provenance.verified
        assert provenance.shared_by == amina.room.sender.key
        assert provenance.received_at is not None
    # Amina revises and re-shares to everyone who holds it: same uid, a new version.
    edit(amina, doc_id, "in 2026", "in 2027")
    amina.room.sharing.share(doc_id)
    sync(amina, boris)
    received = doc_by_uid(boris, result.document_uid)
    store = DocumentStore(boris.vault.db)
    assert "in 2027" in store.get(received).body
    assert store.get(received).version == 2
    assert store.count() == 1  # updated, not duplicated


def test_concurrent_edits_merge_or_conflict(trio: list[Peer]) -> None:
    amina, boris, _chen = trio
    doc_id = import_paper(amina)
    uid = amina.room.sharing.share(doc_id, ["Boris Petrov"]).document_uid
    sync(amina, boris)
    boris_doc = doc_by_uid(boris, uid)
    # Different passages: a clean merge on both sides.
    edit(amina, doc_id, "supports arbitration", "strongly supports arbitration")
    edit(boris, boris_doc, "may accept a moratorium", "may propose a moratorium")
    amina.room.sharing.share(doc_id)
    boris.room.sharing.share(boris_doc)
    sync(amina, boris, amina)
    for peer, pid in ((amina, doc_id), (boris, boris_doc)):
        body = DocumentStore(peer.vault.db).get(pid).body
        assert "strongly supports arbitration" in body
        assert "may propose a moratorium" in body
        assert peer.room.sharing.conflicts(pid) == []
    # The same passage: both kept, flagged; nothing overwritten.
    edit(amina, doc_id, "as in the 1998 accord", "as in the 2001 accord")
    edit(boris, boris_doc, "as in the 1998 accord", "subject to a new quota")
    amina.room.sharing.share(doc_id)
    boris.room.sharing.share(boris_doc)
    sync(amina, boris, amina)
    amina_body = DocumentStore(amina.vault.db).get(doc_id).body
    assert "2001 accord" in amina_body and "new quota" not in amina_body
    conflicts = amina.room.sharing.conflicts(doc_id)
    assert len(conflicts) == 1 and "new quota" in conflicts[0].body
    assert conflicts[0].author_key == boris.room.sender.key
    # Amina takes Boris's wording; the conflict closes and the next share is a plain update.
    amina.room.sharing.resolve(conflicts[0].id, keep="theirs")
    assert amina.room.sharing.conflicts(doc_id) == []
    assert "new quota" in DocumentStore(amina.vault.db).get(doc_id).body
    with pytest.raises(SharingError):
        amina.room.sharing.resolve(conflicts[0].id, keep="mine")


def test_comment_threads_reach_every_holder(trio: list[Peer]) -> None:
    amina, boris, chen = trio
    doc_id = import_paper(amina)
    uid = amina.room.sharing.share(doc_id, ["Boris Petrov", "Chen Wei"]).document_uid
    sync(amina, boris, chen)
    boris_doc = doc_by_uid(boris, uid)
    first = boris.room.sharing.comment(
        boris_doc, "Can we soften this?", quote="The delegation may accept a moratorium."
    )
    sync(boris, chen)
    chen_doc = doc_by_uid(chen, uid)
    chen_first = next(c for c in chen.room.sharing.comments(chen_doc) if c.uid == first.uid)
    chen.room.sharing.comment(chen_doc, "Agreed with Boris.", reply_to=chen_first.id)
    sync(chen, amina, boris)
    for peer, pid in ((amina, doc_id), (boris, boris_doc), (chen, chen_doc)):
        thread = peer.room.sharing.comments(pid)
        assert [c.body for c in thread] == ["Can we soften this?", "Agreed with Boris."]
        assert thread[0].quote == "The delegation may accept a moratorium."
        assert thread[1].reply_to == first.uid
    with pytest.raises(SharingError, match="quoted passage"):
        amina.room.sharing.comment(doc_id, "x", quote="not in the paper")


def test_someone_who_gets_the_paper_later_gets_our_earlier_comments(trio: list[Peer]) -> None:
    amina, boris, chen = trio
    doc_id = import_paper(amina)
    note = amina.room.sharing.comment(
        doc_id,
        "Hold point 4 until capital confirms.",
        quote="The delegation may accept a moratorium.",
    )
    uid = amina.room.sharing.share(doc_id, ["Boris Petrov"]).document_uid
    amina.room.sharing.comment(doc_id, "Capital confirmed.", reply_to=note.id)
    sync(amina, boris)
    boris_doc = doc_by_uid(boris, uid)
    thread = boris.room.sharing.comments(boris_doc)
    assert [c.body for c in thread] == [
        "Hold point 4 until capital confirms.",
        "Capital confirmed.",
    ]
    assert thread[0].quote == "The delegation may accept a moratorium."
    assert thread[1].reply_to == note.uid
    # Chen joins later: the thread so far comes with the paper; Boris gets nothing twice.
    amina.room.sharing.share(doc_id, ["Chen Wei"])
    sync(amina, boris, chen)
    chen_thread = chen.room.sharing.comments(doc_by_uid(chen, uid))
    assert [c.body for c in chen_thread] == [c.body for c in thread]
    assert len(boris.room.sharing.comments(boris_doc)) == 2
