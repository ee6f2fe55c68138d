"""Live delivery through the sync engine: long-polls between passes, polling as the fallback.

The receiving engine polls only every ten minutes here, so a message that arrives within
the test came by long-poll. Whether a long-poll is waiting is read from the relay's log.
"""

from __future__ import annotations

import hashlib
import json
import queue
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nacl.signing
import pytest

from delegate_app.core.mailroom import Mailroom
from sync.client.engine import SyncEngine, SyncReport
from sync.client.errors import RelayUnreachableError
from sync.client.relay_client import RelayClient
from tests.relay.signer import MailboxOwner
from tests.relay_server import RelayProcess
from tests.sync.conftest import start_relay
from tests.sync.profiles import Peer, profiles_at, sync_peer
from tests.tls_certs import make_tls_files

RARE_POLL = 600.0  # seconds: far beyond any test, so only a long-poll can bring a message
REPORT_TIMEOUT = 60.0


def waiting(relay: RelayProcess) -> int:
    """How many fetches have started to wait at ``relay`` so far."""
    return relay.stderr_text.count('"event": "fetch_waiting"')


def until(condition: object, limit: float = 30.0) -> None:
    event = threading.Event()
    for _ in range(int(limit / 0.05)):
        if callable(condition) and condition():
            return
        event.wait(0.05)
    raise AssertionError("never happened")


class Running:
    """``peer``'s engine running on a thread of its own (its own vault connection)."""

    def __init__(self, peer: Peer, *, idle_poll: float) -> None:
        self.reports: queue.Queue[SyncReport] = queue.Queue()
        self._db = peer.vault.open_connection()
        self.engine = SyncEngine(Mailroom.open(self._db, peer.policy), idle_poll=idle_poll)
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.engine.run(on_report=self.reports.put)
        finally:
            self.engine.close()
            self._db.close()

    def next_report(self) -> SyncReport:
        return self.reports.get(timeout=REPORT_TIMEOUT)

    def stop(self) -> None:
        self.engine.stop()
        self.thread.join(timeout=30)


@pytest.fixture
def peers(tmp_path: Path, relay: RelayProcess) -> Iterator[list[Peer]]:
    with profiles_at(tmp_path / "missions", 2, relay.url) as both:
        yield both


def test_a_message_from_an_online_contact_arrives_by_long_poll(
    relay: RelayProcess, peers: list[Peer]
) -> None:
    amina, boris = peers
    running = Running(amina, idle_poll=RARE_POLL)
    try:
        assert running.next_report().errors == []  # the first pass, then a long-poll
        until(lambda: waiting(relay) == 1)
        with boris.unlocked() as room:
            room.messenger.send_text("Amina Haddad", "Live from the plenary")
        sync_peer(boris)
        report = running.next_report()  # long before the ten-minute poll
        assert report.received == 1 and report.errors == []
        with amina.unlocked() as room:
            bodies = [m.body for m in room.messenger.messages()]
        assert "Live from the plenary" in bodies
        # The envelope came with the long-poll's answer and the pass did not fetch again:
        # Amina's first pass and her long-poll, and Boris's one pass, fetched; nothing else.
        assert relay.stderr_text.count('"event": "fetch"') == 3
        until(lambda: waiting(relay) == 2)  # waiting again after the pass
    finally:
        running.stop()
    # A stop ends the engine at once, though its long-poll would wait twenty seconds more,
    # and cuts the long-poll's connection: the relay sees the client leave, well before then.
    assert not running.thread.is_alive()
    until(lambda: '"event": "fetch_abandoned"' in relay.stderr_text, limit=10)


class OldRelay(ThreadingHTTPServer):
    """A relay from before live delivery, reduced to what one pass needs: it ignores
    ``wait``, answers every fetch at once and sends no ``X-Delegate-Wait``."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _OldRelayHandler)
        self.fetches: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _OldRelayHandler(BaseHTTPRequestHandler):
    server: OldRelay

    def log_message(self, format: str, *args: object) -> None:
        del format, args

    def _answer(self, payload: object) -> None:
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/health":
            self._answer({"status": "ok"})
            return
        if self.path == "/versions":  # nor prekeys: no "prekeys" in its versions
            self._answer({"versions": ["v1"]})
            return
        self.server.fetches.append(self.path)
        self._answer({"envelopes": [], "next_cursor": 0, "more": False})

    def do_PUT(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        payload = json.loads(self.rfile.read(length))
        self._answer({"verifier": payload["verifier"], "previous": 0})


def test_a_relay_that_ignores_wait_is_polled_without_spinning(tmp_path: Path) -> None:
    relay = OldRelay()
    server = threading.Thread(target=relay.serve_forever)
    server.start()
    try:
        with profiles_at(tmp_path / "missions", 1, relay.url) as (amina,), amina.unlocked() as room:
            engine = SyncEngine(room, idle_poll=1.5)
            try:
                engine.run(max_passes=3)
            finally:
                engine.close()
    finally:
        relay.shutdown()
        relay.server_close()
        server.join()
    long_polls = [path for path in relay.fetches if "&wait=" in path]
    # One long-poll learnt that this relay does not wait; then plain polling, a fetch a pass.
    assert len(long_polls) == 1
    assert len(relay.fetches) == 3 + 1


def test_a_relay_with_every_waiting_place_taken_is_polled_without_spinning(
    tmp_path: Path,
) -> None:
    relay = start_relay(tmp_path / "relay.db", "--max-waiters-per-client", "1")
    try:
        holder = MailboxOwner(relay.url)
        path = f"/v1/mailboxes/{holder.mailbox}/envelopes?after=0&limit=100&wait=25"
        held = threading.Thread(
            target=holder.session.get,
            args=(relay.url + path,),
            kwargs={"headers": holder.headers("GET", path, b""), "timeout": 60},
        )
        held.start()  # takes this address's one waiting place
        until(lambda: waiting(relay) == 1)
        with profiles_at(tmp_path / "missions", 1, relay.url) as (amina,), amina.unlocked() as room:
            engine = SyncEngine(room, idle_poll=1.5)
            try:
                engine.run(max_passes=3)
            finally:
                engine.close()
        # One long-poll per idle interval, each answered at once with X-Delegate-Wait: 0 and
        # followed by the plain wait: never a burst of them.
        assert relay.stderr_text.count('"event": "long_poll_refused"') == 3
        holder.deposit([("0" * 32, b"release")])
        held.join(timeout=30)
    finally:
        relay.stop()


def test_abort_cuts_a_waiting_long_poll_over_https_at_once(tmp_path: Path) -> None:
    tls = make_tls_files(tmp_path / "tls")
    relay = RelayProcess(
        tmp_path / "relay.db", "--tls-cert", str(tls.cert), "--tls-key", str(tls.key)
    )
    relay.verify = str(tls.ca)
    relay.start()
    try:
        key = nacl.signing.SigningKey.generate()

        def signer(method: str, path: str, body: bytes, ts: int, nonce: str, origin: str) -> str:
            lines = ["delegate-relay-v2", origin, method, path,
                     hashlib.sha256(body).hexdigest(), str(ts), nonce]  # fmt: skip
            return str(key.sign("\n".join(lines).encode()).signature.hex())

        client = RelayClient(relay.url, ca_file=str(tls.ca))
        client.make_abortable()
        failures: list[Exception] = []

        def long_poll() -> None:
            try:
                client.fetch(bytes(key.verify_key).hex(), signer, after=0, limit=10, wait=20)
            except RelayUnreachableError as exc:
                failures.append(exc)

        thread = threading.Thread(target=long_poll)
        thread.start()
        until(lambda: waiting(relay) == 1)
        client.abort()
        thread.join(timeout=10)  # not the twenty seconds of its wait
        assert not thread.is_alive() and len(failures) == 1
        until(lambda: '"event": "fetch_abandoned"' in relay.stderr_text, limit=10)
    finally:
        relay.stop()
