"""The relay's contract: deposits, signed fetch/ack/wipe, refusals, limits and durability."""

from __future__ import annotations

import base64
import os
import socket
import time
from pathlib import Path

import nacl.signing
import requests

from tests.relay.signer import MailboxOwner, envelope_id
from tests.relay_server import RelayProcess


def test_health_versions_and_openapi(relay: RelayProcess) -> None:
    assert requests.get(f"{relay.url}/health", timeout=5).json() == {"status": "ok"}
    assert requests.get(f"{relay.url}/versions", timeout=5).json() == {"versions": ["v1"]}
    spec = requests.get(f"{relay.url}/openapi.json", timeout=5).json()
    assert "/v1/mailboxes/{mailbox_id}/envelopes" in spec["paths"]


def test_deposit_is_idempotent_and_fetch_is_ordered(relay: RelayProcess) -> None:
    owner = MailboxOwner(relay.url)
    first = owner.deposit([(envelope_id(1), b"one"), (envelope_id(2), b"two")])
    assert first.json() == {"accepted": [envelope_id(1), envelope_id(2)], "duplicates": []}
    retry = owner.deposit([(envelope_id(2), b"two"), (envelope_id(3), b"three")])
    assert retry.json() == {"accepted": [envelope_id(3)], "duplicates": [envelope_id(2)]}
    page = owner.fetch(limit=2).json()
    assert [base64.b64decode(e["data"]) for e in page["envelopes"]] == [b"one", b"two"]
    assert page["more"] is True
    rest = owner.fetch(after=page["next_cursor"]).json()
    assert [e["id"] for e in rest["envelopes"]] == [envelope_id(3)] and rest["more"] is False


def test_ack_deletes_and_leaves_tombstone(relay: RelayProcess) -> None:
    owner = MailboxOwner(relay.url)
    owner.deposit([(envelope_id(1), b"one"), (envelope_id(2), b"two")])
    assert owner.ack([envelope_id(1)]).json() == {"deleted": 1}
    assert [e["id"] for e in owner.fetch().json()["envelopes"]] == [envelope_id(2)]
    # A sender retrying after the ack must not resurrect the message.
    assert owner.deposit([(envelope_id(1), b"one")]).json()["duplicates"] == [envelope_id(1)]
    assert owner.wipe().json() == {"deleted": 1}
    assert owner.fetch().json()["envelopes"] == []


def test_auth_negatives_are_401(relay: RelayProcess) -> None:
    owner = MailboxOwner(relay.url)
    owner.deposit([(envelope_id(1), b"secret")])
    path = f"/v1/mailboxes/{owner.mailbox}/envelopes?after=0&limit=100"
    assert requests.get(relay.url + path, timeout=5).status_code == 401  # unsigned
    stranger = nacl.signing.SigningKey.generate()
    assert owner.fetch(key=stranger).status_code == 401  # someone else's key
    assert owner.fetch(timestamp=int(time.time()) - 3600).status_code == 401  # stale
    assert owner.fetch(timestamp=int(time.time()) + 3600).status_code == 401  # future
    nonce = os.urandom(16).hex()
    assert owner.fetch(nonce=nonce).status_code == 200
    assert owner.fetch(nonce=nonce).status_code == 401  # replayed nonce
    # A valid signature for one path does not authorise another (query tampered).
    headers = owner.headers("GET", path, b"")
    tampered = path.replace("limit=100", "limit=1")
    assert requests.get(relay.url + tampered, headers=headers, timeout=5).status_code == 401
    # Nobody can empty or read another's mailbox with their own key.
    thief = MailboxOwner(relay.url)
    victim_path = f"/v1/mailboxes/{owner.mailbox}"
    forged = thief.headers("DELETE", victim_path, b"")
    assert requests.delete(relay.url + victim_path, headers=forged, timeout=5).status_code == 401
    assert len(owner.fetch().json()["envelopes"]) == 1


def test_replayed_nonce_refused_after_restart(tmp_path: Path) -> None:
    relay = RelayProcess(tmp_path / "r.db").start()
    owner = MailboxOwner(relay.url)
    nonce = os.urandom(16).hex()
    try:
        assert owner.fetch(nonce=nonce).status_code == 200
        relay.stop()
        relay.start()
        assert owner.fetch(nonce=nonce).status_code == 401
    finally:
        relay.stop()


def test_malformed_input_is_4xx(relay: RelayProcess) -> None:
    owner = MailboxOwner(relay.url)
    base = f"{relay.url}/v1/mailboxes/{owner.mailbox}/envelopes"
    body: object
    for body in ({"envelopes": [{"id": "zz", "data": "aGk="}]},
                 {"envelopes": [{"id": envelope_id(1), "data": "not base64!"}]},
                 {"envelopes": []}, {"nope": 1}):  # fmt: skip
        assert requests.post(base, json=body, timeout=5).status_code == 422
    assert requests.post(base, data=b"\xff\x00", timeout=5).status_code == 422
    assert requests.get(f"{relay.url}/v1/mailboxes/NOTHEX/envelopes", timeout=5).status_code == 422


def test_limits(tmp_path: Path) -> None:
    relay = RelayProcess(
        tmp_path / "r.db", "--max-envelope-bytes", "1000", "--max-request-bytes", "20000",
        "--max-batch", "3", "--mailbox-quota-count", "4", "--rate-per-client-per-minute", "40",
    ).start()  # fmt: skip
    owner = MailboxOwner(relay.url)
    try:
        assert owner.deposit([(envelope_id(1), b"x" * 1001)]).status_code == 413
        huge = requests.post(f"{relay.url}/v1/mailboxes/{owner.mailbox}/envelopes",
                             data=b"{" + b" " * 30000 + b"}", timeout=5)  # fmt: skip
        assert huge.status_code == 413
        batch = [(envelope_id(i), b"x") for i in range(4)]
        assert owner.deposit(batch).status_code == 413
        assert owner.deposit(batch[:3]).status_code == 200
        full = owner.deposit([(envelope_id(10), b"x"), (envelope_id(11), b"x")])
        assert full.status_code == 507 and "full" in full.json()["error"]
        statuses = [owner.deposit([(envelope_id(20), b"x")]).status_code for _ in range(60)]
        assert 429 in statuses
        limited = owner.deposit([(envelope_id(20), b"x")])
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    finally:
        relay.stop()


def test_ttl_expiry_by_sweeper(tmp_path: Path) -> None:
    relay = RelayProcess(
        tmp_path / "r.db", "--envelope-ttl-seconds", "1", "--sweep-interval-seconds", "0.2"
    ).start()
    owner = MailboxOwner(relay.url)
    try:
        owner.deposit([(envelope_id(1), b"old")])
        deadline = time.monotonic() + 15
        while owner.fetch().json()["envelopes"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert owner.fetch().json()["envelopes"] == []
    finally:
        relay.stop()


def test_acknowledged_deposit_survives_kill_9(tmp_path: Path) -> None:
    relay = RelayProcess(tmp_path / "r.db").start()
    owner = MailboxOwner(relay.url)
    try:
        for n in range(20):
            assert owner.deposit([(envelope_id(n), f"msg {n}".encode())]).status_code == 200
        relay.kill()
        relay.start()
        owner.base_url = relay.url
        fetched = owner.fetch().json()["envelopes"]
        assert [base64.b64decode(e["data"]) for e in fetched] == [
            f"msg {n}".encode() for n in range(20)
        ]
    finally:
        relay.stop()


def test_blob_upload_resumes_after_dropped_connection(relay: RelayProcess) -> None:
    blob = os.urandom(32).hex()
    data = os.urandom(300_000)
    url = f"{relay.url}/v1/blobs/{blob}"
    assert (
        requests.put(f"{url}?offset=0", data=data[:100_000], timeout=10).json()["size"] == 100_000
    )
    # The link drops in the middle of the next part: the partial body is not stored.
    with socket.create_connection(("127.0.0.1", relay.port)) as sock:
        sock.sendall(
            f"PUT /v1/blobs/{blob}?offset=100000 HTTP/1.1\r\nHost: x\r\n"
            f"Content-Length: 200000\r\n\r\n".encode()
            + data[100_000:150_000]
        )
    status = requests.get(f"{url}/status", timeout=10).json()
    assert status == {"size": 100_000, "complete": False, "total": None}
    wrong = requests.put(f"{url}?offset=5", data=b"x", timeout=10)
    assert wrong.status_code == 409 and wrong.json()["offset"] == 100_000
    assert requests.get(url, timeout=10).status_code == 404  # not complete yet
    requests.put(f"{url}?offset={status['size']}", data=data[status["size"] :], timeout=10)
    assert (
        requests.post(f"{url}/complete", json={"total": len(data) + 1}, timeout=10).status_code
        == 409
    )
    assert requests.post(f"{url}/complete", json={"total": len(data)}, timeout=10).json()[
        "complete"
    ]
    assert requests.get(url, timeout=10).content == data
    assert requests.get(f"{url}?offset=250000", timeout=10).content == data[250_000:]


def test_logs_name_no_mailbox_or_content(tmp_path: Path) -> None:
    relay = RelayProcess(tmp_path / "r.db").start()
    owner = MailboxOwner(relay.url)
    owner.deposit([(envelope_id(1), b"PLAINTEXT-MARKER")])
    owner.fetch()
    relay.stop()
    assert relay.process is not None
    log_text = relay.stderr_text
    assert '"event": "deposit"' in log_text
    for secret in (owner.mailbox, owner.mailbox[:16], "PLAINTEXT-MARKER", "127.0.0.1:"):
        assert secret not in log_text
