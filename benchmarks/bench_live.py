"""Live delivery: from a deposit to the waiting long-poll that receives it, on loopback.

``relay_long_poll_delivery`` is the median time from the moment a sender starts a deposit of
one 2 KiB envelope until the owner's long-poll (``wait=10``, already waiting at the relay, on a
kept-alive connection) has received its answer with that envelope. The baseline, measured in
the same run against the same relay, is the same deposit followed at once by a plain signed
fetch: what a client that polls at exactly the right moment would get. Target: under 50 ms.
"""

from __future__ import annotations

import base64
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

from benchmarks.common import median, row, scaled
from tests.relay.signer import MailboxOwner
from tests.relay_server import RelayProcess

WAIT = 10


def _waiting(relay: RelayProcess) -> int:
    return relay.stderr_text.count('"event": "fetch_waiting"')


def _deposit(session: requests.Session, url: str, payload: str) -> None:
    body = {"envelopes": [{"id": os.urandom(16).hex(), "data": payload}]}
    session.post(url, json=body, timeout=30).raise_for_status()


def _signed_get(session: requests.Session, owner: MailboxOwner, path: str) -> dict[str, Any]:
    response = session.get(
        owner.base_url + path, headers=owner.headers("GET", path, b""), timeout=WAIT + 30
    )
    response.raise_for_status()
    page: dict[str, Any] = response.json()
    return page


def _long_poll_latency(relay: RelayProcess, count: int, payload: str) -> list[float]:
    owner = MailboxOwner(relay.url)
    sender = requests.Session()
    deposit_url = f"{relay.url}/v1/mailboxes/{owner.mailbox}/envelopes"
    samples: list[float] = []
    cursor = 0
    for _ in range(count):
        already = _waiting(relay)
        answer: dict[str, Any] = {}
        path = f"/v1/mailboxes/{owner.mailbox}/envelopes?after={cursor}&limit=100&wait={WAIT}"

        def poll(path: str = path, answer: dict[str, Any] = answer) -> None:
            answer.update(_signed_get(owner.session, owner, path))
            answer["at"] = time.perf_counter()

        thread = threading.Thread(target=poll)
        thread.start()
        while _waiting(relay) == already:  # until the relay holds the long-poll
            time.sleep(0.002)
        started = time.perf_counter()
        _deposit(sender, deposit_url, payload)
        thread.join(WAIT + 30)
        if len(answer.get("envelopes", ())) != 1:
            raise RuntimeError("the long-poll did not bring the deposited envelope")
        samples.append(float(answer["at"]) - started)
        cursor = int(answer["next_cursor"])
    return samples


def _deposit_then_fetch(relay: RelayProcess, count: int, payload: str) -> list[float]:
    owner = MailboxOwner(relay.url)
    sender = requests.Session()
    deposit_url = f"{relay.url}/v1/mailboxes/{owner.mailbox}/envelopes"
    samples: list[float] = []
    cursor = 0
    for _ in range(count):
        path = f"/v1/mailboxes/{owner.mailbox}/envelopes?after={cursor}&limit=100"
        started = time.perf_counter()
        _deposit(sender, deposit_url, payload)
        page = _signed_get(owner.session, owner, path)
        samples.append(time.perf_counter() - started)
        if len(page["envelopes"]) != 1:
            raise RuntimeError("the fetch did not bring the deposited envelope")
        cursor = int(page["next_cursor"])
    return samples


def run() -> list[dict[str, Any]]:
    count = scaled(60, 10)
    payload = base64.b64encode(os.urandom(2048)).decode()
    unlimited = ("--rate-per-client-per-minute", "100000000",
                 "--rate-per-mailbox-per-minute", "100000000")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        relay = RelayProcess(Path(tmp) / "relay.db", *unlimited).start()
        try:
            _deposit_then_fetch(relay, 5, payload)  # warm up both paths
            live = _long_poll_latency(relay, count, payload)
            plain = _deposit_then_fetch(relay, count, payload)
        finally:
            relay.stop()
    return [
        row(
            "relay_long_poll_delivery",
            median(live) * 1000,
            "ms",
            median(plain) * 1000,
            target="value < 50 ms",
        )
    ]


if __name__ == "__main__":
    for result in run():
        print(result)
