"""The relay's contract: deposits, signed fetch/ack/wipe, refusals, limits and durability."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import nacl.signing
import requests

from tests.relay.conftest import ENGINES
from tests.relay.signer import MailboxOwner, envelope_id
from tests.relay_server import RelayProcess

RELAY_ENGINES = ENGINES  # the storage contract: both engines


def test_health_versions_and_openapi(relay: RelayProcess) -> None:
    assert requests.get(f"{relay.url}/health", timeout=5).json() == {"status": "ok"}
    assert requests.get(f"{relay.url}/versions", timeout=5).json() == {
        "versions": ["v1"],
        "prekeys": 1,
    }
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


def test_replayed_nonce_refused_after_restart(relay_db: Path | str) -> None:
    relay = RelayProcess(relay_db).start()
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


def test_limits(relay_db: Path | str) -> None:
    relay = RelayProcess(
        relay_db, "--max-envelope-bytes", "1000", "--max-request-bytes", "20000",
        "--max-batch", "3", "--mailbox-quota-count", "4", "--rate-per-client-per-minute", "40",
        "--max-ack-ids", "5",
    ).start()  # fmt: skip
    owner = MailboxOwner(relay.url)
    try:
        assert owner.deposit([(envelope_id(1), b"x" * 1001)]).status_code == 413
        huge = requests.post(f"{relay.url}/v1/mailboxes/{owner.mailbox}/envelopes",
                             data=b"{" + b" " * 30000 + b"}", timeout=5)  # fmt: skip
        assert huge.status_code == 413
        batch = [(envelope_id(i), b"x") for i in range(4)]
        assert owner.deposit(batch).status_code == 413
        assert owner.ack([envelope_id(i) for i in range(6)]).status_code == 413
        assert owner.deposit(batch[:3]).status_code == 200
        full = owner.deposit([(envelope_id(10), b"x"), (envelope_id(11), b"x")])
        assert full.status_code == 507 and "full" in full.json()["error"]
        statuses = [owner.deposit([(envelope_id(20), b"x")]).status_code for _ in range(60)]
        assert 429 in statuses
        limited = owner.deposit([(envelope_id(20), b"x")])
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    finally:
        relay.stop()


def test_ttl_expiry_by_sweeper(relay_db: Path | str) -> None:
    relay = RelayProcess(
        relay_db, "--envelope-ttl-seconds", "1", "--blob-ttl-seconds", "1",
        "--sweep-interval-seconds", "0.2",
    ).start()  # fmt: skip
    owner = MailboxOwner(relay.url)
    blob = f"{relay.url}/v1/blobs/{os.urandom(32).hex()}"
    try:
        owner.deposit([(envelope_id(1), b"old")])
        requests.put(f"{blob}?offset=0", data=b"old blob", timeout=5).raise_for_status()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and (
            owner.fetch().json()["envelopes"]
            or requests.get(f"{blob}/status", timeout=5).json()["size"]
        ):
            time.sleep(0.2)
        assert owner.fetch().json()["envelopes"] == []
        assert requests.get(f"{blob}/status", timeout=5).json() == {
            "size": 0, "complete": False, "total": None,
        }  # fmt: skip
    finally:
        relay.stop()


def test_acknowledged_deposit_survives_kill_9(relay_db: Path | str) -> None:
    relay = RelayProcess(relay_db).start()
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
    assert requests.get(f"{url}?offset=999999", timeout=10).content == b""
    again = requests.post(f"{url}/complete", json={"total": len(data)}, timeout=10)
    assert again.json() == {"size": len(data), "complete": True, "total": len(data)}
    closed = requests.put(f"{url}?offset={len(data)}", data=b"more", timeout=10)
    assert closed.status_code == 409 and closed.json()["offset"] == len(data)


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


def test_every_error_is_json(relay: RelayProcess) -> None:
    owner = MailboxOwner(relay.url)
    path = f"/v1/mailboxes/{owner.mailbox}/envelopes"
    answers = [
        requests.get(f"{relay.url}/nowhere", timeout=5),  # 404 from the router
        requests.patch(relay.url + path, timeout=5),  # 405
        requests.get(relay.url + path, timeout=5),  # 401
        requests.post(relay.url + path, json={"envelopes": "no"}, timeout=5),  # 422
    ]
    assert [a.status_code for a in answers] == [404, 405, 401, 422]
    for answer in answers:
        assert answer.headers["content-type"] == "application/json"
        assert isinstance(answer.json()["error"], str)


def test_malformed_signature_headers_are_401_not_500(relay: RelayProcess) -> None:
    owner = MailboxOwner(relay.url)
    path = f"/v1/mailboxes/{owner.mailbox}/envelopes"
    good = owner.headers("GET", path, b"")
    variants = [
        {**good, "X-Delegate-Timestamp": "\u00b2"},  # a Latin-1 "digit" int() refuses
        {**good, "X-Delegate-Timestamp": "-5"},
        {**good, "X-Delegate-Timestamp": "9" * 40},
        {**good, "X-Delegate-Nonce": good["X-Delegate-Nonce"].upper()},
        {**good, "X-Delegate-Signature": good["X-Delegate-Signature"][:-2]},
        {**good, "X-Delegate-Signature": "00" * 64},
    ]
    for headers in variants:
        answer = requests.get(relay.url + path, headers=headers, timeout=5)
        assert answer.status_code == 401, headers
        assert answer.json() == {"error": "unauthorized"}
    # An id that is hex but not a valid Ed25519 point is refused the same way.
    bogus = "ff" * 32
    bad_point = requests.get(f"{relay.url}/v1/mailboxes/{bogus}/envelopes", headers=good, timeout=5)
    assert bad_point.status_code == 401


def test_ack_is_signed_before_its_body_is_judged(relay: RelayProcess) -> None:
    owner = MailboxOwner(relay.url)
    owner.deposit([(envelope_id(1), b"one")])
    url = f"{relay.url}/v1/mailboxes/{owner.mailbox}/ack"
    unsigned = requests.post(url, json={"ids": ["not an id"]}, timeout=5)
    assert unsigned.status_code == 401
    assert owner.ack(["not an id"]).status_code == 422
    assert owner.ack([envelope_id(1), envelope_id(1)]).json() == {"deleted": 1}


def test_strangers_cannot_exhaust_the_owner_allowance(relay_db: Path | str) -> None:
    relay = RelayProcess(relay_db, "--rate-per-mailbox-per-minute", "5").start()
    owner = MailboxOwner(relay.url)
    try:
        deposits = [owner.deposit([(envelope_id(n), b"x")]).status_code for n in range(8)]
        assert deposits[:5] == [200] * 5 and 429 in deposits[5:]
        path = f"/v1/mailboxes/{owner.mailbox}/envelopes"
        for _ in range(8):  # forged requests are refused without using the owner's budget
            assert requests.get(relay.url + path, timeout=5).status_code == 401
        assert owner.fetch().status_code == 200
        owner_calls = [owner.fetch().status_code for _ in range(6)]
        assert 429 in owner_calls
    finally:
        relay.stop()


def test_relay_wide_storage_quota(relay_db: Path | str) -> None:
    relay = RelayProcess(relay_db, "--relay-quota-bytes", "1000").start()
    try:
        first, second = MailboxOwner(relay.url), MailboxOwner(relay.url)
        assert first.register().status_code == 200 and second.register().status_code == 200
        sent = first.deposit([(envelope_id(1), b"x" * 600)], token=first.token)
        assert sent.status_code == 200
        full = second.deposit([(envelope_id(2), b"y" * 600)], token=second.token)
        assert full.status_code == 507 and full.json() == {"error": "relay storage full"}
        blob = os.urandom(32).hex()
        assert second.put_blob(blob, b"z" * 600).status_code == 507
        assert first.ack([envelope_id(1)]).json() == {"deleted": 1}  # frees the space
        assert second.put_blob(blob, b"z" * 600).status_code == 200
    finally:
        relay.stop()


def test_chunked_body_over_the_limit_is_413(tmp_path: Path) -> None:
    relay = RelayProcess(tmp_path / "r.db", "--max-request-bytes", "10000").start()
    try:
        blob = f"{relay.url}/v1/blobs/{os.urandom(32).hex()}?offset=0"
        chunks = (b"x" * 4000 for _ in range(5))  # no Content-Length: sent chunked
        answer = requests.put(blob, data=chunks, timeout=10)
        assert answer.status_code == 413 and answer.json() == {"error": "request too large"}
        owner = MailboxOwner(relay.url)
        url = f"{relay.url}/v1/mailboxes/{owner.mailbox}/envelopes"
        body = (b'{"envelopes": [' + b" " * 4000 for _ in range(5))
        assert requests.post(url, data=body, timeout=10).status_code == 413
    finally:
        relay.stop()


def test_served_under_a_path_prefix(tmp_path: Path) -> None:
    """Behind a proxy that strips /relay, clients sign the path they see (with the prefix)."""
    relay = RelayProcess(tmp_path / "r.db", "--root-path", "/relay").start()
    try:
        owner = MailboxOwner(relay.url)
        owner.deposit([(envelope_id(1), b"one")])
        query = "?after=0&limit=10"
        seen_by_client = f"/relay/v1/mailboxes/{owner.mailbox}/envelopes{query}"
        forwarded = f"/v1/mailboxes/{owner.mailbox}/envelopes{query}"
        headers = owner.headers("GET", seen_by_client, b"")
        answer = requests.get(relay.url + forwarded, headers=headers, timeout=5)
        assert answer.status_code == 200 and len(answer.json()["envelopes"]) == 1
    finally:
        relay.stop()


def test_nonsense_limits_refused_at_start(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sync.relay.cli", "--db", str(tmp_path / "r.db"),
         "--max-batch", "0"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "--max-batch" in done.stderr


def test_logs_are_json_lines(relay: RelayProcess) -> None:
    owner = MailboxOwner(relay.url)
    owner.deposit([(envelope_id(1), b"x")])
    owner.fetch()
    requests.get(f"{relay.url}/v1/mailboxes/{owner.mailbox}/envelopes", timeout=5)  # refused
    relay.stop()
    events = [json.loads(line) for line in relay.stderr_text.splitlines() if line.strip()]
    assert {"start", "deposit", "fetch", "auth_refused"} <= {e["event"] for e in events}
