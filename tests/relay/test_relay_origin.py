"""Signed requests name the relay they are for: a request captured at one relay is refused at
another (``delegate-relay-v2``), while the deprecated v1 form of old clients still works."""

from __future__ import annotations

import functools
import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from delegate_app.core.crypto.identity import MailboxKey
from delegate_app.core.crypto.relay_auth import sign_relay_request
from delegate_app.core.relay_urls import origin as client_origin
from sync.client.errors import RelayAuthError
from sync.client.relay_client import RelayClient
from sync.relay.origins import normalise_origin
from tests.crypto.test_hardening import VECTOR_RELAY_SIGNATURE_V2
from tests.relay.signer import MailboxOwner, envelope_id
from tests.relay_server import RelayProcess, running_relay

ROOT = Path(__file__).resolve().parents[2]


class RecordingSession(requests.Session):
    """A real session that keeps what it sent, as an eavesdropper on the path would."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.sent.append(request)
        return super().send(request, **kwargs)


def _replay(captured: requests.PreparedRequest, at: str, drop: str = "") -> requests.Response:
    path = captured.path_url
    headers = {k: v for k, v in captured.headers.items() if k.lower().startswith("x-delegate-")}
    headers.pop(drop, None)
    return requests.request(captured.method or "GET", at + path, headers=headers, timeout=10)


def test_request_captured_at_one_relay_is_refused_at_another(tmp_path: Path) -> None:
    key = MailboxKey(hashlib.sha256(b"origin-test").digest())
    signer = functools.partial(sign_relay_request, key)
    with running_relay(tmp_path / "a.db") as relay_a, running_relay(tmp_path / "b.db") as relay_b:
        for relay in (relay_a, relay_b):  # the same mailbox on two relays, one secret each
            secret = MailboxOwner(relay.url).deposit(
                [(envelope_id(1), f"for {relay.port}".encode())], mailbox=key.mailbox_id
            )
            assert secret.status_code == 200
        session = RecordingSession()
        with RelayClient(relay_a.url, session=session) as client_a:
            assert len(client_a.fetch(key.mailbox_id, signer, after=0, limit=10).envelopes) == 1
        captured = session.sent[-1]
        assert captured.headers["X-Delegate-Origin"] == relay_a.url
        refused = _replay(captured, relay_b.url)
        assert refused.status_code == 401 and refused.json() == {"error": "wrong relay"}
        # Without the origin header the signature is checked as v1, and does not verify.
        downgraded = _replay(captured, relay_b.url, drop="X-Delegate-Origin")
        assert downgraded.status_code == 401 and downgraded.json() == {"error": "unauthorized"}
        # A fresh request signed for B works; replaying it at B is the old nonce refusal.
        session_b = RecordingSession()
        with RelayClient(relay_b.url, session=session_b) as client_b:
            fetched = client_b.fetch(key.mailbox_id, signer, after=0, limit=10)
        assert fetched.envelopes[0].data == f"for {relay_b.port}".encode()
        assert _replay(session_b.sent[-1], relay_b.url).status_code == 401


def test_old_clients_signing_v1_are_still_served(relay: RelayProcess) -> None:
    owner = MailboxOwner(relay.url, origin="")
    owner.deposit([(envelope_id(1), b"one")])
    assert "X-Delegate-Origin" not in owner.headers("GET", "/", b"")
    assert len(owner.fetch().json()["envelopes"]) == 1


@pytest.mark.parametrize(
    "origin",
    ["HTTP://127.0.0.1:{port}", "http://127.0.0.1:{port}/", "http://127.0.0.1.:{port}", "nonsense"],
)
def test_origin_header_must_be_in_normal_form(relay: RelayProcess, origin: str) -> None:
    owner = MailboxOwner(relay.url, origin=origin.format(port=relay.port))
    answer = owner.fetch()
    assert answer.status_code == 401 and answer.json() == {"error": "unauthorized"}


def test_public_url_option_names_the_origins_the_relay_accepts(tmp_path: Path) -> None:
    public = "--public-url=https://Relay.Example.org/, http://other.example:8080"
    with running_relay(tmp_path / "r.db", public) as relay:
        for named in ("https://relay.example.org", "http://other.example:8080"):
            assert MailboxOwner(relay.url, origin=named).fetch().status_code == 200
        # Its listening address is no longer one of its names once public URLs are given.
        local = MailboxOwner(relay.url).fetch()
        assert local.status_code == 401 and local.json() == {"error": "wrong relay"}
        key = MailboxKey(bytes(32))
        signer = functools.partial(sign_relay_request, key)
        with RelayClient(relay.url) as client, pytest.raises(RelayAuthError, match="public-url"):
            client.fetch(key.mailbox_id, signer, after=0, limit=1)


def test_loopback_relay_answers_to_its_loopback_names(relay: RelayProcess) -> None:
    for name in ("localhost", "127.0.0.1", "[::1]"):
        assert MailboxOwner(relay.url, origin=f"http://{name}:{relay.port}").fetch().ok


def test_bad_public_url_refused_at_start(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sync.relay.cli", "--db", str(tmp_path / "r.db"),
         "--public-url", "ftp://relay.example.org"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "--public-url" in done.stderr


ORIGIN_VECTORS = {
    "https://relay.example.org": "https://relay.example.org",
    "HTTPS://Relay.Example.ORG.:443/relay/?q=1#f": "https://relay.example.org",
    "http://relay.example.org:80": "http://relay.example.org",
    "https://relay.example.org:8443/": "https://relay.example.org:8443",
    "http://127.0.0.1:8787": "http://127.0.0.1:8787",
    "http://[::1]:8787/x": "http://[::1]:8787",
    "http://[2001:DB8::1]": "http://[2001:db8::1]",
    "ftp://relay.example.org": None,
    "https://user@relay.example.org": None,
    "https://relay.example.org:99999": None,
    "https://relay example.org": None,
    "relay.example.org": None,
    "": None,
}


@pytest.mark.parametrize(("url", "expected"), ORIGIN_VECTORS.items())
def test_client_and_relay_normalise_origins_alike(url: str, expected: str | None) -> None:
    ours = client_origin(url)
    assert (str(ours) if ours is not None else None) == expected
    assert normalise_origin(url) == expected


def test_documents_carry_the_v2_vector_and_the_origin_rules() -> None:
    for doc in ("PROTOCOL.md", "RELAY.md"):
        text = " ".join((ROOT / "docs" / doc).read_text(encoding="utf-8").split())
        assert "delegate-relay-v2" in text and "X-Delegate-Origin" in text, doc
        assert VECTOR_RELAY_SIGNATURE_V2[:64] in text and VECTOR_RELAY_SIGNATURE_V2[64:] in text
    relay_doc = (ROOT / "docs" / "RELAY.md").read_text(encoding="utf-8")
    assert '{"error": "wrong relay"}' in relay_doc
    for url, expected in ORIGIN_VECTORS.items():
        if expected is not None and url:
            assert f"`{url}` → `{expected}`" in relay_doc, url
