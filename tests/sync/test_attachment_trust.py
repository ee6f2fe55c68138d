"""Attachments are fetched only from relays we trust for their sender, within policy's size.

Each test is an attack by a contact (Amina) on the receiver (Boris), with the real client, the
real relay on loopback and, where the attack needs one, a small HTTP server that records every
request it gets (or streams without end).
"""

from __future__ import annotations

import hashlib
import http.server
import json
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from delegate_app.core.contacts.book import ContactBook, load_identity
from delegate_app.core.crypto.cards import make_card
from delegate_app.core.crypto.stream import CHUNK_SIZE, encrypt_chunks, new_stream_key
from delegate_app.core.documents.store import DocumentStore
from delegate_app.core.messaging.models import Priority
from delegate_app.core.messaging.transfers import TransferDirection, TransferStore
from delegate_app.core.policy import Policy, RawPolicy
from delegate_app.core.sharing.attachment_status import AttachmentState
from delegate_app.core.sharing.payloads import BlobDescriptor
from sync.client.engine import SyncEngine
from sync.client.relay_client import RelayClient
from sync.client.state import SyncStatus
from tests.cli.helpers import delegatectl
from tests.relay_server import RelayProcess, free_port
from tests.sync.conftest import start_relay
from tests.sync.profiles import (
    Peer,
    blob_descriptor,
    create_profiles,
    share_with_descriptor,
    sync_peer,
)

MIB = 1024 * 1024


class Recorder(http.server.ThreadingHTTPServer):
    """A loopback HTTP server that records each request line and answers 404 (or streams)."""

    def __init__(self, *, endless: bool = False) -> None:
        self.requests: list[str] = []
        self.endless = endless
        self.sent = 0
        super().__init__(("127.0.0.1", 0), _RecordingHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    server: Recorder

    def do_GET(self) -> None:
        self.server.requests.append(f"GET {self.path}")
        if not self.server.endless or "/v1/blobs/" not in self.path:
            self.send_response(404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
            return
        # A relay that ignores the size: no Content-Length, bytes until the client hangs up.
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        piece = b"\0" * 65536
        try:
            while self.server.sent < 64 * MIB:
                self.wfile.write(piece)
                self.server.sent += len(piece)
        except OSError:
            return

    do_PUT = do_POST = do_HEAD = do_GET  # noqa: N815 - every method is recorded alike

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _policy(max_import_mb: int) -> Policy:
    return Policy.from_raw(
        RawPolicy(origin="test", locked={"max_import_mb": max_import_mb}, defaults={})
    )


def _peers(tmp_path: Path, relay: RelayProcess, policy: Policy | None = None) -> list[Peer]:
    return create_profiles(tmp_path, 2, relay.url, policy)


def _card_names_relay(owner: Peer, holder: Peer, relay_url: str) -> None:
    """``holder`` imports a newer card of ``owner`` that names ``relay_url`` as their relay."""
    card = make_card(
        load_identity(owner.vault.db),
        name=owner.name,
        organisation=owner.vault.db.get_setting("profile.organisation", "") or "",
        relay_url=relay_url,
        created=int(time.time()) + 60,
    )
    ContactBook(holder.vault.db, holder.policy).import_card(card)


def _seal(
    relay_url: str, plain: bytes, *, declared_plain: int | None = None
) -> tuple[BlobDescriptor, bytes]:
    """Encrypt ``plain``: a descriptor naming ``relay_url`` that declares ``declared_plain``
    bytes (default: the true size), and the ciphertext."""
    key = new_stream_key()
    header, chunks = encrypt_chunks(
        key, [plain[i : i + CHUNK_SIZE] for i in range(0, len(plain), CHUNK_SIZE)]
    )
    descriptor = blob_descriptor(
        relay_url,
        len(plain) if declared_plain is None else declared_plain,
        key=key.hex(),
        header=header.hex(),
        sha256=hashlib.sha256(plain).hexdigest(),
    )
    return descriptor, b"".join(chunks)


def _put(relay_url: str, blob_id: str, data: bytes) -> None:
    """Upload a blob to the relay, as anyone can."""
    client = RelayClient(relay_url)
    try:
        client.blob_put(blob_id, 0, data)
        client.blob_complete(blob_id, len(data))
    finally:
        client.close()


def _upload(relay_url: str, plain: bytes, *, declared_plain: int | None = None) -> BlobDescriptor:
    descriptor, data = _seal(relay_url, plain, declared_plain=declared_plain)
    _put(relay_url, descriptor.blob_id, data)
    return descriptor


def _received(peer: Peer, uid: str) -> int:
    with peer.unlocked() as room:
        doc_id = room.sharing.store.document_id(uid)
    assert doc_id is not None, "the document itself must be kept"
    return doc_id


def test_a_descriptor_naming_another_server_is_never_requested(
    tmp_path: Path, relay: RelayProcess, recorder: Recorder
) -> None:
    amina, boris = _peers(tmp_path, relay)
    # Attacker-chosen host, path and query: a blind GET that would reveal Boris's address.
    uid = share_with_descriptor(
        amina, boris, blob_descriptor(f"{recorder.url}/track?who=boris", 4096)
    )
    sync_peer(amina)
    report = sync_peer(boris)
    assert recorder.requests == []
    assert report.received == 1 and len(report.attachments_refused) == 1
    with boris.unlocked() as room:
        status = room.sharing.attachment(_received(boris, uid))
        assert status is not None and status.state is AttachmentState.REFUSED
        assert status.reason is not None and "127.0.0.1" in status.reason
        assert TransferStore(room.db).pending() == []
    sync_peer(boris)  # and later passes do not try it either
    assert recorder.requests == []
    boris.close()
    shown = delegatectl("shared", str(_received(boris, uid)), "--profile", boris.root)
    assert shown.returncode == 0, shown.stderr
    assert "Attachment annex.pdf: The attachment is on a relay you do not use" in shown.stdout
    as_json = json.loads(
        delegatectl("shared", str(_received(boris, uid)), "--json", "--profile", boris.root).stdout
    )
    assert as_json["attachment"]["state"] == "refused"
    assert recorder.url in as_json["attachment"]["reason"]


def test_a_declared_size_beyond_policy_is_refused_before_any_fetch(
    tmp_path: Path, relay: RelayProcess, recorder: Recorder
) -> None:
    amina, boris = _peers(tmp_path, relay, _policy(max_import_mb=2))
    _card_names_relay(amina, boris, recorder.url)  # a relay Boris trusts for Amina
    huge = blob_descriptor(recorder.url, 1 << 39)
    just_over = blob_descriptor(recorder.url, 2 * MIB + 1)
    inconsistent = blob_descriptor(recorder.url, MIB, size=3 * MIB)
    uids = [share_with_descriptor(amina, boris, d) for d in (huge, just_over, inconsistent)]
    sync_peer(amina)
    report = sync_peer(boris)
    assert recorder.requests == []
    assert report.received == 3 and len(report.attachments_refused) == 3
    with boris.unlocked() as room:
        statuses = [room.sharing.attachment(_received(boris, uid)) for uid in uids]
        assert all(s is not None and s.state is AttachmentState.REFUSED for s in statuses)
        assert "2 MB" in (statuses[1].reason or "")  # type: ignore[union-attr]


def test_a_blob_longer_than_declared_is_cut_off_and_nothing_is_stored(
    tmp_path: Path, relay: RelayProcess
) -> None:
    amina, boris = _peers(tmp_path, relay)
    # 6 MiB on the relay, 5 MiB declared: the checksum is of the true 6 MiB.
    descriptor = _upload(relay.url, secrets.token_bytes(6 * MIB), declared_plain=5 * MIB)
    uid = share_with_descriptor(amina, boris, descriptor)
    sync_peer(amina)
    report = sync_peer(boris)
    assert report.received == 1 and len(report.attachments_refused) == 1
    assert report.downloaded_bytes == 0  # refused on the relay's Content-Length, before the body
    with boris.unlocked() as room:
        doc_id = _received(boris, uid)
        assert DocumentStore(room.db).pdf_bytes(doc_id) is None
        assert TransferStore(room.db).chunk_count(descriptor.blob_id, TransferDirection.DOWN) == 0
        status = room.sharing.attachment(doc_id)
        assert status is not None and status.state is AttachmentState.REFUSED


def test_a_relay_streaming_past_the_declared_size_is_cut_off(
    tmp_path: Path, relay: RelayProcess
) -> None:
    # A trusted relay gone hostile: no Content-Length, and bytes without end.
    server = Recorder(endless=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        amina, boris = _peers(tmp_path, relay)
        _card_names_relay(amina, boris, server.url)
        descriptor = blob_descriptor(server.url, 3 * MIB)
        uid = share_with_descriptor(amina, boris, descriptor)
        sync_peer(amina)
        report = sync_peer(boris)
        assert len(server.requests) == 1
        assert report.received == 1 and len(report.attachments_refused) == 1
        assert report.downloaded_bytes <= descriptor.size
        with boris.unlocked() as room:
            doc_id = _received(boris, uid)
            assert DocumentStore(room.db).pdf_bytes(doc_id) is None
            chunks = TransferStore(room.db).chunk_count(descriptor.blob_id, TransferDirection.DOWN)
            assert chunks == 0
    finally:
        server.shutdown()
        server.server_close()


def test_an_unreachable_blob_relay_does_not_make_the_sync_offline(
    tmp_path: Path, relay: RelayProcess
) -> None:
    # The organisation's relay is trusted for every contact; today it is down.
    port = free_port()
    nowhere = f"http://127.0.0.1:{port}"
    policy = Policy.from_raw(RawPolicy(origin="test", locked={}, defaults={"relay_url": nowhere}))
    amina, boris = _peers(tmp_path, relay, policy)
    pdf = secrets.token_bytes(300 * 1024)
    descriptor, data = _seal(nowhere, pdf)
    uid = share_with_descriptor(amina, boris, descriptor)
    with amina.unlocked() as room:
        room.messenger.send_text(boris.name, "The annex follows.")
    sync_peer(amina)
    with boris.unlocked() as room:
        engine = SyncEngine(room)
        try:
            report = engine.sync_once()
            assert engine.state.status is SyncStatus.UP_TO_DATE
        finally:
            engine.close()
        assert report.received == 2 and len(report.attachments_waiting) == 1
        assert [m.body for m in room.messenger.messages()] == ["The annex follows."]
        doc_id = _received(boris, uid)
        status = room.sharing.attachment(doc_id)
        assert status is not None and status.state is AttachmentState.WAITING
        assert status.retry_at is not None and status.retry_at > time.time()
        assert TransferStore(room.db).pending(now=time.time()) == []  # backing off
    # The relay comes back with the blob; once the retry is due the download completes.
    later = start_relay(tmp_path / "org-relay.db", port=port)
    try:
        _put(nowhere, descriptor.blob_id, data)
        with boris.unlocked() as room:
            engine = SyncEngine(room, clock=lambda: time.time() + 3700)
            try:
                assert engine.sync_once().attachments_received == 1
            finally:
                engine.close()
            assert DocumentStore(room.db).pdf_bytes(doc_id) == pdf
    finally:
        later.stop()


def test_a_download_queued_before_the_rules_is_checked_again_before_fetching(
    tmp_path: Path, relay: RelayProcess, recorder: Recorder
) -> None:
    # A vault upgraded with a download an older version queued from a hostile descriptor.
    amina, boris = _peers(tmp_path, relay)
    descriptor = blob_descriptor(f"{recorder.url}/track", 4096)
    uid = share_with_descriptor(amina, boris, blob_descriptor(relay.url, 4096))
    sync_peer(amina)
    with boris.unlocked() as room:
        TransferStore(room.db).create_download(
            blob_id=descriptor.blob_id,
            relay_url=descriptor.relay_url,
            total=descriptor.size,
            priority=Priority.ATTACHMENT,
            ref=uid,
            descriptor=json.dumps(descriptor.to_dict()),
        )
    report = sync_peer(boris)
    assert recorder.requests == []
    assert any("do not use with this contact" in reason for reason in report.attachments_refused)
    with boris.unlocked() as room:
        legacy = TransferStore(room.db).get(descriptor.blob_id, TransferDirection.DOWN)
        assert legacy is not None and legacy.state == "failed"


def test_a_descriptor_path_and_query_are_ignored_on_a_trusted_relay(
    tmp_path: Path, relay: RelayProcess
) -> None:
    amina, boris = _peers(tmp_path, relay)
    pdf = secrets.token_bytes(300 * 1024)
    descriptor = _upload(relay.url, pdf)
    moved = BlobDescriptor(**{**descriptor.__dict__, "relay_url": f"{relay.url}/elsewhere?x=1"})
    uid = share_with_descriptor(amina, boris, moved)
    sync_peer(amina)
    report = sync_peer(boris)
    assert report.attachments_received == 1
    with boris.unlocked() as room:
        assert DocumentStore(room.db).pdf_bytes(_received(boris, uid)) == pdf
