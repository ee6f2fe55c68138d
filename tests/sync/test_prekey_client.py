"""The relay client's prekey calls (docs/RELAY.md, "Prekeys"): against a real relay on
loopback, and against a hostile one whose junk answers must each be a typed error."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from delegate_app.core.crypto.identity import MailboxKey
from delegate_app.core.crypto.relay_auth import sign_relay_request
from sync.client.errors import (
    PrekeysUnavailableError,
    RelayDepositRefusedError,
    RelayProtocolError,
    RelayRateLimitedError,
)
from sync.client.prekeys import OneTimePrekey
from sync.client.relay_client import RelayClient, Signer
from tests.relay_server import RelayProcess


def verifier(token: bytes) -> str:
    """docs/RELAY.md, "Deposit tokens", written again."""
    return hashlib.sha256(b"dlg-deposit-v1" + token).hexdigest()


def otk(n: int, size: int = 120) -> OneTimePrekey:
    return OneTimePrekey(hashlib.sha256(str(n).encode()).hexdigest()[:32], os.urandom(size))


@pytest.fixture
def owner() -> tuple[MailboxKey, Signer, bytes]:
    key = MailboxKey(os.urandom(32))
    return key, functools.partial(sign_relay_request, key), os.urandom(32)


def test_publish_status_and_claim_through_the_client(
    relay: RelayProcess, owner: tuple[MailboxKey, Signer, bytes]
) -> None:
    key, signer, token = owner
    mailbox = key.mailbox_id
    with RelayClient(relay.url) as client:
        assert client.prekeys_version() == 1
        assert client.register_verifier(mailbox, signer, verifier(token))
        status = client.prekey_status(mailbox, signer)
        assert (status.published, status.ids, status.count) == (False, (), 0)
        with pytest.raises(PrekeysUnavailableError):
            client.claim_prekey(mailbox, token)

        header = os.urandom(1024)
        items = [otk(1, 1), otk(2, 256), otk(3)]
        assert client.publish_prekeys(mailbox, signer, header, items) == 3
        status = client.prekey_status(mailbox, signer)
        assert status.published and status.ids == tuple(i.key_id for i in items)

        first = client.claim_prekey(mailbox, token)
        assert (first.bundle, first.one_time_key) == (header, items[0])
        with pytest.raises(RelayDepositRefusedError):
            client.claim_prekey(mailbox, os.urandom(32))
        ninth = otk(9)
        assert client.publish_prekeys(mailbox, signer, header, [ninth], replace=True) == 1
        assert client.claim_prekey(mailbox, token).one_time_key == ninth
        last = client.claim_prekey(mailbox, token)
        assert (last.bundle, last.one_time_key) == (header, None)  # the fallback key remains

        # What the relay would refuse is refused before anything is sent.
        for bundle, keys in (
            (b"", []),
            (os.urandom(1025), []),
            (header, [otk(n) for n in range(101)]),
            (header, [otk(1), otk(1)]),
        ):
            with pytest.raises(ValueError, match="prekey"):
                client.publish_prekeys(mailbox, signer, bundle, keys)
        assert client.prekey_status(mailbox, signer).count == 0
    with pytest.raises(ValueError):
        OneTimePrekey("AB" * 16, b"x")
    with pytest.raises(ValueError):
        OneTimePrekey("ab" * 16, b"")


def test_claims_beyond_the_mailbox_rate_are_a_typed_error(
    relay: RelayProcess, owner: tuple[MailboxKey, Signer, bytes]
) -> None:
    key, signer, token = owner
    with RelayClient(relay.url) as client:
        client.register_verifier(key.mailbox_id, signer, verifier(token))
        client.publish_prekeys(key.mailbox_id, signer, b"h", [otk(n) for n in range(30)])
        for _ in range(20):
            assert client.claim_prekey(key.mailbox_id, token).one_time_key is not None
        with pytest.raises(RelayRateLimitedError) as refused:
            client.claim_prekey(key.mailbox_id, token)
        assert refused.value.retry_after >= 1
        assert client.prekey_status(key.mailbox_id, signer).count == 10


class HostileRelay(ThreadingHTTPServer):
    """A relay on loopback that answers every request with ``answer``: (status, body)."""

    answer: tuple[int, bytes] = (500, b"")


class _Hostile(BaseHTTPRequestHandler):
    server: HostileRelay

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        status, body = self.server.answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer()

    def do_PUT(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def hostile() -> Iterator[HostileRelay]:
    server = HostileRelay(("127.0.0.1", 0), _Hostile)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


GOOD_ID = "ab" * 16
CLAIM_JUNK = [
    b"not json",
    _json(["a", "list"]),
    _json({"one_time_key": None}),  # no bundle
    _json({"bundle": "aGVsbG8"}),  # no one_time_key field at all
    _json({"bundle": "aGVsbG8=", "one_time_key": None}),  # padded
    _json({"bundle": "aGV+bG8", "one_time_key": None}),  # standard alphabet
    _json({"bundle": "", "one_time_key": None}),
    _json({"bundle": "A" * 1367, "one_time_key": None}),  # 1025 bytes
    _json({"bundle": 12, "one_time_key": None}),
    _json({"bundle": "aGVsbG8", "one_time_key": "x"}),
    _json({"bundle": "aGVsbG8", "one_time_key": {"id": GOOD_ID.upper(), "key": "aGVsbG8"}}),
    _json({"bundle": "aGVsbG8", "one_time_key": {"id": GOOD_ID, "key": "A" * 343}}),
    _json({"bundle": "aGVsbG8", "one_time_key": {"id": GOOD_ID}}),
    b'{"bundle": "aGVsbG8", "one_time_key": null, "pad": "' + b" " * 20000 + b'"}',  # too large
]
STATUS_JUNK = [
    _json({"published": True, "one_time_keys": 2, "ids": [GOOD_ID]}),  # count and ids differ
    _json({"published": True, "one_time_keys": 1, "ids": ["xyz"]}),
    _json({"published": True, "one_time_keys": 2, "ids": [GOOD_ID, GOOD_ID]}),
    _json({"published": "yes", "one_time_keys": 0, "ids": []}),
    _json({"published": False, "one_time_keys": 1, "ids": [GOOD_ID]}),
    _json({"published": True, "one_time_keys": True, "ids": [GOOD_ID]}),
    _json({"published": True, "one_time_keys": 101, "ids": [f"{n:032x}" for n in range(101)]}),
    _json({"published": True, "one_time_keys": 0}),
]


def test_junk_from_a_hostile_relay_is_a_typed_error(
    hostile: HostileRelay, owner: tuple[MailboxKey, Signer, bytes]
) -> None:
    key, signer, token = owner
    url = f"http://127.0.0.1:{hostile.server_address[1]}"
    with RelayClient(url) as client:
        for body in CLAIM_JUNK:
            hostile.answer = (200, body)
            with pytest.raises(RelayProtocolError):
                client.claim_prekey(key.mailbox_id, token)
        for body in STATUS_JUNK:
            hostile.answer = (200, body)
            with pytest.raises(RelayProtocolError):
                client.prekey_status(key.mailbox_id, signer)
        for body in (_json({"one_time_keys": 101}), _json({"one_time_keys": "3"}), _json({})):
            hostile.answer = (200, body)
            with pytest.raises(RelayProtocolError):
                client.publish_prekeys(key.mailbox_id, signer, b"h", [otk(1)])
        for body in (_json({"versions": ["v1"], "prekeys": "1"}),
                     _json({"versions": ["v1"], "prekeys": True}),
                     _json({"versions": ["v1"], "prekeys": -1})):  # fmt: skip
            hostile.answer = (200, body)
            with pytest.raises(RelayProtocolError):
                client.prekeys_version()
        # A huge error answer is not read whole either: still a typed error.
        hostile.answer = (500, b'{"error": "' + b"x" * 100_000 + b'"}')
        with pytest.raises(RelayProtocolError):
            client.claim_prekey(key.mailbox_id, token)
        # A relay before prekeys: nothing advertised, and its 404 is "no prekeys here".
        hostile.answer = (200, _json({"versions": ["v1"]}))
        assert client.prekeys_version() == 0
        hostile.answer = (404, _json({"error": "not found"}))
        with pytest.raises(PrekeysUnavailableError):
            client.claim_prekey(key.mailbox_id, token)
        with pytest.raises(PrekeysUnavailableError):
            client.prekey_status(key.mailbox_id, signer)
        # The well-formed answer is accepted: the junk above was refused for its junk.
        good = {"bundle": "aGVsbG8", "one_time_key": {"id": GOOD_ID, "key": "aGk"}}
        hostile.answer = (200, _json(good))
        claimed = client.claim_prekey(key.mailbox_id, token)
        assert claimed.bundle == b"hello" and claimed.one_time_key == OneTimePrekey(GOOD_ID, b"hi")
