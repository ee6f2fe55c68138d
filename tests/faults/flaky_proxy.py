"""A loopback TCP proxy that misbehaves on purpose: drops, delays and cuts connections mid-body.

It listens on 127.0.0.1 (a free port) and forwards to one upstream on 127.0.0.1.
Each accepted connection draws its fate from a seeded RNG, so a failing round can
be replayed with the same seed. The proxy stops by itself when closed.
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
from dataclasses import dataclass, field


@dataclass
class FaultPlan:
    """Probabilities per connection (checked in this order) and their parameters."""

    refuse: float = 0.1  # close at once, before any byte
    cut: float = 0.2  # forward a few bytes, then reset both sides (mid-body)
    delay: float = 0.2  # hold each chunk for up to ``max_delay`` seconds
    max_delay: float = 0.05
    cut_after_bytes: tuple[int, int] = (1, 4096)
    seed: int = 0
    # Fates of the first connections, in order, before the dice take over ("refuse", "cut",
    # "delay", "pass"): so that every kind of fault surely happens in a short run.
    script: tuple[str, ...] = ()


@dataclass
class ProxyStats:
    connections: int = 0
    refused: int = 0
    cut: int = 0
    delayed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, name: str) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)


class FlakyProxy:
    def __init__(self, upstream_port: int, plan: FaultPlan | None = None) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.plan = plan or FaultPlan()
        self.stats = ProxyStats()
        self._rng = random.Random(self.plan.seed)
        self._rng_lock = threading.Lock()
        self._script = list(self.plan.script)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._thread = threading.Thread(target=self._accept_loop, name="flaky-proxy", daemon=True)
        self.enabled = True  # when False, the proxy forwards faithfully

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FlakyProxy:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> FlakyProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _draw(self) -> tuple[str, float, int]:
        with self._rng_lock:
            roll = self._rng.random()
            delay = self._rng.uniform(0, self.plan.max_delay)
            cut_at = self._rng.randint(*self.plan.cut_after_bytes)
            scripted = self._script.pop(0) if self._script and self.enabled else None
        if not self.enabled:
            return "pass", 0.0, 0
        if scripted is not None:
            return scripted, delay if scripted == "delay" else 0.0, cut_at
        plan = self.plan
        if roll < plan.refuse:
            return "refuse", 0.0, 0
        if roll < plan.refuse + plan.cut:
            return "cut", 0.0, cut_at
        if roll < plan.refuse + plan.cut + plan.delay:
            return "delay", delay, 0
        return "pass", 0.0, 0

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.stats.count("connections")
            fate, delay, cut_at = self._draw()
            if fate == "refuse":
                self.stats.count("refused")
                _reset(client)
                continue
            thread = threading.Thread(
                target=self._serve, args=(client, fate, delay, cut_at), daemon=True
            )
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
            thread.start()

    def _serve(self, client: socket.socket, fate: str, delay: float, cut_at: int) -> None:
        try:
            upstream = socket.create_connection(self.upstream, timeout=10)
        except OSError:
            _reset(client)
            return
        if fate == "cut":
            self.stats.count("cut")
        elif fate == "delay":
            self.stats.count("delayed")
        budget = [cut_at if fate == "cut" else -1]
        lock = threading.Lock()
        done = threading.Event()

        def pump(src: socket.socket, dst: socket.socket) -> None:
            src.settimeout(0.2)
            try:
                while not done.is_set() and not self._stopping.is_set():
                    try:
                        chunk = src.recv(65536)
                    except TimeoutError:
                        continue
                    if not chunk:
                        break
                    if delay:
                        self._stopping.wait(delay)
                    with lock:
                        if budget[0] >= 0:
                            if len(chunk) >= budget[0]:
                                dst.sendall(chunk[: budget[0]])
                                budget[0] = 0
                                break
                            budget[0] -= len(chunk)
                    dst.sendall(chunk)
            except OSError:
                pass
            finally:
                done.set()

        forward = threading.Thread(target=pump, args=(client, upstream), daemon=True)
        forward.start()
        pump(upstream, client)
        forward.join(timeout=5)
        for sock in (client, upstream):
            _reset(sock)


def _reset(sock: socket.socket) -> None:
    """Close with RST rather than FIN, as a dropped link or a middlebox would."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()
