"""Sync benchmarks against a real relay on loopback, each with a baseline from the same run.

- ``sync_backlog``: a week offline, then 10,000 messages from 50 contacts are synced (fetch,
  verify, decrypt, commit, acknowledge, receipts) and listed. Baseline: the same messages
  committed straight into a vault (no crypto, no network), one transaction each like the sync.
- ``sync_messages_per_s``: 5,000 small messages end to end (seal and queue — as a script would,
  in one transaction —, deposit, relay, fetch, open, commit, receipts back). Baseline: the same
  seal/queue/open/commit work handed over in-process, without relay or network.
- ``attachment``: a 100 MB attachment shared, uploaded and downloaded (chunked, encrypted,
  resumable, stored in both vaults), in MB/s. Baseline: the same bytes PUT and GET back over
  loopback HTTP to a trivial server with ``requests`` (a raw copy with no crypto and no storage).
  ``attachment_sender`` / ``attachment_receiver``: the two halves of that run;
  ``attachment_stage_*``: each stage alone on the same bytes (seal, upload = PUT to the relay
  including its store, relay store = the relay's storage in-process, fetch, open, vault write
  and vault read of the chunk rows), against the same raw copy;
  ``attachment_peak_memory_*``: each side runs in its own process (``attachment_side.py``):
  its peak resident memory (the kernel's VmHWM, reset once the vault is open) above its resident
  memory at that moment (the baseline column). The end-to-end time is the two sides' times.

``DELEGATE_BENCH_SCALE`` scales message counts and the attachment size.
"""

from __future__ import annotations

import http.server
import json
import os
import secrets
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from benchmarks.common import BENCH_PASSPHRASE, row, scale, scaled
from delegate_app.core.contacts.book import ContactBook, load_identity, own_card
from delegate_app.core.crypto.cards import ContactCard, make_card
from delegate_app.core.crypto.chunks import CHUNK_SIZE, ChunkSealer, new_chunk_key
from delegate_app.core.crypto.keywrap import FAST_KDF
from delegate_app.core.documents.attachment_store import AttachmentStore
from delegate_app.core.documents.models import BodyFormat, DocumentKind, ParsedDocument
from delegate_app.core.documents.store import DocumentStore
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.messaging.models import ConversationKind
from delegate_app.core.messaging.outbox import Outbox
from delegate_app.core.messaging.store import MessageStore, new_uid
from delegate_app.core.paths import resolve_profile
from delegate_app.core.policy import Policy
from delegate_app.core.profile import ProfileInfo, init_profile
from delegate_app.core.vault import Vault
from sync.client.engine import SyncEngine
from sync.client.relay_client import RelayClient
from sync.relay.storage import Quotas, SQLiteStorage

RELAY_LIMITS = (
    "--rate-per-client-per-minute", "100000000", "--rate-per-mailbox-per-minute", "100000000",
    "--mailbox-quota-count", "1000000",
)  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def relay(directory: Path) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sync.relay.cli", "--host", "127.0.0.1", "--port", str(port),
         "--db", str(directory / "relay.db"), *RELAY_LIMITS],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/health", timeout=1).ok:
                    break
            except requests.RequestException:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("benchmark relay did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _profile(root: Path, name: str, relay_url: str, policy: Policy) -> Vault:
    return init_profile(
        resolve_profile(root),
        ProfileInfo(name, f"Mission {name}", relay_url),
        BENCH_PASSPHRASE,
        policy,
        kdf=FAST_KDF,
    )


def _card(vault: Vault, policy: Policy, envelope_format: int) -> ContactCard:
    """The profile's card: version 3 (format 2 traffic), or version 2 as a client from before
    ratchet sessions hands out (format 1 traffic)."""
    card = own_card(vault.db, policy)
    if envelope_format == 2:
        return card
    return make_card(
        load_identity(vault.db), name=card.name, organisation=card.organisation,
        relay_url=card.relay_url, created=card.created, deposit_token=card.deposit_token,
    )  # fmt: skip


def _introduce(
    receiver: Vault, senders: list[Vault], policy: Policy, envelope_format: int = 2
) -> None:
    receiver_card = _card(receiver, policy, envelope_format)
    book = ContactBook(receiver.db, policy)
    for sender in senders:
        book.import_card(_card(sender, policy, envelope_format))
        ContactBook(sender.db, policy).import_card(receiver_card)


def _sync(room: Mailroom) -> None:
    engine = SyncEngine(room)
    try:
        engine.sync_once()
    finally:
        engine.close()


# -- (a) backlog -------------------------------------------------------------------------


def bench_backlog(tmp: Path, policy: Policy) -> dict[str, Any]:
    contacts = min(50, scaled(50, 2))
    per_contact = max(1, scaled(10_000, 100) // contacts)
    week_ago = time.time() - 7 * 86_400
    with relay(tmp / "relay-backlog") as url:
        receiver = _profile(tmp / "receiver", "Receiver", url, policy)
        senders = [_profile(tmp / f"s{i}", f"Sender {i}", url, policy) for i in range(contacts)]
        _introduce(receiver, senders, policy)
        texts = []
        for index, sender in enumerate(senders):
            room = Mailroom.open(sender.db, policy)
            conversation = room.messenger.direct_conversation("Receiver")
            for n in range(per_contact):
                text = f"Backlog message {n} from sender {index}: the plenary moved to room B."
                room.messenger.send_in(conversation, text, now=week_ago + n)
                texts.append(text)
            _sync(room)
            sender.lock()
        room = Mailroom.open(receiver.db, policy)
        started = time.perf_counter()
        _sync(room)
        listed = room.messenger.messages()
        elapsed = time.perf_counter() - started
        if len(listed) != len(texts):
            raise RuntimeError(f"backlog: {len(listed)} of {len(texts)} messages arrived")
        receiver.lock()
    # Baseline: the same rows committed straight into a fresh vault, one transaction each.
    plain = _profile(tmp / "plain", "Plain", None, policy)  # type: ignore[arg-type]
    store = MessageStore(plain.db)
    conversations = [
        store.create_conversation(kind=ConversationKind.DIRECT, members=[secrets.token_hex(32)])
        for _ in range(contacts)
    ]
    started = time.perf_counter()
    for index, text in enumerate(texts):
        with plain.db.transaction():
            store.insert_incoming(
                conversation_id=conversations[index // per_contact % contacts].id,
                uid=new_uid(),
                sender_key=conversations[index // per_contact % contacts].members[0],
                body=text,
                sent_at=week_ago,
                received_at=time.time(),
                expires_at=None,
            )
    store.messages()
    baseline = time.perf_counter() - started
    plain.lock()
    return row("sync_backlog", elapsed, "s", baseline, target=f"< 15 s for {len(texts)} messages")


# -- (b) end-to-end messages per second --------------------------------------------------


def bench_messages_per_s(tmp: Path, policy: Policy, envelope_format: int = 2) -> dict[str, Any]:
    """End-to-end messages/s through the relay in envelope format 2 (ratchet sessions), or 1."""
    count = scaled(5_000, 100)
    with relay(tmp / "relay-rate") as url:
        alice = _profile(tmp / "alice", "Alice", url, policy)
        bob = _profile(tmp / "bob", "Bob", url, policy)
        _introduce(bob, [alice], policy, envelope_format)
        a_room, b_room = Mailroom.open(alice.db, policy), Mailroom.open(bob.db, policy)
        conversation = a_room.messenger.direct_conversation("Bob")
        started = time.perf_counter()
        with alice.db.transaction():  # queued by a script: one commit for the lot
            for n in range(count):
                a_room.messenger.send_in(conversation, f"Short message {n}")
        _sync(a_room)
        _sync(b_room)
        elapsed = time.perf_counter() - started
        if b_room.messenger.store.count() != count:
            raise RuntimeError("not every message arrived")
        alice.lock()
        bob.lock()
    # Baseline: seal, queue, open and commit the same way, handed over without a relay.
    carol = _profile(tmp / "carol", "Carol", "http://127.0.0.1:9", policy)
    dave = _profile(tmp / "dave", "Dave", "http://127.0.0.1:9", policy)
    _introduce(dave, [carol], policy, envelope_format)
    c_room, d_room = Mailroom.open(carol.db, policy), Mailroom.open(dave.db, policy)
    conversation = c_room.messenger.direct_conversation("Dave")
    started = time.perf_counter()
    with carol.db.transaction():
        for n in range(count):
            c_room.messenger.send_in(conversation, f"Short message {n}")
    outbox = Outbox(c_room.db)
    pending = outbox.pending(limit=count + 10)
    with dave.db.transaction():  # one commit per batch, as the engine does
        for delivery in pending:
            d_room.receiver.receive(delivery.envelope_id, delivery.data)
    outbox.mark_deposited(pending)
    baseline = time.perf_counter() - started
    carol.lock()
    dave.lock()
    return row(
        "sync_messages_per_s" if envelope_format == 2 else "sync_messages_per_s_format_1",
        count / elapsed,
        "messages/s",
        count / baseline,
        target=">= 1,000 messages/s",
        lower_is_better=False,
    )


# -- (c) a large attachment --------------------------------------------------------------


class _SinkHandler(http.server.BaseHTTPRequestHandler):
    stored = b""

    def do_PUT(self) -> None:
        length = int(self.headers["Content-Length"])
        type(self).stored = self.rfile.read(length)
        self.send_response(204)
        self.end_headers()

    def do_GET(self) -> None:
        data = type(self).stored
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return


def _raw_copy_mb_s(data: bytes) -> float:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SinkHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/blob"
    try:
        with requests.Session() as session:
            started = time.perf_counter()
            session.put(url, data=data, timeout=120).raise_for_status()
            back = session.get(url, timeout=120).content
            elapsed = time.perf_counter() - started
    finally:
        server.shutdown()
        server.server_close()
    if back != data:
        raise RuntimeError("raw copy mismatch")
    return len(data) / elapsed / 1e6


MIB = 1024 * 1024


def _side(root: Path, *share: str) -> dict[str, float]:
    """Run one side (``attachment_side.py``) in its own process; its seconds and memory."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.attachment_side", str(root), *share],
        capture_output=True, text=True, check=True, timeout=600,
    ).stdout  # fmt: skip
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def _stage_rows(data: bytes, url: str, tmp: Path, vault: Vault, raw: float) -> list[dict[str, Any]]:
    """Each stage of a transfer alone on the same bytes, in MB/s (against the raw copy)."""
    size = len(data)
    blob_id = secrets.token_hex(32)
    sealer = ChunkSealer(new_chunk_key(), bytes.fromhex(blob_id), size)
    plain = [data[i : i + CHUNK_SIZE] for i in range(0, size, CHUNK_SIZE)]
    timings: dict[str, float] = {}
    started = time.perf_counter()
    sealed = [sealer.seal(i, chunk) for i, chunk in enumerate(plain)]
    timings["seal"] = time.perf_counter() - started
    blob = b"".join(sealed)
    put = 4 * MIB
    client = RelayClient(url)
    try:
        started = time.perf_counter()
        for offset in range(0, len(blob), put):
            client.blob_put(blob_id, offset, blob[offset : offset + put])
        client.blob_complete(blob_id, len(blob))
        timings["upload"] = time.perf_counter() - started
        started = time.perf_counter()
        fetched = b"".join(client.blob_get(blob_id, 0, expect=len(blob)))
        timings["fetch"] = time.perf_counter() - started
    finally:
        client.close()
    if fetched != blob:
        raise RuntimeError("stage fetch mismatch")
    storage = SQLiteStorage(tmp / "stage-relay.db")
    quotas = Quotas(1 << 40, 1 << 20, 1 << 40, 1 << 40, 1 << 40)
    started = time.perf_counter()
    for offset in range(0, len(blob), put):
        storage.blob_append("ab" * 32, offset, blob[offset : offset + put], 2**40, quotas)
    storage.blob_complete("ab" * 32, len(blob))
    timings["relay_store"] = time.perf_counter() - started
    storage.close()
    started = time.perf_counter()
    opened = [sealer.open(i, chunk) for i, chunk in enumerate(sealed)]
    timings["open"] = time.perf_counter() - started
    del sealed, fetched, blob
    store = AttachmentStore(vault.db)
    doc_id = DocumentStore(vault.db).insert(
        ParsedDocument("Stage", BodyFormat.TEXT, "Stage", "Stage", None),
        kind=DocumentKind.NOTE, classification="", event=None, language=None, author=None,
        tags=(), source_name=None,
    )  # fmt: skip
    started = time.perf_counter()
    attachment_id = store.begin(doc_id, "stage.pdf", size)
    for first in range(0, len(opened), 4):  # committed four chunks at a time, as downloads are
        with vault.db.transaction():
            for seq in range(first, min(first + 4, len(opened))):
                store.add_chunk(attachment_id, seq, opened[seq])
    timings["vault_write"] = time.perf_counter() - started
    started = time.perf_counter()
    read = sum(len(chunk) for chunk in store.chunks(attachment_id))
    timings["vault_read"] = time.perf_counter() - started
    if read != size or b"".join(opened) != data:
        raise RuntimeError("stage round trip mismatch")
    return [
        row(f"attachment_stage_{name}", size / seconds / 1e6, "MB/s", raw, target="report",
            lower_is_better=False)
        for name, seconds in timings.items()
    ]  # fmt: skip


def bench_attachment(tmp: Path, policy: Policy) -> list[dict[str, Any]]:
    size = max(1024 * 1024, int(100 * 1024 * 1024 * scale()))
    data = os.urandom(size)
    with relay(tmp / "relay-blob") as url:
        sender = _profile(tmp / "sender", "Sender", url, policy)
        receiver = _profile(tmp / "receiver-blob", "Receiver", url, policy)
        _introduce(receiver, [sender], policy)
        doc_id = DocumentStore(sender.db).insert(
            ParsedDocument("Briefing book", BodyFormat.PDF, "Briefing book", "Briefing book", data),
            kind=DocumentKind.BRIEFING, classification="RESTRICTED", event=None,
            language=None, author=None, tags=(), source_name="book.pdf",
        )  # fmt: skip
        uid = DocumentStore(sender.db).get(doc_id).summary.uid
        sender.lock()
        receiver.lock()
        # Each side in its own process, as two people's machines would run them.
        sending = _side(tmp / "sender", str(doc_id), "Receiver")
        receiving = _side(tmp / "receiver-blob")
        receiver.unlock(BENCH_PASSPHRASE)
        r_room = Mailroom.open(receiver.db, policy)
        received = r_room.sharing.store.document_id(uid)
        if received is None or DocumentStore(receiver.db).pdf_bytes(received) != data:
            raise RuntimeError("the attachment did not arrive intact")
        raw = _raw_copy_mb_s(data)
        stages = _stage_rows(data, url, tmp, receiver, raw)
        receiver.lock()
    elapsed = sending["seconds"] + receiving["seconds"]

    def memory(side: dict[str, float], name: str) -> dict[str, Any]:
        above = (side["peak_kib"] - side["idle_kib"]) / 1024
        return row(f"attachment_peak_memory_{name}", above, "MiB above idle",
                   side["idle_kib"] / 1024, target="< 64 MiB above idle")  # fmt: skip

    return [
        row("attachment", size / elapsed / 1e6, "MB/s", raw,
            target=">= 0.25 of the raw loopback copy", lower_is_better=False),
        row("attachment_sender", size / sending["seconds"] / 1e6, "MB/s", raw,
            target="report (share, seal, upload, relay store)", lower_is_better=False),
        row("attachment_receiver", size / receiving["seconds"] / 1e6, "MB/s", raw,
            target="report (fetch, open, vault write)", lower_is_better=False),
        *stages,
        memory(sending, "sender"),
        memory(receiving, "receiver"),
    ]  # fmt: skip


def run() -> list[dict[str, Any]]:
    policy = Policy.from_raw(None)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        rows.append(bench_backlog(base / "backlog", policy))
        rows.append(bench_messages_per_s(base / "rate", policy))
        rows.append(bench_messages_per_s(base / "rate-format-1", policy, envelope_format=1))
        rows.extend(bench_attachment(base / "attachment", policy))
    return rows


if __name__ == "__main__":
    if sys.argv[1:] == ["attachment"]:  # the attachment rows alone
        with tempfile.TemporaryDirectory() as tmp:
            for result in bench_attachment(Path(tmp), Policy.from_raw(None)):
                print(result)
    else:
        for result in run():
            print(result)
