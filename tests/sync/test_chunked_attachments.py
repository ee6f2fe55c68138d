"""Attachments in chunk format 2 through a real relay: sealed on demand, opened once, resumed at
chunk granularity, and every way a relay can rearrange the chunks refused (PROTOCOL.md §5.2)."""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
from pathlib import Path

import pytest

from delegate_app.core.crypto.chunks import CHUNK_SIZE, SEALED_CHUNK
from delegate_app.core.crypto.stream import encrypt_chunks, new_stream_key
from delegate_app.core.documents.attachment_store import AttachmentStore
from delegate_app.core.documents.store import DocumentStore
from delegate_app.core.messaging.models import Priority
from delegate_app.core.messaging.transfers import BlobTransfer, TransferDirection, TransferStore
from delegate_app.core.sharing.attachment_status import AttachmentState
from delegate_app.core.sharing.chunked_blobs import (
    IncompleteAttachmentError,
    OpenedSink,
    SealedSource,
)
from delegate_app.core.sharing.payloads import CHUNKED_FORMAT, BlobDescriptor
from delegate_app.core.sharing.service import ciphertext_size
from delegate_app.core.vault import Database
from sync.client.blobs import TransferPaused, download_blob, upload_blob
from sync.client.relay_client import RelayClient
from tests.relay_server import RelayProcess
from tests.sync.profiles import (
    Peer,
    create_profiles,
    insert_pdf,
    share_with_descriptor,
    sync_peer,
)

SIZE = 5 * CHUNK_SIZE + 12345  # six chunks, the last one short


def _share(peer: Peer, pdf: bytes, title: str = "Briefing book") -> tuple[str, BlobTransfer]:
    doc_id = insert_pdf(peer, pdf, title, "book.pdf")
    uid = peer.room.sharing.share(doc_id, ["Boris Petrov"]).document_uid
    (upload,) = [
        t
        for t in TransferStore(peer.vault.db).for_ref(uid)
        if t.direction is TransferDirection.UP and t.state == "pending"
    ]
    return uid, upload


def _hold_upload(peer: Peer, upload: BlobTransfer) -> None:
    """Keep the engine off this upload (it is driven by hand in the test)."""
    TransferStore(peer.vault.db).defer(upload.blob_id, TransferDirection.UP, "held", 1e12)


def _one(db: Database, sql: str, params: tuple[object, ...] = ()) -> tuple[object, ...]:
    row = db.query_one(sql, params)
    assert row is not None
    return tuple(row)


def _sender_table_bytes(peer: Peer, blob_id: str) -> int:
    sql = "SELECT coalesce(sum(length(data)), 0) FROM blob_chunks WHERE blob_id = ?"
    return int(str(_one(peer.vault.db, sql, (blob_id,))[0]))


def _received(peer: Peer, uid: str) -> bytes | None:
    with peer.unlocked() as room:
        doc_id = room.sharing.store.document_id(uid)
        assert doc_id is not None
        return DocumentStore(room.db).pdf_bytes(doc_id)


def _relay_blob(relay: RelayProcess, blob_id: str) -> bytes:
    with sqlite3.connect(relay.db) as conn:
        rows = conn.execute(
            "SELECT data FROM blob_parts WHERE blob_id = ? ORDER BY offset", (blob_id,)
        ).fetchall()
    return b"".join(bytes(r[0]) for r in rows)


def _relay_serves(relay: RelayProcess, blob_id: str, data: bytes) -> None:
    """The relay (compromised) replaces what it holds of ``blob_id`` with ``data``, complete."""
    with sqlite3.connect(relay.db) as conn:
        conn.execute("DELETE FROM blob_parts WHERE blob_id = ?", (blob_id,))
        conn.execute(
            "INSERT INTO blob_parts (blob_id, offset, data) VALUES (?, 0, ?)", (blob_id, data)
        )
        conn.execute(
            "UPDATE blobs SET size = ?, total = ?, complete = 1 WHERE blob_id = ?",
            (len(data), len(data), blob_id),
        )


def _chunks(blob: bytes) -> list[bytes]:
    return [blob[i : i + SEALED_CHUNK] for i in range(0, len(blob), SEALED_CHUNK)]


def _nothing_shown(peer: Peer, uid: str) -> None:
    with peer.unlocked() as room:
        doc_id = room.sharing.store.document_id(uid)
        assert doc_id is not None
        assert DocumentStore(room.db).pdf_bytes(doc_id) is None
        assert not DocumentStore(room.db).get(doc_id).summary.has_pdf
        status = room.sharing.attachment(doc_id)
        assert status is not None and status.state is AttachmentState.REFUSED
        # Whatever was written of it is gone too.
        assert _one(room.db, "SELECT count(*) FROM attachment_chunks a JOIN attachments t"
                                 " ON t.id = a.attachment_id WHERE t.document_id = ?",
                                 (doc_id,))[0] == 0  # fmt: skip


# -- the round trip ----------------------------------------------------------------------


def test_round_trip_keeps_no_ciphertext_on_either_side(tmp_path: Path, relay: RelayProcess) -> None:
    amina, boris = create_profiles(tmp_path, 2, relay.url)
    pdf = secrets.token_bytes(SIZE)
    uid, upload = _share(amina, pdf)
    descriptor = BlobDescriptor.from_dict(json.loads(upload.descriptor))
    assert descriptor.format == CHUNKED_FORMAT and descriptor.header is None
    assert upload.total == SIZE + 6 * 16
    # The sender's vault holds the plaintext once (its chunk rows) and no ciphertext at all.
    assert _sender_table_bytes(amina, upload.blob_id) == 0
    report = sync_peer(amina)
    assert report.attachments_sent == 1 and report.uploaded_bytes == upload.total
    assert _sender_table_bytes(amina, upload.blob_id) == 0
    stored = amina.vault.db.query(
        "SELECT c.data FROM attachment_chunks c JOIN attachments a ON a.id = c.attachment_id"
        " WHERE a.id = ? ORDER BY c.seq",
        (upload.attachment_id,),
    )
    assert b"".join(bytes(r["data"]) for r in stored) == pdf
    sealed = _relay_blob(relay, upload.blob_id)
    assert len(sealed) == upload.total and pdf[:64] not in sealed
    report = sync_peer(boris)
    assert report.attachments_received == 1 and report.downloaded_bytes == upload.total
    assert _received(boris, uid) == pdf
    with boris.unlocked() as room:
        # The receiver kept no ciphertext and no second copy: one attachment row, its chunks.
        assert _one(room.db, "SELECT count(*) FROM blob_chunks")[0] == 0
        doc_id = room.sharing.store.document_id(uid)
        rows = room.db.query("SELECT id, complete, chunked FROM attachments WHERE document_id = ?",
                             (doc_id,))  # fmt: skip
        assert [(r["complete"], r["chunked"]) for r in rows] == [(1, 1)]
        assert AttachmentStore(room.db).stored(int(rows[0]["id"])) == (6, SIZE)
        assert doc_id is not None
        status = room.sharing.attachment(doc_id)
        assert status is not None and status.state is AttachmentState.RECEIVED
    amina.close()
    boris.close()


def test_old_attachment_rows_are_read_and_sent(tmp_path: Path, relay: RelayProcess) -> None:
    """A PDF stored whole in ``attachments.data`` (before vault version 15) is still read, and
    moved into chunk rows once when it is first shared."""
    amina, boris = create_profiles(tmp_path, 2, relay.url)
    pdf = secrets.token_bytes(2 * CHUNK_SIZE + 3)
    doc_id = insert_pdf(amina, b"", "Old annex", "old.pdf")
    db = amina.vault.db
    db.execute("DELETE FROM attachments WHERE document_id = ?", (doc_id,))
    db.execute(
        "INSERT INTO attachments (document_id, filename, mime_type, size, data)"
        " VALUES (?, 'old.pdf', 'application/pdf', ?, ?)",
        (doc_id, len(pdf), pdf),
    )
    assert DocumentStore(db).pdf_bytes(doc_id) == pdf
    uid = amina.room.sharing.share(doc_id, ["Boris Petrov"]).document_uid
    assert _one(db, "SELECT chunked, length(data) FROM attachments WHERE document_id = ?",
                (doc_id,)) == (1, 0)  # fmt: skip
    assert DocumentStore(db).pdf_bytes(doc_id) == pdf
    sync_peer(amina)
    sync_peer(boris)
    assert _received(boris, uid) == pdf
    amina.close()
    boris.close()


# -- resuming at chunk granularity -------------------------------------------------------


def test_upload_resumes_mid_chunk_by_sealing_that_chunk_again(
    tmp_path: Path, relay: RelayProcess
) -> None:
    amina, boris = create_profiles(tmp_path, 2, relay.url)
    pdf = secrets.token_bytes(SIZE)
    uid, upload = _share(amina, pdf)
    # A first connection got one and a half chunks across, then the link dropped.
    first = b"".join(SealedSource(amina.vault.db, upload).pieces(0))[: SEALED_CHUNK + 777]
    client = RelayClient(relay.url)
    try:
        client.blob_put(upload.blob_id, 0, first)
        moved: list[int] = []
        assert upload_blob(amina.room, client, upload, progress=moved.append)
    finally:
        client.close()
    assert sum(moved) == upload.total - len(first)  # nothing sent twice
    sync_peer(amina)  # the document itself
    sync_peer(boris)
    assert _received(boris, uid) == pdf
    amina.close()
    boris.close()


def test_paused_transfers_resume_at_the_next_chunk_and_nothing_partial_is_shown(
    tmp_path: Path, relay: RelayProcess
) -> None:
    amina, boris = create_profiles(tmp_path, 2, relay.url)
    pdf = secrets.token_bytes(SIZE)
    uid, upload = _share(amina, pdf)
    _hold_upload(amina, upload)
    sync_peer(amina)  # the document envelope only
    assert sync_peer(boris).attachments_received == 0  # the blob is not on the relay yet
    client = RelayClient(relay.url)
    try:
        with pytest.raises(TransferPaused):  # more urgent work: stop after the first PUT
            upload_blob(amina.room, client, upload, interrupt=lambda: True)
        held = client.blob_status(upload.blob_id)
        assert held is not None and 0 < held.size < upload.total
        moved: list[int] = []
        assert upload_blob(amina.room, client, upload, progress=moved.append)
        assert sum(moved) == upload.total - held.size

        with boris.unlocked() as room:
            (download,) = TransferStore(room.db).for_ref(uid)
            with pytest.raises(TransferPaused):  # stops after its first commit (4 chunks)
                download_blob(room, client, download, interrupt=lambda: True)
            partial = TransferStore(room.db).get(upload.blob_id, TransferDirection.DOWN)
            assert partial is not None and partial.done == 4 * SEALED_CHUNK
            assert partial.attachment_id is not None
            assert AttachmentStore(room.db).stored(partial.attachment_id) == (4, 4 * CHUNK_SIZE)
            doc_id = room.sharing.store.document_id(uid)
            assert doc_id is not None
            # A partial attachment is never a file: not read, not listed, shown as downloading.
            assert DocumentStore(room.db).pdf_bytes(doc_id) is None
            assert not DocumentStore(room.db).get(doc_id).summary.has_pdf
            status = room.sharing.attachment(doc_id)
            assert status is not None and status.state is AttachmentState.DOWNLOADING
            with pytest.raises(IncompleteAttachmentError):  # two chunks are still missing
                OpenedSink(room.db, partial).finish()
        # The vault is locked and opened again (as after a kill): the committed chunks stay.
        with boris.unlocked() as room:
            resumed = TransferStore(room.db).get(upload.blob_id, TransferDirection.DOWN)
            assert resumed is not None
            moved = []
            assert download_blob(room, client, resumed, progress=moved.append) is None
            assert sum(moved) == upload.total - 4 * SEALED_CHUNK  # no chunk fetched twice
            done = TransferStore(room.db).get(upload.blob_id, TransferDirection.DOWN)
            assert done is not None and done.state == "complete"
            assert download_blob(room, client, done) is None  # asked again: nothing changes
    finally:
        client.close()
    assert _received(boris, uid) == pdf
    boris.close()
    amina.close()


# -- what a relay might do to the chunks ---------------------------------------------------


def _shared_and_uploaded(tmp_path: Path, relay: RelayProcess) -> tuple[Peer, Peer, str, str]:
    amina, boris = create_profiles(tmp_path, 2, relay.url)
    uid, upload = _share(amina, secrets.token_bytes(SIZE))
    sync_peer(amina)
    return amina, boris, uid, upload.blob_id


def _refused_after(relay: RelayProcess, boris: Peer, uid: str, blob_id: str, data: bytes) -> str:
    _relay_serves(relay, blob_id, data)
    report = sync_peer(boris)
    assert len(report.attachments_refused) == 1
    _nothing_shown(boris, uid)
    return report.attachments_refused[0]


def test_reordered_chunks_are_refused(tmp_path: Path, relay: RelayProcess) -> None:
    amina, boris, uid, blob_id = _shared_and_uploaded(tmp_path, relay)
    chunks = _chunks(_relay_blob(relay, blob_id))
    chunks[1], chunks[2] = chunks[2], chunks[1]
    assert "Chunk 1" in _refused_after(relay, boris, uid, blob_id, b"".join(chunks))
    amina.close()
    boris.close()


def test_a_truncated_blob_is_refused(tmp_path: Path, relay: RelayProcess) -> None:
    amina, boris, uid, blob_id = _shared_and_uploaded(tmp_path, relay)
    chunks = _chunks(_relay_blob(relay, blob_id))
    _refused_after(relay, boris, uid, blob_id, b"".join(chunks[:-1]))
    amina.close()
    boris.close()


def test_a_blob_of_another_total_is_refused(tmp_path: Path, relay: RelayProcess) -> None:
    """The relay serves more than the signed total (a chunk appended): refused before a chunk
    is opened. (A chunk sealed for another total never opens: test_chunk_vectors.py.)"""
    amina, boris, uid, blob_id = _shared_and_uploaded(tmp_path, relay)
    chunks = _chunks(_relay_blob(relay, blob_id))
    _refused_after(relay, boris, uid, blob_id, b"".join([*chunks, chunks[0]]))
    amina.close()
    boris.close()


def test_a_chunk_of_another_attachment_is_refused(tmp_path: Path, relay: RelayProcess) -> None:
    amina, boris = create_profiles(tmp_path, 2, relay.url)
    uid, upload = _share(amina, secrets.token_bytes(SIZE), "Annex A")
    _other_uid, other = _share(amina, secrets.token_bytes(SIZE), "Annex B")
    sync_peer(amina)
    chunks = _chunks(_relay_blob(relay, upload.blob_id))
    chunks[3] = _chunks(_relay_blob(relay, other.blob_id))[3]  # same place, same length
    assert "Chunk 3" in _refused_after(relay, boris, uid, upload.blob_id, b"".join(chunks))
    amina.close()
    boris.close()


def test_a_replayed_older_upload_is_refused(tmp_path: Path, relay: RelayProcess) -> None:
    """Boris received the first PDF; the document's PDF changes and is shared again, and the relay
    serves the older upload's chunks under the new blob id: refused, the old PDF stays."""
    amina, boris = create_profiles(tmp_path, 2, relay.url)
    first = secrets.token_bytes(SIZE)
    uid, old = _share(amina, first)
    sync_peer(amina)
    sync_peer(boris)
    assert _received(boris, uid) == first
    with amina.unlocked() as room:
        doc_id = room.sharing.store.document_id(uid)
        assert doc_id is not None
        AttachmentStore(room.db).replace(doc_id, "book.pdf", secrets.token_bytes(SIZE))
        room.db.execute("UPDATE documents SET body = body || ' (revised)' WHERE id = ?", (doc_id,))
        room.sharing.share(doc_id, ["Boris Petrov"])
        (new,) = [
            t
            for t in TransferStore(room.db).for_ref(uid)
            if t.direction is TransferDirection.UP and t.state == "pending"
        ]
    sync_peer(amina)
    _relay_serves(relay, new.blob_id, _relay_blob(relay, old.blob_id))
    report = sync_peer(boris)
    assert report.attachments_received == 0 and len(report.attachments_refused) == 1
    assert _received(boris, uid) == first  # the older, complete PDF is still the one shown
    with boris.unlocked() as room:
        assert _one(room.db, "SELECT count(*) FROM attachments WHERE complete = 0")[0] == 0
    amina.close()
    boris.close()


# -- format 1 transfers begun before format 2 ----------------------------------------------


def test_a_format_1_transfer_in_flight_still_completes(tmp_path: Path, relay: RelayProcess) -> None:
    """An upload queued by an earlier version (ciphertext sealed at share time, kept in
    ``blob_chunks``) is sent and received on the old path, paused and resumed on both sides."""
    amina, boris = create_profiles(tmp_path, 2, relay.url)
    pdf = secrets.token_bytes(SIZE)
    key = new_stream_key()
    header, sealed = encrypt_chunks(
        key, (pdf[i : i + CHUNK_SIZE] for i in range(0, SIZE, CHUNK_SIZE))
    )
    descriptor = BlobDescriptor(
        blob_id=secrets.token_hex(32),
        relay_url=relay.url,
        key=key.hex(),
        header=header.hex(),
        size=ciphertext_size(SIZE),
        plain_size=SIZE,
        sha256=hashlib.sha256(pdf).hexdigest(),
        filename="annex.pdf",
    )
    assert "format" not in descriptor.to_dict()  # byte for byte what earlier versions wrote
    uid = share_with_descriptor(amina, boris, descriptor)
    with amina.unlocked() as room:
        TransferStore(room.db).create_upload(
            blob_id=descriptor.blob_id,
            relay_url=relay.url,
            chunks=sealed,
            priority=Priority.ATTACHMENT,
            ref=uid,
            descriptor=json.dumps(descriptor.to_dict()),
        )
        upload = TransferStore(room.db).get(descriptor.blob_id, TransferDirection.UP)
    assert upload is not None and upload.attachment_id is None
    client = RelayClient(relay.url)
    try:
        with amina.unlocked() as room, pytest.raises(TransferPaused):
            upload_blob(room, client, upload, interrupt=lambda: True)
        _hold_upload(amina, upload)
        sync_peer(amina)  # the document envelope only
        assert sync_peer(boris).attachments_received == 0  # the blob is not complete yet
        with amina.unlocked() as room:
            resumed_up = TransferStore(room.db).get(descriptor.blob_id, TransferDirection.UP)
            assert resumed_up is not None
            assert upload_blob(room, client, resumed_up)
        with boris.unlocked() as room:
            download = TransferStore(room.db).get(descriptor.blob_id, TransferDirection.DOWN)
            assert download is not None
            with pytest.raises(TransferPaused):
                download_blob(room, client, download, interrupt=lambda: True)
            assert TransferStore(room.db).chunk_count(descriptor.blob_id, TransferDirection.DOWN)
            resumed = TransferStore(room.db).get(descriptor.blob_id, TransferDirection.DOWN)
            assert resumed is not None
            assert download_blob(room, client, resumed) is None
    finally:
        client.close()
    assert _received(boris, uid) == pdf
    amina.close()
    boris.close()
