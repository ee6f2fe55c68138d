"""Operations: the health check queries the database, and /metrics counts without ids."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import requests

from sync.relay.app import create_app
from sync.relay.config import RelayConfig
from sync.relay.storage import SQLiteStorage
from tests.relay.asgi_call import call
from tests.relay.signer import MailboxOwner, envelope_id
from tests.relay_server import RelayProcess

SAMPLE = re.compile(r"^([a-z_]+)(\{.*\})? (\S+)$")


def samples(text: str) -> dict[str, float]:
    """Every sample line of an exposition text, ``name{labels}`` -> value; others refused."""
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        match = SAMPLE.match(line)
        assert match is not None, line
        found[match[1] + (match[2] or "")] = float(match[3])
    return found


def test_health_answers_ok_after_a_real_query(relay: RelayProcess) -> None:
    for path in ("/v1/health", "/health"):
        answer = requests.get(relay.url + path, timeout=10)
        assert answer.status_code == 200
        assert answer.json() == {"status": "ok"}


def test_health_is_503_with_a_reason_when_the_database_fails(tmp_path: Path) -> None:
    storage = SQLiteStorage(tmp_path / "relay.db")
    app = create_app(storage, RelayConfig(public_urls=("http://127.0.0.1:8787",)))
    assert call(app, "/v1/health")[0] == 200
    storage.close()  # the connection is gone underneath the running app
    status, body = call(app, "/v1/health")
    assert status == 503
    answer = json.loads(body)
    assert answer["status"] == "unavailable" and answer["error"] == "database unavailable"
    assert "closed database" in answer["reason"]
    status, body = call(app, "/metrics")
    assert status == 200 and samples(body.decode())["delegate_relay_database_up"] == 0


def test_metrics_count_traffic_and_name_no_mailbox_token_or_address(
    relay: RelayProcess,
) -> None:
    owner = MailboxOwner(relay.url)
    assert owner.register().status_code == 200
    payloads = [(envelope_id(n), os.urandom(100 + n)) for n in range(3)]
    assert owner.deposit(payloads, token=owner.token).status_code == 200
    assert owner.deposit(payloads[:1], token=owner.token).status_code == 200  # a duplicate
    blob_id = os.urandom(32).hex()
    assert owner.put_blob(blob_id, b"x" * 500).status_code in (200, 201)
    fetched = owner.fetch().json()["envelopes"]
    assert owner.ack([e["id"] for e in fetched]).status_code == 200
    assert requests.get(relay.url + f"/v1/mailboxes/{'ab' * 32}/nowhere", timeout=10).status_code
    text = requests.get(relay.url + "/metrics", timeout=10)
    assert text.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    found = samples(text.text)
    deposit = 'method="POST",route="/v1/mailboxes/{mailbox_id}/envelopes"'
    assert found[f'delegate_relay_requests_total{{{deposit},status="200"}}'] == 2
    assert found[f"delegate_relay_request_duration_seconds_count{{{deposit}}}"] == 2
    assert found[f'delegate_relay_request_duration_seconds_bucket{{{deposit},le="+Inf"}}'] == 2
    assert found['delegate_relay_requests_total{method="GET",route="unmatched",status="404"}'] == 1
    assert found["delegate_relay_envelopes_accepted_total"] == 3
    assert found["delegate_relay_envelopes_duplicate_total"] == 1
    assert found["delegate_relay_envelope_bytes_accepted_total"] == sum(
        len(d) for _i, d in payloads
    )
    assert found["delegate_relay_blob_bytes_received_total"] == 500
    assert found["delegate_relay_envelopes_acknowledged_total"] == 3
    assert found['delegate_relay_stored_bytes{pool="card"}'] == 500  # the blob; mail was acked
    assert found["delegate_relay_database_up"] == 1
    for secret in (
        owner.mailbox,
        owner.mailbox[:16],
        owner.token.hex(),
        owner.verifier,
        blob_id,
        blob_id[:16],
        "ab" * 16,
        "127.0.0.1",
        *(i for i, _d in payloads),
    ):
        assert secret not in text.text  # fmt: skip
    runs = re.findall(r"[0-9a-f]{16,}", text.text)
    assert all(run.isdigit() for run in runs)  # no hex id of any kind (digits: latency sums)


@pytest.mark.parametrize(("mode", "client", "served"), [
    ("loopback", "127.0.0.1", True), ("loopback", "::1", True),
    ("loopback", "192.0.2.9", False), ("on", "192.0.2.9", True), ("off", "127.0.0.1", False),
])  # fmt: skip
def test_metrics_can_be_off_or_for_loopback_clients_only(
    tmp_path: Path, mode: str, client: str, served: bool
) -> None:
    storage = SQLiteStorage(tmp_path / "relay.db")
    try:
        app = create_app(storage, RelayConfig(metrics=mode))
        status, body = call(app, "/metrics", client)
        assert (status, served) in ((200, True), (404, False))
        assert (b"delegate_relay_database_up 1" in body) is served
        assert call(app, "/v1/health", client)[0] == 200  # health is for everyone
    finally:
        storage.close()


def test_metrics_off_on_the_command_line(tmp_path: Path) -> None:
    relay = RelayProcess(tmp_path / "relay.db", "--metrics", "off").start()
    try:
        assert requests.get(relay.url + "/metrics", timeout=10).status_code == 404
    finally:
        relay.stop()
