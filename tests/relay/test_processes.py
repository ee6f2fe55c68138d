"""Several relay processes on one PostgreSQL database share nothing but it: a nonce used at
one is refused at another, quotas and rate limits hold across them, and a process killed in
the middle of a client's batch loses nothing it acknowledged (docs/RELAY.md, "Running with
PostgreSQL"; ADR 0022)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import requests

from tests.relay.signer import MailboxOwner, envelope_id
from tests.relay_server import RelayProcess

#: What a load balancer in front of the processes would make every client sign for.
PUBLIC_URL = "https://relay.example.org"


@contextmanager
def processes(url: str, tmp_path: Path, count: int, *extra: str) -> Iterator[list[RelayProcess]]:
    with ExitStack() as stack:
        started = []
        for number in range(count):
            relay = RelayProcess(
                url, "--public-url", PUBLIC_URL, *extra, log=tmp_path / f"relay{number}.log"
            ).start()
            stack.callback(relay.stop)
            started.append(relay)
        yield started


def owner_at(relay: RelayProcess, key: MailboxOwner | None = None) -> MailboxOwner:
    owner = MailboxOwner(relay.url, key.key if key else None, origin=PUBLIC_URL)
    if key is not None:
        owner.token = key.token
    return owner


def test_a_nonce_used_at_one_process_is_refused_at_another(
    postgres_url: str, tmp_path: Path
) -> None:
    with processes(postgres_url, tmp_path, 2) as (a, b):
        owner = owner_at(a)
        nonce = os.urandom(16).hex()
        assert owner.fetch(nonce=nonce).status_code == 200
        owner.base_url = b.url
        assert owner.fetch(nonce=nonce).status_code == 401  # the replay, at the other process
        assert owner.fetch().status_code == 200  # B accepts the origin: only the nonce was used
        b.stop()
        assert "nonce reused" in b.stderr_text


def test_a_mailbox_quota_filled_through_three_processes_holds_exactly(
    postgres_url: str, tmp_path: Path
) -> None:
    args = ("--mailbox-quota-count", "10", "--rate-per-client-per-minute", "100000",
            "--rate-per-mailbox-per-minute", "100000")  # fmt: skip
    with processes(postgres_url, tmp_path, 3, *args) as relays:
        owner = owner_at(relays[0])
        senders = [owner_at(relay, owner) for relay in relays]

        def deposit(n: int) -> int:
            sender = senders[n % len(senders)]
            return sender.deposit([(envelope_id(n), b"x")]).status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(deposit, range(30)))
        assert statuses.count(200) == 10 and statuses.count(507) == 20
        assert len(owner.fetch().json()["envelopes"]) == 10


def test_rate_limits_hold_across_processes(postgres_url: str, tmp_path: Path) -> None:
    with processes(postgres_url, tmp_path, 2, "--rate-per-mailbox-per-minute", "5") as (a, b):
        owner = owner_at(a)
        senders = [owner_at(a, owner), owner_at(b, owner)]
        statuses = [senders[n % 2].deposit([(envelope_id(n), b"x")]).status_code for n in range(8)]
        assert statuses[:5] == [200] * 5 and set(statuses[5:]) == {429}


def test_a_process_killed_mid_batch_loses_nothing_acknowledged(
    postgres_url: str, tmp_path: Path
) -> None:
    args = ("--rate-per-client-per-minute", "100000", "--rate-per-mailbox-per-minute", "100000")
    total = 200
    with processes(postgres_url, tmp_path, 2, *args) as (a, b):
        owner = owner_at(a)
        sender = owner_at(a, owner)
        acknowledged: list[str] = []
        switched = threading.Event()

        def send_batch() -> None:
            for n in range(total):
                while True:
                    try:
                        answer = sender.deposit([(envelope_id(n), f"msg {n}".encode())])
                    except requests.ConnectionError:
                        sender.base_url = b.url  # the client goes on with the other process
                        sender.session = requests.Session()
                        switched.set()
                        continue
                    assert answer.status_code == 200
                    acknowledged.append(envelope_id(n))
                    break

        client = threading.Thread(target=send_batch)
        client.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < total // 4:
            assert time.monotonic() < deadline and client.is_alive()
            time.sleep(0.001)
        a.kill()  # SIGKILL in the middle of the batch
        client.join(timeout=120)
        assert switched.is_set() and len(acknowledged) == total
        owner.base_url = b.url
        stored: list[str] = []
        after = 0
        while True:
            page = owner.fetch(after=after).json()
            stored += [e["id"] for e in page["envelopes"]]
            after = page["next_cursor"]
            if not page["more"]:
                break
        assert stored == [envelope_id(n) for n in range(total)]  # all, once each, in order


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def test_workers_serve_one_database_and_survive_the_loss_of_one(
    postgres_url: str, tmp_path: Path
) -> None:
    relay = RelayProcess(postgres_url, "--workers", "2", log=tmp_path / "relay.log").start()
    try:
        assert relay.process is not None
        deadline = time.monotonic() + 30
        while len(_children(relay.process.pid)) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        owner = MailboxOwner(relay.url)
        assert owner.deposit([(envelope_id(1), b"one")]).status_code == 200
        first, second = _children(relay.process.pid)
        os.kill(first, signal.SIGKILL)
        for n in range(2, 12):  # the other worker serves meanwhile
            try:
                answer = owner.deposit([(envelope_id(n), b"more")])
            except requests.ConnectionError:  # a kept-alive connection to the killed worker
                owner.session = requests.Session()
                answer = owner.deposit([(envelope_id(n), b"more")])  # retried, as clients do
            assert answer.status_code == 200
        assert len(owner.fetch().json()["envelopes"]) == 11
        while len(_children(relay.process.pid)) < 2 or first in _children(relay.process.pid):
            assert time.monotonic() < deadline + 30, "the lost worker is started again"
            time.sleep(0.05)
        assert second in _children(relay.process.pid)
    finally:
        relay.stop()
    assert relay.process.returncode == 0  # stopped its workers (and waited for them)
    assert not Path(f"/proc/{second}").exists()


def test_several_workers_on_one_sqlite_file_are_refused(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sync.relay.cli", "--db", str(tmp_path / "r.db"),
         "--workers", "2"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "--workers" in done.stderr and "postgresql" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_long_poll_at_one_process_is_woken_by_a_deposit_at_another(
    postgres_url: str, tmp_path: Path
) -> None:
    from tests.relay.test_long_poll import Background, until, waiting

    with processes(postgres_url, tmp_path, 2) as (a, b):
        owner = owner_at(a)
        sender = owner_at(b, owner)
        poll = Background(a, owner, wait=25)
        until(lambda: waiting(a) == 1)
        assert not poll.returned.is_set()
        assert sender.deposit([(envelope_id(7), b"from b")]).status_code == 200
        # Woken by B's NOTIFY long before its 25 s ran out (the join's own limit is 20 s).
        answer = poll.join(timeout=20)
        assert answer.status == 200
        assert [e["id"] for e in answer.json()["envelopes"]] == [envelope_id(7)]
