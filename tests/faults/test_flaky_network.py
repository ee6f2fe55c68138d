"""A hostile hotel network: a TCP proxy between both clients and the relay refuses, delays and
cuts connections mid-body while two profiles exchange several hundred messages and a shared
document with an attachment. With bounded retries everything arrives exactly once."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from delegate_app.core.documents.store import DocumentStore
from delegate_app.core.errors import DelegateError
from delegate_app.core.messaging.transfers import TransferStore
from sync.client.engine import SyncEngine
from tests.faults import report
from tests.faults.clients import mail_of
from tests.faults.flaky_proxy import FaultPlan, FlakyProxy
from tests.relay_server import RelayProcess, free_port
from tests.sync.conftest import start_relay
from tests.sync.profiles import Peer, create_profiles, insert_pdf

MESSAGES_EACH_WAY = 300
ATTACHMENT_BYTES = 300 * 1024  # over the inline limit (192 KiB): travels as a resumable blob
WAVES = 3  # each wave queues a third of the messages and syncs until all is across
MAX_PASSES = 60  # per profile and wave; a pass ends at the first dropped connection


@contextmanager
def _relay_behind(proxy: FlakyProxy, db: Path, port: int) -> Iterator[RelayProcess]:
    """The relay on ``port``, knowing that clients reach it at the proxy's address (the
    origin they sign requests for, docs/RELAY.md "Signed requests")."""
    relay = start_relay(db, "--public-url", proxy.url, port=port)
    try:
        yield relay
    finally:
        relay.stop()


def _share_attachment(peer: Peer, to: str) -> tuple[str, bytes]:
    pdf = secrets.token_bytes(ATTACHMENT_BYTES)
    doc_id = insert_pdf(peer, pdf, "Hotel briefing", "hotel.pdf")
    result = peer.room.sharing.share(doc_id, [to])
    assert result.attachment_bytes == ATTACHMENT_BYTES
    return result.document_uid, pdf


def _attachment_arrived(peer: Peer, uid: str) -> bytes | None:
    doc_id = peer.room.sharing.store.document_id(uid)
    if doc_id is None:
        return None
    return DocumentStore(peer.vault.db).pdf_bytes(doc_id)


@pytest.mark.faults
def test_flaky_network_delivers_everything_exactly_once(tmp_path: Path) -> None:
    seed = report.fault_seed()
    print(f"flaky proxy seed {seed}")
    stats = report.scenario("flaky TCP proxy (drop/delay/cut)")
    stats.seeds.append(seed)
    # Connections are kept alive, so a cut may fall anywhere in a long exchange: mid-request,
    # mid-response, mid-blob. The script makes sure each kind of fault happens early.
    plan = FaultPlan(
        refuse=0.2,
        cut=0.55,
        delay=0.15,
        max_delay=0.05,
        cut_after_bytes=(1, 200_000),
        seed=seed,
        script=("refuse", "cut", "delay", "cut", "refuse", "cut"),
    )
    relay_port = free_port()
    with (
        FlakyProxy(relay_port, plan) as proxy,
        _relay_behind(proxy, tmp_path / "relay.db", relay_port),
    ):
        amina, boris = create_profiles(tmp_path, 2, proxy.url)
        peers = (amina, boris)
        sent: dict[str, set[str]] = {p.name: set() for p in peers}
        engines = {p.name: SyncEngine(p.room) for p in peers}
        failed = 0
        uid, pdf = "", b""
        try:
            for wave in range(WAVES):
                for peer, to in ((amina, boris), (boris, amina)):
                    with peer.db_transaction() as room:
                        for n in range(MESSAGES_EACH_WAY // WAVES):
                            text = f"{peer.name} {wave}.{n} {secrets.token_hex(4)}"
                            room.messenger.send_text(to.name, text)
                            sent[peer.name].add(text)
                if wave == 1:
                    uid, pdf = _share_attachment(amina, boris.name)
                for _ in range(MAX_PASSES):
                    for engine in engines.values():
                        stats.rounds += 1
                        try:
                            engine.sync_once()
                        except DelegateError:  # RelayUnreachableError and kin: try again
                            failed += 1
                    mails = [mail_of(p) for p in peers]
                    if (
                        all(
                            len(m.incoming) >= len(sent[o.name])
                            for m, o in zip(mails, peers[::-1], strict=True)
                        )
                        and all(m.queued == 0 for m in mails)
                        and (not uid or _attachment_arrived(boris, uid) is not None)
                        and not TransferStore(amina.vault.db).pending()
                    ):
                        break
        finally:
            for engine in engines.values():
                engine.close()
        stats.extra["passes failed"] += failed
        for name in ("connections", "refused", "cut", "delayed"):
            stats.extra[f"conn {name}"] += getattr(proxy.stats, name)
        stats.kills += proxy.stats.refused + proxy.stats.cut
    assert proxy.stats.cut >= 3 and proxy.stats.refused >= 2, "the network should misbehave"
    assert failed > 0, "some passes should have been broken off"
    for peer, other in ((amina, boris), (boris, amina)):
        lost, duplicated = stats.reconcile(sent[other.name], mail_of(peer).incoming)
        assert (lost, duplicated) == (0, 0), f"seed {seed}: {lost} lost, {duplicated} twice"
    arrived = _attachment_arrived(boris, uid)
    assert arrived is not None and hashlib.sha256(arrived).digest() == hashlib.sha256(pdf).digest()
    assert DocumentStore(boris.vault.db).count() == 1  # one document, not one per retry
    stats.sent += 1
    stats.received += 1
