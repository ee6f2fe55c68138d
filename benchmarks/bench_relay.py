"""Relay throughput under concurrent loopback load, against a bare uvicorn endpoint.

Eight client threads (requests.Session each) send a bounded number of requests. ``relay_deposit``
deposits one 2 KiB envelope per request (fsynced before the answer); ``relay_fetch`` makes signed
fetches of a 50-envelope page. Each is compared with the same number of the same requests to a
bare ASGI endpoint under uvicorn answering a constant (for fetches: the bytes of a real page, so
the responses have the same size), started the same way in the same run.
Ratios are throughput ratios (higher is better; target >= 0.4).
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from benchmarks.common import row, scaled
from tests.relay.signer import MailboxOwner
from tests.relay_server import RelayProcess, free_port

THREADS = 8


def _load(url_for: Any, count: int, *, method: str = "POST", body: Any = None,
          headers_for: Any = None) -> float:  # fmt: skip
    """Requests per second for ``count`` requests spread over THREADS sessions."""

    def worker(n: int) -> None:
        session = requests.Session()
        for i in range(n):
            index = f"{threading.get_ident()}-{i}"
            headers = headers_for(index) if headers_for else None
            response = session.request(method, url_for(index), json=body(index) if body else None,
                                       headers=headers, timeout=30)  # fmt: skip
            response.raise_for_status()

    per = max(1, count // THREADS)
    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(worker, [per] * THREADS))
    return per * THREADS / (time.perf_counter() - started)


def _bare_server(page: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "benchmarks.bare_endpoint", str(port),
                                str(page)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return process, url
        except requests.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("bare endpoint did not start")


def run() -> list[dict[str, Any]]:
    count = scaled(2000, 200)
    payload = base64.b64encode(os.urandom(2048)).decode()
    unlimited = ("--rate-per-client-per-minute", "100000000",
                 "--rate-per-mailbox-per-minute", "100000000")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        relay = RelayProcess(Path(tmp) / "relay.db", *unlimited).start()
        bare: subprocess.Popen[bytes] | None = None
        try:
            owners = [MailboxOwner(relay.url) for _ in range(THREADS)]
            mailbox = owners[0].mailbox

            def envelope(index: str) -> dict[str, Any]:
                eid = os.urandom(16).hex()
                return {"envelopes": [{"id": eid, "data": payload}]}

            deposit_url = f"{relay.url}/v1/mailboxes/{mailbox}/envelopes"
            deposits = _load(lambda _i: deposit_url, count, body=envelope)

            path = f"/v1/mailboxes/{mailbox}/envelopes?after=0&limit=50"
            page = owners[0].fetch(after=0, limit=50)
            page.raise_for_status()
            page_file = Path(tmp) / "page.json"
            page_file.write_bytes(page.content)  # the bare endpoint answers these same bytes
            fetches = _load(lambda _i: relay.url + path, count, method="GET",
                            headers_for=lambda _i: owners[0].headers("GET", path, b""))  # fmt: skip

            bare, bare_url = _bare_server(page_file)
            bare_posts = _load(lambda _i: bare_url + "/deposit", count, body=envelope)
            sign = owners[0].headers
            bare_gets = _load(lambda _i: bare_url + path, count, method="GET",
                              headers_for=lambda _i: sign("GET", path, b""))  # fmt: skip
        finally:
            relay.stop()
            if bare is not None:
                bare.terminate()
                bare.wait(timeout=10)
    return [
        row(
            "relay_deposit",
            deposits,
            "req/s",
            bare_posts,
            target="ratio >= 0.4",
            lower_is_better=False,
        ),
        row(
            "relay_fetch", fetches, "req/s", bare_gets, target="ratio >= 0.4", lower_is_better=False
        ),
    ]
