"""Long-poll wake-ups across relay processes on one PostgreSQL database: ``LISTEN``/``NOTIFY``.

Each process keeps its watches in a :class:`~sync.relay.notifier.LocalNotifier`. After a
deposit commits, :meth:`PostgresNotifier.notify` wakes that process's own watches at once and
queues a ``NOTIFY`` on the channel ``delegate_envelopes`` with the mailbox id as payload; a
sender thread sends it on a connection of its own, so the event loop never waits on the
database. A listener thread in every process ``LISTEN``\\ s on the channel and hands each
notification to its local watches, so a long-poll waiting at process A is woken by a deposit
made at process B.

A notification carries nothing but the mailbox id (which every process of the relay already
stores). When the listener's connection drops it wakes every local watch (each waiting fetch
reads again, then waits again), so a deposit made meanwhile is not left waiting; a NOTIFY the
sender could not send makes its waiters answer at the end of their wait, and the client's next
fetch reads the envelope: late, never lost. Both threads reconnect with a growing pause.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Iterator

import psycopg

from sync.relay.notifier import LocalNotifier, Watch

CHANNEL = "delegate_envelopes"
LISTEN_POLL_S = 0.5  # how often the listener looks at the stop flag
RECONNECT_S = (0.5, 1, 2, 5)
log = logging.getLogger(__name__)


class PostgresNotifier:
    def __init__(self, url: str) -> None:
        self._url = url
        self._local = LocalNotifier()
        self._outbox: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self.listening = threading.Event()  # set once LISTEN is in place (tests, health)
        self._threads = [
            threading.Thread(target=self._listen, name="relay-listen", daemon=True),
            threading.Thread(target=self._send, name="relay-notify", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @property
    def closed(self) -> bool:
        return self._local.closed

    @contextlib.contextmanager
    def watch(self, mailbox: str) -> Iterator[Watch]:
        with self._local.watch(mailbox) as entry:
            yield entry

    def notify(self, mailbox: str) -> None:
        self._local.notify(mailbox)  # this process's own waiters need no round trip
        if not self._stop.is_set():
            self._outbox.put(mailbox)

    def close(self) -> None:
        self._local.close()
        self._stop.set()
        self._outbox.put(None)
        for thread in self._threads:
            thread.join(timeout=5)

    # -- threads ---------------------------------------------------------------------------

    def _pause(self, attempt: int) -> None:
        self._stop.wait(RECONNECT_S[min(attempt, len(RECONNECT_S) - 1)])

    def _listen(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    attempt = 0
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=LISTEN_POLL_S):
                            self._local.notify(note.payload)
            except psycopg.Error as exc:
                self.listening.clear()
                self._local.wake_all()  # what came while it was down: every waiter reads again
                log.warning("long-poll listener lost the database: %s", type(exc).__name__)
                self._pause(attempt)
                attempt += 1

    def _send(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True) as conn:
                    attempt = 0
                    while (mailbox := self._outbox.get()) is not None:
                        conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, mailbox))
            except psycopg.Error as exc:
                log.warning("long-poll notifications lost the database: %s", type(exc).__name__)
                self._pause(attempt)
                attempt += 1
            else:
                return  # None: closed
