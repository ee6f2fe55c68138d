"""Prometheus metrics of the relay, in the text exposition format (version 0.0.4).

Only counts, sizes and latencies, labelled by method, route *template* (``/v1/blobs/{blob_id}``,
never the path a client sent), status code and pool: never a mailbox id, blob id, token, nonce
or client address. The format is written by hand (a few lines) rather than by a library.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Upper bounds (seconds) of the request latency histogram.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
UNMATCHED = "unmatched"  # a path that names no route (404), or an unknown method
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})


@dataclass
class _Histogram:
    counts: list[int] = field(default_factory=lambda: [0] * len(LATENCY_BUCKETS))
    total: int = 0
    seconds: float = 0.0

    def observe(self, value: float) -> None:
        for index, bound in enumerate(LATENCY_BUCKETS):
            if value <= bound:
                self.counts[index] += 1
        self.total += 1
        self.seconds += value


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(pairs: Iterable[tuple[str, str]]) -> str:
    inner = ",".join(f'{name}="{_label(value)}"' for name, value in pairs)
    return "{" + inner + "}" if inner else ""


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf"
    return repr(float(value)) if isinstance(value, float) else str(value)


class RelayMetrics:
    """Counters and histograms, safe to update from the event loop and the thread pool."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, str], int] = {}
        self._latency: dict[tuple[str, str], _Histogram] = {}
        self._counters: dict[str, int] = {
            "envelopes_accepted": 0,
            "envelopes_duplicate": 0,
            "envelope_bytes_accepted": 0,
            "blob_bytes_received": 0,
            "envelopes_acknowledged": 0,
        }

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            key = (method, route, str(status))
            self._requests[key] = self._requests.get(key, 0) + 1
            self._latency.setdefault((method, route), _Histogram()).observe(seconds)

    def add(self, name: str, amount: int) -> None:
        with self._lock:
            self._counters[name] += amount

    def render(self, stored_bytes: Mapping[str, int] | None) -> str:
        """The exposition text; ``stored_bytes`` per pool (None: the database did not answer)."""
        lines: list[str] = []

        def family(name: str, kind: str, text: str) -> None:
            lines.extend((f"# HELP {name} {text}", f"# TYPE {name} {kind}"))

        with self._lock:
            family("delegate_relay_requests_total", "counter",
                   "HTTP requests answered, by method, route template and status.")  # fmt: skip
            for (method, route, status), count in sorted(self._requests.items()):
                labels = _labels((("method", method), ("route", route), ("status", status)))
                lines.append(f"delegate_relay_requests_total{labels} {count}")
            family("delegate_relay_request_duration_seconds", "histogram",
                   "Time from request start to the end of the answer.")  # fmt: skip
            for (method, route), hist in sorted(self._latency.items()):
                base = (("method", method), ("route", route))
                for bound, count in zip(LATENCY_BUCKETS, hist.counts, strict=True):
                    labels = _labels((*base, ("le", _number(bound))))
                    lines.append(f"delegate_relay_request_duration_seconds_bucket{labels} {count}")
                labels = _labels((*base, ("le", "+Inf")))
                lines.append(f"delegate_relay_request_duration_seconds_bucket{labels} {hist.total}")
                lines.append(f"delegate_relay_request_duration_seconds_sum{_labels(base)}"
                             f" {_number(hist.seconds)}")  # fmt: skip
                lines.append(f"delegate_relay_request_duration_seconds_count{_labels(base)}"
                             f" {hist.total}")  # fmt: skip
            for name, text in (
                ("envelopes_accepted", "Envelopes stored by deposits (not duplicates)."),
                ("envelopes_duplicate", "Deposited envelopes the relay already held or delivered."),
                ("envelope_bytes_accepted", "Bytes of envelopes stored by deposits."),
                ("blob_bytes_received", "Bytes of blob parts stored."),
                ("envelopes_acknowledged", "Envelopes deleted by acknowledgements."),
            ):
                family(f"delegate_relay_{name}_total", "counter", text)
                lines.append(f"delegate_relay_{name}_total {self._counters[name]}")
        family("delegate_relay_stored_bytes", "gauge",
               "Bytes of envelopes and blobs held, by quota pool.")  # fmt: skip
        for pool, size in sorted((stored_bytes or {}).items()):
            lines.append(f"delegate_relay_stored_bytes{_labels((('pool', pool),))} {size}")
        family("delegate_relay_database_up", "gauge", "1 when the database answered a query.")
        lines.append(f"delegate_relay_database_up {0 if stored_bytes is None else 1}")
        return "\n".join(lines) + "\n"


def route_template(routes: Iterable[BaseRoute], scope: Scope) -> str:
    """The template of the route ``scope`` names (``/v1/mailboxes/{mailbox_id}/ack``), or
    :data:`UNMATCHED`. Matched here, not taken from the router, so requests answered before
    routing (429, 413, 503) are labelled too."""
    for route in routes:
        match, _child = route.matches(scope)
        if match is Match.FULL:
            return str(getattr(route, "path", UNMATCHED))
    return UNMATCHED


class RequestMetrics:
    """ASGI middleware (outermost): every answered HTTP request counted and timed."""

    def __init__(
        self,
        app: ASGIApp,
        metrics: RelayMetrics,
        routes: Callable[[], Iterable[BaseRoute]],
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = self.clock()
        status = 500

        async def observing_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, observing_send)
        finally:
            method = str(scope.get("method", ""))
            method = method if method in METHODS else "other"  # clients choose it: bounded
            route = route_template(self.routes(), scope)
            self.metrics.request(method, route, status, self.clock() - started)
