"""``delegate-relay --workers N``: N relay processes on one listening socket and one
PostgreSQL database (docs/RELAY.md, "Running with PostgreSQL").

The supervisor binds the socket and starts each worker as ``python -m sync.relay.cli …
--listen-fd FD --parent-fd FD``; the kernel hands each new connection to one of them. The
workers share nothing but the database. A worker that exits (a crash, ``kill -9``) is started
again, and the others serve meanwhile. A worker stops when its supervisor is gone, however that
went: it watches a pipe whose only writer is the supervisor.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from types import FrameType

from sync.relay import logs

RESTART_DELAY_SECONDS = 1.0  # a worker that keeps failing is restarted at most this often


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=2048)


def supervise(argv: Sequence[str], workers: int, host: str, port: int) -> int:
    """Runs ``workers`` relay processes until SIGTERM or SIGINT; returns the exit code."""
    listener = bind(host, port)
    watch_read, watch_write = os.pipe()  # workers see end of file once this process is gone
    command = [sys.executable, "-m", "sync.relay.cli", *argv, "--workers", "1",
               "--listen-fd", str(listener.fileno()), "--parent-fd", str(watch_read)]  # fmt: skip

    def spawn() -> tuple[subprocess.Popen[bytes], float]:
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, pass_fds=(listener.fileno(), watch_read)
        )
        return child, time.monotonic()

    stopping = threading.Event()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    running = [spawn() for _ in range(workers)]
    try:
        while not stopping.wait(0.2):
            for slot, (child, started) in enumerate(running):
                code = child.poll()
                if code is None:
                    continue
                if time.monotonic() - started < RESTART_DELAY_SECONDS:
                    continue  # just started and already gone: wait a little before again
                logs.event("worker_exited", pid=child.pid, code=code)
                running[slot] = spawn()
    finally:
        for child, _ in running:
            if child.poll() is None:
                child.terminate()
        for child, _ in running:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        os.close(watch_write)
        listener.close()
    return 0


def stop_with_parent(parent_fd: int) -> None:
    """In a worker: SIGTERM itself (a graceful stop) once the supervisor is gone."""

    def watch() -> None:
        try:
            while os.read(parent_fd, 1):
                pass
        except OSError:
            pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="supervisor-watch", daemon=True).start()
