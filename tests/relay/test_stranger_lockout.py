"""Strangers cannot lock contacts out of a mailbox, nor use up its owner's allowance
(docs/RELAY.md, "Deposit tokens" and "Rate limits"; ADR 0017, "Review follow-up")."""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections import Counter
from pathlib import Path

import requests

from delegate_app.core.crypto.deposit import deposit_verifier
from delegate_app.core.crypto.identity import MailboxKey
from delegate_app.core.crypto.relay_auth import sign_relay_request
from sync.client.relay_client import RelayClient
from tests.relay.signer import MailboxOwner, envelope_id
from tests.relay.test_deposit_capability import stranger_session
from tests.relay_server import running_relay


def _tokenless(session: requests.Session, url: str, mailbox: str, count: int = 1) -> int:
    body = {"envelopes": [{"id": os.urandom(16).hex(), "data": "AA=="} for _ in range(count)]}
    answer = session.post(f"{url}/v1/mailboxes/{mailbox}/envelopes", json=body, timeout=10)
    return answer.status_code


def _register(owner: MailboxOwner, payload: dict[str, object]) -> requests.Response:
    path = f"/v1/mailboxes/{owner.mailbox}/verifier"
    body = json.dumps(payload).encode()
    headers = {**owner.headers("PUT", path, body), "Content-Type": "application/json"}
    return owner.session.put(owner.base_url + path, data=body, headers=headers, timeout=10)


def test_tokenless_junk_fills_only_its_own_quota(tmp_path: Path) -> None:
    """The attack: a stranger without a card fills a registered mailbox during the tokenless
    grace; the contact holding the current token must still get through."""
    args = ("--open-mailbox-quota-count", "30", "--mailbox-quota-count", "40")
    with running_relay(tmp_path / "r.db", *args) as relay:
        owner = MailboxOwner(relay.url)
        owner.register()
        stranger = stranger_session("127.0.0.3")
        codes = Counter(_tokenless(stranger, relay.url, owner.mailbox, 10) for _ in range(5))
        assert codes == Counter({200: 3, 507: 2})  # the open quota is full
        contact = owner.deposit([(envelope_id(1), b"real message")], token=owner.token)
        assert contact.status_code == 200, contact.text
        assert contact.json()["accepted"] == [envelope_id(1)]
        # Card-pool envelopes have the whole per-mailbox quota, whatever the open pool holds.
        batch = [(envelope_id(100 + i), b"x") for i in range(39)]
        assert owner.deposit(batch, token=owner.token).status_code == 200
        assert owner.deposit([(envelope_id(2), b"x")], token=owner.token).status_code == 507


def test_tokenless_junk_uses_up_only_its_own_rate_bucket(tmp_path: Path) -> None:
    with running_relay(tmp_path / "r.db", "--rate-per-mailbox-per-minute", "20") as relay:
        owner = MailboxOwner(relay.url)
        owner.register()
        stranger = stranger_session("127.0.0.4")
        codes = Counter(_tokenless(stranger, relay.url, owner.mailbox) for _ in range(25))
        assert codes[429] >= 5 and codes[200] <= 20
        contact = owner.deposit([(envelope_id(1), b"real message")], token=owner.token)
        assert contact.status_code == 200, contact.text


def test_the_owner_ends_the_tokenless_grace(tmp_path: Path) -> None:
    with running_relay(tmp_path / "r.db") as relay:
        owner = MailboxOwner(relay.url)
        owner.register()
        stranger = stranger_session("127.0.0.5")
        assert _tokenless(stranger, relay.url, owner.mailbox) == 200  # within the grace
        reopen = _register(owner, {"verifier": owner.verifier, "tokenless": True})
        assert reopen.status_code == 422  # only ``false`` is a value: the grace never reopens
        ended = _register(owner, {"verifier": owner.verifier, "tokenless": False})
        assert ended.status_code == 200 and ended.json() == {"verifier": owner.verifier,
                                                             "previous": 0}  # fmt: skip
        refused = stranger.post(
            f"{relay.url}/v1/mailboxes/{owner.mailbox}/envelopes",
            json={"envelopes": [{"id": envelope_id(9), "data": "AA=="}]},
            timeout=10,
        )
        assert refused.status_code == 403 and refused.json() == {"error": "deposit token required"}
        assert owner.deposit([(envelope_id(1), b"x")], token=owner.token).status_code == 200
        # A later plain registration (the client's usual one) does not reopen it.
        assert owner.register().status_code == 200
        assert _tokenless(stranger, relay.url, owner.mailbox) == 403


def test_the_client_ends_the_tokenless_grace_only_when_asked(tmp_path: Path) -> None:
    key = MailboxKey(hashlib.sha256(b"end-tokenless").digest())
    signer = functools.partial(sign_relay_request, key)
    token = os.urandom(32)
    stranger = stranger_session("127.0.0.6")
    with running_relay(tmp_path / "r.db") as relay, RelayClient(relay.url) as client:
        assert client.register_verifier(key.mailbox_id, signer, deposit_verifier(token))
        assert _tokenless(stranger, relay.url, key.mailbox_id) == 200  # the usual registration
        assert client.register_verifier(
            key.mailbox_id, signer, deposit_verifier(token), end_tokenless=True
        )
        assert _tokenless(stranger, relay.url, key.mailbox_id) == 403
        contact = MailboxOwner(relay.url).deposit(
            [(envelope_id(1), b"x")], mailbox=key.mailbox_id, token=token
        )
        assert contact.status_code == 200


def test_replaying_a_captured_request_costs_the_owner_nothing(tmp_path: Path) -> None:
    """The attack: one signed request, captured, replayed from many addresses."""
    with running_relay(tmp_path / "r.db", "--rate-per-mailbox-per-minute", "20") as relay:
        owner = MailboxOwner(relay.url)
        path = f"/v1/mailboxes/{owner.mailbox}/envelopes?after=0&limit=100"
        captured = owner.headers("GET", path, b"")
        assert owner.session.get(relay.url + path, headers=captured, timeout=10).status_code == 200
        codes: Counter[int] = Counter()
        for address in range(10, 14):  # a few addresses, as a botnet would spread them
            attacker = stranger_session(f"127.0.0.{address}")
            for _ in range(10):
                codes[attacker.get(relay.url + path, headers=captured, timeout=10).status_code] += 1
        assert codes == Counter({401: 40})
        fresh = owner.fetch()
        assert fresh.status_code == 200, fresh.text


def test_requests_for_unknown_blobs_make_no_bucket(tmp_path: Path) -> None:
    """Ids the relay does not hold are answered without a per-blob bucket (which anyone could
    create by the hundred thousand); only the sender's address allowance pays for them."""
    with running_relay(tmp_path / "r.db", "--rate-per-mailbox-per-minute", "5") as relay:
        blob = f"{relay.url}/v1/blobs/{'ab' * 32}"
        for _ in range(8):  # more than a blob's allowance, for one id
            assert requests.get(f"{blob}/status", timeout=10).json()["size"] == 0
            assert requests.get(blob, timeout=10).status_code == 404
            done = requests.post(f"{blob}/complete", json={"total": 3}, timeout=10)
            assert done.status_code == 409 and done.json()["offset"] == 0
            late = requests.put(f"{blob}?offset=5", data=b"x", timeout=10)
            assert late.status_code == 409 and late.json()["offset"] == 0
