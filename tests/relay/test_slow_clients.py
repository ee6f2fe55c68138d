"""Slow and greedy clients are cut off while honest ones are served (ADR 0011).

Each test runs a real relay with short deadlines and small budgets, attacks it over raw
sockets on loopback, and checks that an honest client, from another loopback address
(127.0.0.2: Linux routes all of 127/8 to the loopback interface), still gets its answers.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from tests.relay.signer import MailboxOwner, envelope_id
from tests.relay_server import RelayProcess

FAST = ("--header-timeout-seconds", "1", "--body-idle-timeout-seconds", "1",
        "--body-timeout-seconds", "3")  # fmt: skip
HONEST = "127.0.0.2"
CUT_OFF_WITHIN = 15.0  # generous: the deadlines above are one to three seconds


@contextmanager
def relay_with(tmp_path: Path, *extra: str) -> Iterator[RelayProcess]:
    relay = RelayProcess(tmp_path / "r.db", *FAST, *extra).start()
    try:
        yield relay
    finally:
        relay.stop()


def connect(relay: RelayProcess, source: str = "127.0.0.1") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", relay.port), timeout=5,
                                    source_address=(source, 0))  # fmt: skip
    return sock


def is_closed(sock: socket.socket) -> bool:
    """True once the relay has closed the connection (answered or not)."""
    sock.setblocking(False)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        sock.setblocking(True)


def _request(relay: RelayProcess, method: str, path: str, body: bytes,
             headers: dict[str, str]) -> tuple[int, dict[str, Any]]:  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=5,
                                      source_address=(HONEST, 0))  # fmt: skip
    try:
        conn.request(method, path, body, headers)
        answer = conn.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        conn.close()


def honest_deposit_and_fetch(relay: RelayProcess, n: int) -> None:
    """A deposit and a signed fetch from another loopback address both succeed."""
    owner = MailboxOwner(relay.url)
    body = json.dumps({"envelopes": [{"id": envelope_id(n), "data": "aGVsbG8="}]}).encode()
    status, answer = _request(relay, "POST", f"/v1/mailboxes/{owner.mailbox}/envelopes", body,
                              {"Content-Type": "application/json"})  # fmt: skip
    assert status == 200 and answer["accepted"] == [envelope_id(n)], answer
    path = f"/v1/mailboxes/{owner.mailbox}/envelopes?after=0&limit=10"
    status, answer = _request(relay, "GET", path, b"", owner.headers("GET", path, b""))
    assert status == 200 and len(answer["envelopes"]) == 1, answer


def read_answer(sock: socket.socket) -> tuple[int, dict[str, Any]]:
    sock.settimeout(CUT_OFF_WITHIN)
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        piece = sock.recv(65536)
        if not piece:
            break
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_slow_loris_headers_are_cut_off_while_honest_traffic_flows(tmp_path: Path) -> None:
    with relay_with(tmp_path) as relay, ExitStack() as stack:
        slow = [stack.enter_context(connect(relay)) for _ in range(40)]
        for sock in slow:
            sock.sendall(b"POST /v1/mailboxes/" + b"0" * 64 + b"/envelopes HTTP/1.1\r\nHost: x\r\n")
        deadline = time.monotonic() + CUT_OFF_WITHIN
        open_ones = list(slow)
        rounds = 0
        while open_ones and time.monotonic() < deadline:
            for sock in open_ones:
                with contextlib.suppress(OSError):
                    sock.sendall(b"X")  # one more header byte: never a whole head
            if rounds % 5 == 0:
                honest_deposit_and_fetch(relay, rounds)
            rounds += 1
            time.sleep(0.2)
            open_ones = [sock for sock in open_ones if not is_closed(sock)]
        assert not open_ones, f"{len(open_ones)} slow connections still open"
        honest_deposit_and_fetch(relay, 10_000)


def test_a_dribbled_or_stalled_body_is_cut_with_408(tmp_path: Path) -> None:
    with relay_with(tmp_path) as relay, connect(relay) as dribbler, connect(relay) as staller:
        head = (b"PUT /v1/blobs/" + os.urandom(32).hex().encode() + b"?offset=0 HTTP/1.1\r\n"
                b"Host: x\r\nContent-Length: 100000\r\n\r\n")  # fmt: skip
        dribbler.sendall(head)
        staller.sendall(head + b"x" * 1000)
        deadline = time.monotonic() + CUT_OFF_WITHIN
        while not is_closed(dribbler) and time.monotonic() < deadline:
            try:
                dribbler.sendall(b"x")  # a byte every 0.2 s: under the idle deadline
            except OSError:
                break
            time.sleep(0.2)
        assert time.monotonic() < deadline, "the dribbled body was never cut off"
        honest_deposit_and_fetch(relay, 1)
        status, body = read_answer(staller)
        assert status == 408 and body == {"error": "request timeout"}


def test_bodies_beyond_the_byte_budget_are_refused_at_once(tmp_path: Path) -> None:
    mib = 1024 * 1024
    budget = ("--max-request-bytes", str(mib), "--max-inflight-bytes-per-client", str(2 * mib),
              "--max-inflight-bytes", str(3 * mib), "--body-timeout-seconds", "60",
              "--body-idle-timeout-seconds", "60")  # fmt: skip
    with relay_with(tmp_path, *budget) as relay, ExitStack() as stack:
        head = (b"PUT /v1/blobs/%s?offset=0 HTTP/1.1\r\nHost: x\r\n"
                b"Content-Length: " + str(mib).encode() + b"\r\n\r\n")  # fmt: skip

        def start_upload(source: str) -> socket.socket:
            sock = stack.enter_context(connect(relay, source))
            sock.sendall(head.replace(b"%s", os.urandom(32).hex().encode()) + b"x" * 1000)
            return sock

        held = [start_upload("127.0.0.1"), start_upload("127.0.0.1")]  # this address's budget
        third = start_upload("127.0.0.1")
        status, body = read_answer(third)
        assert status == 503 and body == {"error": "relay busy"}
        assert not any(is_closed(sock) for sock in held)  # those two are still being received
        honest_deposit_and_fetch(relay, 1)  # another address still has room
        held.append(start_upload("127.0.0.3"))  # now 3 MiB are held: the relay-wide budget
        status, body = read_answer(start_upload("127.0.0.4"))
        assert status == 503 and body == {"error": "relay busy"}
        held[0].close()  # a finished (here: abandoned) upload gives its bytes back
        deadline = time.monotonic() + CUT_OFF_WITHIN
        while time.monotonic() < deadline:
            retry = start_upload("127.0.0.4")
            retry.sendall(b"x" * (mib - 1000))
            status, body = read_answer(retry)
            if status != 503:
                break
            time.sleep(0.2)
        assert status == 200 and body["size"] == mib


def test_connections_beyond_the_per_address_cap_are_refused(tmp_path: Path) -> None:
    cap = ("--max-connections-per-client", "5", "--header-timeout-seconds", "30")
    with relay_with(tmp_path, *cap) as relay, ExitStack() as stack:
        idle = [stack.enter_context(connect(relay)) for _ in range(5)]
        extra = stack.enter_context(connect(relay))
        status, body = read_answer(extra)
        assert status == 503 and body == {"error": "too many connections"}
        honest_deposit_and_fetch(relay, 1)  # another address is not affected
        assert len(idle) == 5
