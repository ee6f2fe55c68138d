"""Cutting a request in flight from another thread (a long-poll when the engine stops).

``requests`` has no cancel: a thread blocked reading an answer stays blocked until the server
answers or the read times out. :func:`track_connections` makes the session's connection pools
remember the connections they open; :meth:`ConnectionTracker.abort` shuts their sockets down,
which ends the blocked read at once (it fails like a lost connection) and tells the server the
client has gone.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import weakref
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool


class ConnectionTracker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connections: weakref.WeakSet[Any] = weakref.WeakSet()

    def add(self, connection: Any) -> None:
        with self._lock:
            self._connections.add(connection)

    def abort(self) -> None:
        """Shut down every socket the tracked pools opened (any thread)."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            sock = getattr(connection, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def _tracking(pool_class: type[HTTPConnectionPool], tracker: ConnectionTracker) -> type:
    class TrackingPool(pool_class):  # type: ignore[valid-type,misc]
        def _new_conn(self) -> Any:
            connection = super()._new_conn()
            tracker.add(connection)
            return connection

    TrackingPool.__name__ = f"Tracking{pool_class.__name__}"
    return TrackingPool


def track_connections(session: requests.Session) -> ConnectionTracker:
    """A tracker of every connection ``session`` opens from now on (its mounted adapters)."""
    tracker = ConnectionTracker()
    for adapter in session.adapters.values():
        if isinstance(adapter, HTTPAdapter):
            manager = adapter.poolmanager
            manager.pool_classes_by_scheme = {
                scheme: _tracking(cls, tracker)
                for scheme, cls in manager.pool_classes_by_scheme.items()
            }
    return tracker
