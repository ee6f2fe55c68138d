"""A 100 MB attachment: the sender and then the receiver are killed mid-transfer, and resume
without re-sending the chunks already across."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from delegate_app.core.documents.store import DocumentStore
from delegate_app.core.messaging.transfers import TransferDirection, TransferStore
from sync.client.engine import SyncEngine
from tests.conftest import PASSPHRASE
from tests.relay_server import RelayProcess
from tests.sync.profiles import Peer, create_profiles, insert_pdf

SIZE = int(float(os.environ.get("DELEGATE_ATTACHMENT_MB", "100")) * 1024 * 1024)


def start_sync(peer: Peer) -> subprocess.Popen[str]:
    args = ["sync", "--once", "--json", "--profile", str(peer.root)]
    return subprocess.Popen(
        [sys.executable, "-m", "delegate_app.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ, DELEGATE_PASSPHRASE=PASSPHRASE),
    )


def kill_when(process: subprocess.Popen[str], condition: Callable[[], bool]) -> None:
    """SIGKILL ``process`` as soon as ``condition`` holds (bounded wait)."""
    deadline = time.monotonic() + 120
    while not condition():
        assert process.poll() is None, f"finished before the kill: {process.stderr}"
        assert time.monotonic() < deadline, "the transfer did not progress"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def finish_sync(peer: Peer) -> dict[str, object]:
    process = start_sync(peer)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    report = json.loads(out)
    assert isinstance(report, dict)
    return report


@pytest.mark.slow
def test_large_attachment_resumes_after_kills(tmp_path: Path, relay: RelayProcess) -> None:
    amina, boris = create_profiles(tmp_path, 2, relay.url)
    pdf = secrets.token_bytes(SIZE)
    digest = hashlib.sha256(pdf).hexdigest()
    doc_id = insert_pdf(amina, pdf, "Briefing book", "book.pdf")
    result = amina.room.sharing.share(doc_id, ["Boris Petrov"])
    assert result.attachment_bytes == SIZE
    (upload,) = TransferStore(amina.vault.db).for_ref(result.document_uid)
    total = upload.total
    del pdf
    amina.close()
    boris.close()

    def relay_size() -> int:
        status = requests.get(f"{relay.url}/v1/blobs/{upload.blob_id}/status", timeout=5)
        return int(status.json()["size"]) if status.status_code == 200 else 0

    # Upload: killed once about a third is on the relay.
    kill_when(start_sync(amina), lambda: relay_size() > total // 5)
    held = relay_size()
    assert 0 < held < total
    report = finish_sync(amina)
    assert report["uploaded_bytes"] == total - held  # nothing sent twice
    assert report["attachments_sent"] == 1
    assert relay_size() == total

    # Download: the document arrives first; the receiver is killed part-way through the blob.
    # One reading connection kept open (WAL) so that each poll is a single cheap query.
    boris.vault.unlock(PASSPHRASE)
    transfers = TransferStore(boris.vault.db)

    def downloaded() -> int:
        transfer = transfers.get(upload.blob_id, TransferDirection.DOWN)
        return 0 if transfer is None else transfer.done

    kill_when(start_sync(boris), lambda: downloaded() > total // 5)
    have = downloaded()
    boris.vault.lock()
    assert 0 < have < total
    report = finish_sync(boris)
    assert report["downloaded_bytes"] == total - have
    assert report["attachments_received"] == 1
    with boris.unlocked() as room:
        received_id = room.sharing.store.document_id(result.document_uid)
        assert received_id is not None
        received = DocumentStore(room.db).pdf_bytes(received_id)
        assert received is not None and hashlib.sha256(received).hexdigest() == digest
        assert TransferStore(room.db).chunk_count(upload.blob_id, TransferDirection.DOWN) == 0


def test_tampered_blob_is_refused(tmp_path: Path, relay: RelayProcess) -> None:
    amina, boris = create_profiles(tmp_path, 2, relay.url)
    pdf = secrets.token_bytes(3 * 1024 * 1024 + 17)
    doc_id = insert_pdf(amina, pdf, "Annex", "annex.pdf")
    uid = amina.room.sharing.share(doc_id, ["Boris Petrov"]).document_uid
    engine = SyncEngine(amina.room)
    engine.sync_once()
    engine.close()
    (upload,) = TransferStore(amina.vault.db).for_ref(uid)
    with sqlite3.connect(relay.db) as conn:
        row = conn.execute(
            "SELECT offset, data FROM blob_parts WHERE blob_id = ? ORDER BY offset LIMIT 1",
            (upload.blob_id,),
        ).fetchone()
        damaged = bytearray(row[1])
        damaged[100] ^= 0x01
        conn.execute(
            "UPDATE blob_parts SET data = ? WHERE blob_id = ? AND offset = ?",
            (bytes(damaged), upload.blob_id, row[0]),
        )
    engine = SyncEngine(boris.room)
    report = engine.sync_once()
    engine.close()
    assert report.attachments_received == 0
    assert len(report.attachments_refused) == 1
    received_id = boris.room.sharing.store.document_id(uid)
    assert received_id is not None
    assert DocumentStore(boris.vault.db).pdf_bytes(received_id) is None
    amina.close()
    boris.close()
