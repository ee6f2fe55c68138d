"""Live delivery: one long-poll fetch at a time, on a thread of its own (docs/SYNC.md).

The engine's thread never blocks on the long-poll: it starts one here and waits on its
:class:`~sync.client.backoff.Waker`, which this poll wakes when the relay answers — as does a
message queued by the user, or a stop. A stopped engine closes the poll, which shuts its
connection down (:mod:`sync.client.abort`): the poll's thread, which holds nothing but the HTTP
request and the signer, ends at once, and the relay frees the waiting place.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sync.client.errors import RelayError
from sync.client.relay_client import FetchResult, RelayClient, Signer

log = logging.getLogger(__name__)

#: Seconds a long-poll asks the relay to wait: below the relay's default maximum (25 s).
LONG_POLL_SECONDS = 20


@dataclass(frozen=True)
class PollOutcome:
    after: int  # the cursor the poll fetched after
    wait: int  # the seconds it asked for
    result: FetchResult | None  # None: it failed with ``error``
    error: RelayError | None
    quick: bool  # answered in less than half its wait

    @property
    def waited(self) -> bool:
        """Whether the relay really waited: it said so, and did not answer at once empty."""
        result = self.result
        if result is None or result.waited is None or result.waited == 0:
            return False
        return bool(result.envelopes) or not self.quick


class LongPoll:
    """At most one long-poll of ``mailbox`` in flight; ``on_done`` runs when it answered."""

    def __init__(
        self,
        client: RelayClient,
        mailbox: str,
        signer: Signer,
        *,
        limit: int,
        on_done: Callable[[], None],
    ) -> None:
        self._client = client
        client.make_abortable()
        self._mailbox = mailbox
        self._signer = signer
        self._limit = limit
        self._on_done = on_done
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._outcome: PollOutcome | None = None
        self._closed = False

    @property
    def in_flight(self) -> bool:
        with self._lock:
            return self._thread is not None

    def start(self, after: int, wait: int) -> None:
        """Start a long-poll after ``after`` unless one is in flight or not yet taken."""
        with self._lock:
            if self._thread is not None or self._closed:
                return
            self._thread = threading.Thread(
                target=self._run, args=(after, wait), name="delegate-long-poll", daemon=True
            )
            self._thread.start()

    def take(self) -> PollOutcome | None:
        """The answer of the poll once it came (the poll is then over), else None."""
        with self._lock:
            outcome, self._outcome = self._outcome, None
            if outcome is not None:
                self._thread = None
            return outcome

    def close(self) -> None:
        """No more polls; a poll in flight is cut off at once (the relay sees the client go)."""
        with self._lock:
            self._closed = True
        self._client.abort()

    def _run(self, after: int, wait: int) -> None:
        started = time.monotonic()
        result: FetchResult | None = None
        error: RelayError | None = None
        try:
            result = self._client.fetch(
                self._mailbox, self._signer, after=after, limit=self._limit, wait=wait
            )
        except RelayError as exc:
            error = exc
        except Exception as exc:  # noqa: BLE001 (a bug here must not end live delivery silently)
            log.warning("Long-poll failed: %s", type(exc).__name__)
            error = RelayError(type(exc).__name__)
        quick = time.monotonic() - started < wait / 2
        with self._lock:
            if self._closed:
                return
            self._outcome = PollOutcome(after, wait, result, error, quick)
        self._on_done()
