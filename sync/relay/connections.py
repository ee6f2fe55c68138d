"""uvicorn's h11 protocol with a header deadline and a cap on connections per address.

uvicorn has no timeout for reading a request head: its keep-alive timer starts only
after a first response, and every received byte cancels it, so a client that sends a
header byte by byte holds its connection (and h11's buffer) for ever. This subclass
arms a deadline when a connection opens and again after every response; when it
fires while no complete request head has arrived (h11 still ``IDLE``), the
connection is closed. Connections beyond the caps are answered 503 and closed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from sync.relay import logs
from sync.relay.config import RelayConfig


@dataclass
class ConnectionCount:
    """Open connections, per client address and in total (event loop only)."""

    per_client: int
    total: int
    used: int = 0
    by_client: dict[str, int] = field(default_factory=dict)

    def open(self, client: str) -> bool:
        mine = self.by_client.get(client, 0)
        if mine >= self.per_client or self.used >= self.total:
            return False
        self.by_client[client] = mine + 1
        self.used += 1
        return True

    def close(self, client: str) -> None:
        self.used -= 1
        left = self.by_client.get(client, 0) - 1
        if left > 0:
            self.by_client[client] = left
        else:
            self.by_client.pop(client, None)


def _busy_response() -> bytes:
    body = json.dumps({"error": "too many connections"}, separators=(",", ":")).encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nretry-after: 1\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


def guarded_protocol(
    count: ConnectionCount, header_timeout: float, on_shutdown: Callable[[], None] | None = None
) -> type[H11Protocol]:
    """An ``H11Protocol`` class for ``uvicorn.run(http=...)`` that applies both limits.

    ``on_shutdown`` runs when the server starts its graceful shutdown, before it waits for
    the requests in progress: it ends waiting long-poll fetches, which would hold it up.
    """

    class GuardedH11Protocol(H11Protocol):
        _counted_as: str | None = None
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            key = str(self.client[0]) if self.client else "unknown"
            if not count.open(key):
                logs.event("connection_refused", reason="too many connections")
                transport.write(_busy_response())
                transport.close()
                return
            self._counted_as = key
            self._arm_header_deadline()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._counted_as is not None:
                count.close(self._counted_as)
                self._counted_as = None
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None
            super().connection_lost(exc)

        def shutdown(self) -> None:
            if on_shutdown is not None:
                on_shutdown()
            super().shutdown()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm_header_deadline()

        def _arm_header_deadline(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
            self._header_timer = self.loop.call_later(header_timeout, self._header_deadline)

        def _header_deadline(self) -> None:
            self._header_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                logs.event("connection_closed", reason="request head too slow")
                self.transport.close()

    return GuardedH11Protocol


def server_settings(
    config: RelayConfig, on_shutdown: Callable[[], None] | None = None
) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` that put the connection limits in place;
    ``on_shutdown`` as in :func:`guarded_protocol` (the notifier's ``close``)."""
    count = ConnectionCount(config.max_connections_per_client, config.max_connections)
    return {
        "http": guarded_protocol(count, config.header_timeout_seconds, on_shutdown),
        "h11_max_incomplete_event_size": config.max_header_bytes,
        "timeout_keep_alive": config.keep_alive_seconds,
    }
