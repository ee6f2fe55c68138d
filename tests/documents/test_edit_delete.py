"""Editing a document's details and deleting it: the index follows, nothing is left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from delegate_app.core.contacts.book import ContactBook
from delegate_app.core.crypto.cards import make_card
from delegate_app.core.crypto.identity import LocalIdentity
from delegate_app.core.documents import DocumentNotFoundError, InvalidDetailsError
from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import DocumentKind, ImportOptions
from delegate_app.core.documents.removal import describe_sharing
from delegate_app.core.messaging.transfers import TransferStore
from delegate_app.core.policy import Policy
from delegate_app.core.sharing.store import SharingStore
from delegate_app.core.vault import Database, Vault
from tests.documents.pdfs import make_pdf

OWNER = "aa" * 32
HOLDER = "bb" * 32


@pytest.fixture
def library(vault: Vault, default_policy: Policy) -> Library:
    return Library(vault.db, default_policy)


def _import(library: Library, tmp_path: Path, name: str, text: str) -> int:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return library.import_file(path, ImportOptions(tags=("trade",))).id


def _found(library: Library, query: str) -> set[int]:
    return {hit.document.id for hit in library.search(query)}


def test_edited_details_are_saved_and_search_follows(library: Library, tmp_path: Path) -> None:
    doc_id = _import(library, tmp_path, "a.md", "# Fisheries quota\n\nThe negotiating text.\n")
    assert _found(library, "Fisheries") == {doc_id}
    summary = library.edit_details(
        doc_id,
        title="  Ocean   governance ",
        kind=DocumentKind.POSITION_PAPER,
        classification="confidential",
        event="UNGA 81",
        tags=("oceans", "Oceans", " ", "high seas"),
        language="fr",
    )
    assert summary.title == "Ocean governance"
    assert summary.kind is DocumentKind.POSITION_PAPER
    assert summary.classification == "CONFIDENTIAL"  # the policy's spelling
    assert (summary.event, summary.tags, summary.language) == (
        "UNGA 81", ("oceans", "high seas"), "fr",
    )  # fmt: skip
    assert _found(library, "governance") == {doc_id}
    assert _found(library, "oceans") == {doc_id}  # the new tag
    assert _found(library, "trade") == set()  # the old tag is gone from the index
    assert _found(library, "negotiating") == {doc_id}  # the body is still indexed
    library.edit_details(doc_id, title="Maritime law")
    assert _found(library, "governance") == set()  # and so is an old title
    assert _found(library, "Maritime") == {doc_id}
    assert [v.title for v in library.versions(doc_id)] == ["Fisheries quota", "Ocean governance"]


def test_editing_only_some_details_keeps_the_others(library: Library, tmp_path: Path) -> None:
    doc_id = _import(library, tmp_path, "a.md", "# Budget\n\nText.\n")
    before = library.summary(doc_id)
    after = library.edit_details(doc_id, event="Fifth Committee")
    assert after.event == "Fifth Committee"
    assert (after.title, after.tags, after.classification, after.kind) == (
        before.title, before.tags, before.classification, before.kind,
    )  # fmt: skip
    assert library.versions(doc_id) == []  # the title did not change: no version
    assert library.edit_details(doc_id, event="", language="").event is None


@pytest.mark.parametrize(
    ("details", "message"),
    [
        ({"title": "   "}, "needs a title"),
        ({"title": "x" * 501}, "at most 500"),
        ({"classification": "TOP SECRET"}, "Unknown classification"),
        ({"event": "e" * 201}, "at most 200"),
        ({"tags": ("t" * 101,)}, "at most 100"),
        ({"tags": tuple(f"t{i}" for i in range(51))}, "at most 50 tags"),
        ({"language": "en'; DROP TABLE documents; --"}, "not a language code"),
    ],
)
def test_bad_details_are_refused_and_change_nothing(
    library: Library, tmp_path: Path, details: dict[str, object], message: str
) -> None:
    doc_id = _import(library, tmp_path, "a.md", "# Budget\n\nText.\n")
    before = library.summary(doc_id)
    with pytest.raises(InvalidDetailsError, match=message):
        library.edit_details(doc_id, **details)  # type: ignore[arg-type]
    assert library.summary(doc_id) == before
    assert _found(library, "Budget") == {doc_id}


def test_a_tag_with_a_newline_stays_one_tag(library: Library, tmp_path: Path) -> None:
    doc_id = _import(library, tmp_path, "a.md", "# Budget\n\nText.\n")
    assert library.edit_details(doc_id, tags=("first\nsecond",)).tags == ("first second",)


def _rows_naming(db: Database, doc_id: int, uid: str) -> dict[str, int]:
    """Every row in the vault that names the document, by table (a schema walk, so a table
    added later is checked too)."""
    found: dict[str, int] = {}
    tables = db.query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name NOT LIKE '%fts_%' AND name NOT LIKE '%stems_%'"
    )
    for table in (str(t["name"]) for t in tables):
        columns = {str(c["name"]) for c in db.query(f"PRAGMA table_info({table})")}
        checks = [
            (column, value)
            for column, value in (("document_uid", uid), ("ref", uid), ("document_id", doc_id))
            if column in columns
        ]
        if table == "documents":
            checks.append(("id", doc_id))
        if table in ("documents_fts", "documents_stems"):
            checks.append(("rowid", doc_id))
        for column, value in checks:
            row = db.query_one(
                f"SELECT count(*) AS n FROM {table} WHERE {column} = ?",  # noqa: S608
                (value,),
            )
            if row is not None and int(row["n"]):
                found[table] = found.get(table, 0) + int(row["n"])
    return found


def _share_records(db: Database, uid: str, *, owner: str | None) -> None:
    """What sharing records for a document shared with one holder (and sent to us by
    ``owner``, when given): the real sharing and transfer stores write them."""
    store = SharingStore(db)
    store.add_revision(
        revision=f"r1-{uid}", document_uid=uid, parent=None, author_key=owner, title="T",
        body_format="markdown", body="B", created_at=1.0,
    )  # fmt: skip
    store.set_shared(
        uid, head_revision=f"r1-{uid}", shared_by=owner, received_at=1.0, verified=True,
        origin_key=owner,
    )  # fmt: skip
    store.add_holders(uid, [HOLDER])
    store.add_comment(
        uid=f"c-{uid}", document_uid=uid, author_key=HOLDER, body="A comment", quote=None,
        reply_to=None, created_at=1.0, received_at=1.0,
    )  # fmt: skip
    store.add_conflict(
        document_uid=uid, revision=f"r2-{uid}", base_revision=f"r1-{uid}", author_key=HOLDER,
        title="T", body="B2", received_at=2.0,
    )  # fmt: skip
    store.add_audience_notice(
        document_uid=uid, sender_key=HOLDER, revision="r3", added_keys=["cc" * 32],
        received_at=3.0,
    )  # fmt: skip
    TransferStore(db).create_download(
        blob_id=f"blob-{uid}", relay_url="http://127.0.0.1:9", total=10, priority=1, ref=uid,
        descriptor="{}",
    )  # fmt: skip
    TransferStore(db).add_downloaded_chunk(f"blob-{uid}", 0, 0, b"sealed")


def test_delete_takes_everything_with_it_and_leaves_other_documents(
    vault: Vault, library: Library, tmp_path: Path
) -> None:
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(make_pdf("Zanzibar brief", ["Zanzibar cooperation brief"]))
    doomed = library.import_file(pdf)
    kept = _import(library, tmp_path, "kept.md", "# Zanzibar kept\n\nText.\n")
    library.edit_details(doomed.id, title="Zanzibar renamed")  # a version row
    library.set_reading_position(doomed.id, 0.5)
    library.set_read(doomed.id)
    _share_records(vault.db, doomed.uid, owner=OWNER)
    kept_uid = library.summary(kept).uid
    _share_records(vault.db, kept_uid, owner=None)
    before = _rows_naming(vault.db, doomed.id, doomed.uid)
    for table in ("documents", "document_versions", "attachments", "shared_documents",
                  "document_holders", "document_comments", "document_conflicts",
                  "document_audience_notices", "shared_revisions", "blob_transfers"):  # fmt: skip
        assert before.get(table), table  # the walk sees the rows it must see gone

    library.delete(doomed.id)

    assert _rows_naming(vault.db, doomed.id, doomed.uid) == {}
    row = vault.db.query_one("SELECT count(*) AS n FROM blob_chunks WHERE blob_id = ?",
                             (f"blob-{doomed.uid}",))  # fmt: skip
    assert row is not None
    assert int(row["n"]) == 0
    row = vault.db.query_one("SELECT count(*) AS n FROM attachment_chunks")
    assert row is not None
    assert int(row["n"]) == 0
    assert _found(library, "Zanzibar") == {kept}
    with pytest.raises(DocumentNotFoundError):
        library.get(doomed.id)
    assert library.sharing_state(kept).holders == 1  # the other document's records stay
    assert SharingStore(vault.db).comments(kept_uid)


def test_sharing_state_tells_shares_apart(vault: Vault, library: Library, tmp_path: Path) -> None:
    mine = _import(library, tmp_path, "mine.md", "# Mine\n")
    shared_by_us = _import(library, tmp_path, "ours.md", "# Ours\n")
    received = _import(library, tmp_path, "theirs.md", "# Theirs\n")
    _share_records(vault.db, library.summary(shared_by_us).uid, owner=None)
    _share_records(vault.db, library.summary(received).uid, owner=OWNER)
    state = library.sharing_state(mine)
    assert (state.shared, state.holders, state.owner_key) == (False, 0, None)
    state = library.sharing_state(shared_by_us)
    assert (state.shared, state.holders, state.owner_key, state.comments) == (True, 1, None, 1)
    state = library.sharing_state(received)
    assert (state.shared, state.holders, state.owner_key) == (True, 1, OWNER)


def test_deleting_an_unknown_document_is_a_typed_error(library: Library) -> None:
    with pytest.raises(DocumentNotFoundError):
        library.delete(4242)
    with pytest.raises(DocumentNotFoundError):
        library.edit_details(4242, title="x")


def test_the_owner_is_named_when_a_contact(vault: Vault, library: Library, tmp_path: Path) -> None:
    peer = LocalIdentity.generate()
    card = make_card(peer, name="Jonas Berg", organisation="Embassy of Sylvania",
                     relay_url="https://relay.example", created=1)  # fmt: skip
    contact = ContactBook(vault.db, Policy.from_raw(None)).import_card(card)
    owner = contact.identity_key.hex()
    received = _import(library, tmp_path, "theirs.md", "# Theirs\n")
    _share_records(vault.db, library.summary(received).uid, owner=owner)
    state = library.sharing_state(received)
    assert (state.owner_key, state.owner_name) == (owner, "Jonas Berg")
    text = describe_sharing(state)
    assert text.startswith("It was shared with you by Jonas Berg. 1 other person holds a copy.")
    assert text.endswith("Deleting it here does not delete their copies.")
    unknown = _import(library, tmp_path, "other.md", "# Other\n")
    _share_records(vault.db, library.summary(unknown).uid, owner=OWNER)  # not a contact
    assert describe_sharing(library.sharing_state(unknown)).startswith(
        "It was shared with you by a contact."
    )
