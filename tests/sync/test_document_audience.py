"""Who a shared document goes to is decided by its owner, not by whoever sent the last version.

The attacks are performed by real profiles on a real relay: a contact we shared a paper with
(Mallory) tries to widen its audience to another of our contacts (Carol), by a new version
naming her as a holder or by having her comment; our vault must not record Carol and our next
comment must not reach her.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from delegate_app.core.documents.store import DocumentStore
from tests.cli.helpers import delegatectl
from tests.relay_server import RelayProcess
from tests.sync.profiles import Peer, profiles_at, sync_peer
from tests.sync.test_sharing import doc_by_uid, edit, import_paper, sync


@pytest.fixture
def quartet(tmp_path: Path, relay: RelayProcess) -> Iterator[list[Peer]]:
    with profiles_at(tmp_path, 4, relay.url) as peers:
        yield peers


def key(peer: Peer) -> str:
    return peer.room.sender.key


def inbox_is_empty(peer: Peer, uid: str) -> None:
    """Nothing waits for ``peer`` on the relay, and they hold nothing of document ``uid``."""
    assert sync_peer(peer).received == 0
    store = peer.room.sharing.store
    assert store.comments(uid) == [] and store.document_id(uid) is None


def test_a_holder_cannot_add_someone_to_our_document(quartet: list[Peer]) -> None:
    amina, mallory, carol, _dara = quartet
    doc_id = import_paper(amina)
    uid = amina.room.sharing.share(doc_id, ["Boris Petrov"]).document_uid
    sync(amina, mallory)
    # Mallory's client records Carol as a holder and sends us a new version naming her.
    mallory_doc = doc_by_uid(mallory, uid)
    mallory.room.sharing.store.add_holders(uid, [key(carol)])
    edit(mallory, mallory_doc, "in 2026", "in 2027")
    mallory.room.sharing.share(mallory_doc, ["Amina Haddad"])
    sync(mallory, amina)

    sharing = amina.room.sharing
    assert sharing.holders(doc_id) == [key(mallory)]  # Carol is not recorded
    assert "in 2027" in DocumentStore(amina.vault.db).get(doc_id).body  # the text still merges
    [notice] = sharing.audience_notices(doc_id)
    assert notice.sender_key == key(mallory)
    assert notice.added_keys == (key(carol),)
    # Our next comment and our next re-share go to Mallory only; Carol's inbox stays empty.
    assert [c.name for c in sharing.comment_recipients(doc_id)] == ["Boris Petrov"]
    sharing.comment(doc_id, "Point 3 stays confidential.")
    assert sharing.share(doc_id).recipients == ("Boris Petrov",)
    sync(amina)
    inbox_is_empty(carol, uid)
    # delegatectl shows the same audience, recipients and warning.
    carol_name = amina.room.directory.display_name(key(carol))
    amina.close()
    shown = delegatectl("shared", str(doc_id), "--profile", amina.root)
    assert shown.returncode == 0, shown.stderr
    assert "Your comment will go to: Boris Petrov." in shown.stdout
    assert "Boris Petrov tried to change who this document is shared with" in shown.stdout
    as_json = json.loads(
        delegatectl("shared", str(doc_id), "--json", "--profile", amina.root).stdout
    )
    assert as_json["comment_recipients"] == ["Boris Petrov"]
    [listed] = as_json["audience_notices"]
    assert listed["from"] == "Boris Petrov" and listed["tried_to_add"] == [carol_name]
    # The warning stays until the user dismisses it.
    with amina.unlocked() as room:
        room.sharing.dismiss_audience_notices(doc_id)
        assert room.sharing.audience_notices(doc_id) == []


def test_a_holder_cannot_widen_the_audience_of_someone_elses_document(
    quartet: list[Peer],
) -> None:
    amina, boris, mallory, carol = quartet  # Carol is Dara Okafor here
    doc_id = import_paper(amina)
    uid = amina.room.sharing.share(doc_id, ["Boris Petrov", "Chen Wei"]).document_uid
    sync(amina, boris, mallory)
    mallory_doc = doc_by_uid(mallory, uid)
    mallory.room.sharing.store.add_holders(uid, [key(carol)])
    mallory.room.sharing.share(mallory_doc, ["Boris Petrov"])
    sync(mallory, boris)
    boris_doc = doc_by_uid(boris, uid)
    assert boris.room.sharing.holders(boris_doc) == sorted([key(amina), key(mallory)])
    [notice] = boris.room.sharing.audience_notices(boris_doc)
    assert notice.sender_key == key(mallory) and notice.added_keys == (key(carol),)
    boris.room.sharing.comment(boris_doc, "Only for the three of us.")
    sync(boris)
    inbox_is_empty(carol, uid)


def test_someone_a_holder_forwarded_to_does_not_join_by_commenting(quartet: list[Peer]) -> None:
    amina, mallory, carol, _dara = quartet
    doc_id = import_paper(amina)
    uid = amina.room.sharing.share(doc_id, ["Boris Petrov"]).document_uid
    sync(amina, mallory)
    mallory.room.sharing.share(doc_by_uid(mallory, uid), ["Chen Wei"])  # forwarded to Carol
    sync(mallory, carol)
    carol.room.sharing.comment(doc_by_uid(carol, uid), "Count me in.")
    sync(carol, amina)
    sharing = amina.room.sharing
    assert [c.body for c in sharing.comments(doc_id)] == ["Count me in."]  # shown, but …
    assert sharing.holders(doc_id) == [key(mallory)]  # … Carol does not become a holder
    sharing.comment(doc_id, "Reply meant for Mallory.")
    sync(amina)
    assert sync_peer(carol).received == 0


def test_the_owner_adds_a_holder_and_every_holder_follows(quartet: list[Peer]) -> None:
    amina, boris, chen, _dara = quartet
    doc_id = import_paper(amina)
    uid = amina.room.sharing.share(doc_id, ["Boris Petrov"]).document_uid
    amina.room.sharing.share(doc_id, ["Chen Wei"])
    sync(amina, boris, chen)
    boris_doc = doc_by_uid(boris, uid)
    assert boris.room.sharing.holders(boris_doc) == [key(amina)]  # not told about Chen yet
    amina.room.sharing.share(doc_id)  # the current version to every holder: the owner decides
    sync(amina, boris)
    assert boris.room.sharing.holders(boris_doc) == sorted([key(amina), key(chen)])
    assert boris.room.sharing.audience_notices(boris_doc) == []
    recipients = boris.room.sharing.comment_recipients(boris_doc)
    assert sorted(c.name for c in recipients) == ["Amina Haddad", "Chen Wei"]
    boris.room.sharing.comment(boris_doc, "Welcome, Chen.")
    sync(boris, chen)
    chen_doc = doc_by_uid(chen, uid)
    assert [c.body for c in chen.room.sharing.comments(chen_doc)] == ["Welcome, Chen."]
