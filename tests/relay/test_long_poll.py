"""Live delivery: a fetch with ``wait`` answers as soon as an envelope is deposited.

Every test runs a real relay on loopback. Whether a long-poll is waiting is learnt from the
relay itself, never from a sleep: with one waiting slot per address, a second long-poll from
the same address is answered at once with ``X-Delegate-Wait: 0`` exactly while the first
one waits.
"""

from __future__ import annotations

import http.client
import json
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.relay.signer import MailboxOwner, envelope_id
from tests.relay_server import RelayProcess

WAIT = 20  # long enough that an answer before it is a wake-up, never the timeout


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def waited(self) -> str | None:
        return self.headers.get("x-delegate-wait")


def fetch_request(
    owner: MailboxOwner, *, after: int = 0, wait: object = WAIT
) -> tuple[str, dict[str, str]]:
    path = f"/v1/mailboxes/{owner.mailbox}/envelopes?after={after}&limit=100&wait={wait}"
    return path, owner.headers("GET", path, b"")


def long_poll(
    relay: RelayProcess, owner: MailboxOwner, *, after: int = 0, wait: object = WAIT,
    source: str = "127.0.0.1",
) -> Answer:  # fmt: skip
    """A signed fetch from ``source`` (another loopback address is another client)."""
    path, headers = fetch_request(owner, after=after, wait=wait)
    conn = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=60,
                                      source_address=(source, 0))  # fmt: skip
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    finally:
        conn.close()


class Background:
    """A long-poll on a thread of its own; ``answer`` once it returned."""

    def __init__(self, relay: RelayProcess, owner: MailboxOwner, **kwargs: Any) -> None:
        self.answer: Answer | None = None
        self.returned = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(relay, owner), kwargs=kwargs)
        self._thread.start()

    def _run(self, relay: RelayProcess, owner: MailboxOwner, **kwargs: Any) -> None:
        try:
            self.answer = long_poll(relay, owner, **kwargs)
        finally:
            self.returned.set()

    def join(self, timeout: float = 60) -> Answer:
        self._thread.join(timeout)
        assert self.answer is not None, "the long-poll did not return"
        return self.answer


def slot_taken(relay: RelayProcess, probe: MailboxOwner, source: str = "127.0.0.1") -> bool:
    """Whether every waiting slot of ``source`` is taken (the probe is answered at once;
    when a slot is free the probe takes it for its one second)."""
    return long_poll(relay, probe, wait=1, source=source).waited == "0"


def waiting(relay: RelayProcess) -> int:
    """How many fetches have started to wait so far (the relay logs each one)."""
    return relay.stderr_text.count('"event": "fetch_waiting"')


def until(condition: Any, limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the relay never reached the expected state"
        time.sleep(0.05)


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[RelayProcess]:
    process = RelayProcess(
        tmp_path / "relay.db", "--max-waiters-per-client", "1", "--max-waiters", "2"
    ).start()
    try:
        yield process
    finally:
        process.stop()


def test_a_waiting_fetch_returns_with_an_envelope_deposited_by_another_client(
    relay: RelayProcess,
) -> None:
    owner, sender, probe = (MailboxOwner(relay.url) for _ in range(3))
    poll = Background(relay, owner)
    until(lambda: waiting(relay) == 1)
    assert not poll.returned.is_set()
    assert sender.deposit([(envelope_id(1), b"live")], mailbox=owner.mailbox).status_code == 200
    answer = poll.join()
    assert answer.status == 200 and answer.waited == str(WAIT)
    body = answer.json()
    assert [e["id"] for e in body["envelopes"]] == [envelope_id(1)]
    assert body["next_cursor"] == body["envelopes"][0]["cursor"] and body["more"] is False
    # It came back well before its wait expired: the probe's slot is free again at once.
    assert not slot_taken(relay, probe)


def test_a_deposit_to_another_mailbox_does_not_wake_the_wait(relay: RelayProcess) -> None:
    owner, other, probe = (MailboxOwner(relay.url) for _ in range(3))
    poll = Background(relay, owner)
    until(lambda: waiting(relay) == 1)
    other.deposit([(envelope_id(1), b"not yours")])
    assert slot_taken(relay, probe)  # still waiting after the other mailbox's deposit
    assert not poll.returned.is_set()
    other.deposit([(envelope_id(2), b"yours")], mailbox=owner.mailbox)
    assert [e["id"] for e in poll.join().json()["envelopes"]] == [envelope_id(2)]


def test_envelopes_already_there_are_answered_at_once(relay: RelayProcess) -> None:
    owner = MailboxOwner(relay.url)
    owner.deposit([(envelope_id(1), b"one"), (envelope_id(2), b"two")])
    first = long_poll(relay, owner, wait=WAIT)
    assert [e["id"] for e in first.json()["envelopes"]] == [envelope_id(1), envelope_id(2)]
    # Envelopes before the cursor do not count: the wait expires with an empty page.
    cursor = first.json()["next_cursor"]
    later = long_poll(relay, owner, after=cursor, wait=1)
    assert later.status == 200 and later.waited == "1"
    assert later.json() == {"envelopes": [], "next_cursor": cursor, "more": False}


def test_a_plain_fetch_says_it_did_not_wait(relay: RelayProcess) -> None:
    owner = MailboxOwner(relay.url)
    answer = owner.fetch()
    assert answer.status_code == 200 and answer.headers["X-Delegate-Wait"] == "0"
    assert long_poll(relay, owner, wait=0).waited == "0"


@pytest.mark.parametrize("wait", ["26", "-1", "1.5", "soon", "99999999999999999999999"])
def test_a_wait_out_of_range_is_422(relay: RelayProcess, wait: str) -> None:
    owner = MailboxOwner(relay.url)
    answer = long_poll(relay, owner, wait=wait)
    assert answer.status == 422 and answer.json()["error"].startswith("malformed request")


def test_an_unsigned_long_poll_is_refused_before_any_wait(relay: RelayProcess) -> None:
    owner = MailboxOwner(relay.url)
    path, _ = fetch_request(owner)
    conn = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=10)
    try:
        conn.request("GET", path)
        assert conn.getresponse().status == 401
    finally:
        conn.close()
    # A replayed nonce is refused at once too, without taking a slot.
    path, headers = fetch_request(owner, wait=1)
    for expected in (200, 401):
        conn = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=10)
        try:
            conn.request("GET", path, headers=headers)
            assert conn.getresponse().status == expected
        finally:
            conn.close()


def test_waiting_slots_are_bounded_per_address_and_in_total(relay: RelayProcess) -> None:
    """One slot per address, two in all: the fetch beyond is answered at once, never an
    error, with its envelopes if there are any."""
    a, b, c = (MailboxOwner(relay.url) for _ in range(3))
    first = Background(relay, a, source="127.0.0.1")
    until(lambda: waiting(relay) == 1)
    a.deposit([(envelope_id(9), b"for a")], mailbox=c.mailbox)
    over_address = long_poll(relay, c, source="127.0.0.1")
    assert over_address.status == 200 and over_address.waited == "0"
    assert [e["id"] for e in over_address.json()["envelopes"]] == [envelope_id(9)]
    second = Background(relay, b, source="127.0.0.2")
    until(lambda: waiting(relay) == 2)
    over_total = long_poll(relay, MailboxOwner(relay.url), source="127.0.0.3")
    assert over_total.status == 200 and over_total.waited == "0"
    assert over_total.json()["envelopes"] == []
    for poll, owner in ((first, a), (second, b)):
        assert not poll.returned.is_set()
        c.deposit([(envelope_id(1), b"wake")], mailbox=owner.mailbox)
        assert [e["id"] for e in poll.join().json()["envelopes"]] == [envelope_id(1)]


def test_a_client_that_disconnects_releases_its_slot(relay: RelayProcess) -> None:
    owner, probe = MailboxOwner(relay.url), MailboxOwner(relay.url)
    path, headers = fetch_request(owner)
    conn = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=60)
    conn.request("GET", path, headers=headers)
    until(lambda: waiting(relay) == 1)
    assert slot_taken(relay, probe)
    conn.close()  # gone while waiting, long before its 20 seconds
    until(lambda: not slot_taken(relay, probe))
    assert relay.stderr_text.count('"event": "fetch_abandoned"') == 1


def test_shutdown_ends_waiting_fetches_at_once(tmp_path: Path) -> None:
    relay = RelayProcess(tmp_path / "relay.db", "--max-waiters-per-client", "1").start()
    try:
        owner = MailboxOwner(relay.url)
        sources = ("127.0.0.1", "127.0.0.2")
        polls = [Background(relay, owner, wait=25, source=source) for source in sources]
        until(lambda: waiting(relay) == 2)
        assert relay.process is not None
        relay.process.send_signal(signal.SIGTERM)
        # uvicorn's graceful shutdown would otherwise wait out the 25 seconds of each; it
        # ends by raising the signal again once the server stopped.
        assert relay.process.wait(timeout=15) in (0, -signal.SIGTERM)
        for poll in polls:
            answer = poll.join(timeout=15)
            assert answer.status == 200 and answer.json()["envelopes"] == []
    finally:
        relay.stop()
