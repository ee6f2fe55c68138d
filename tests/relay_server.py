"""A real relay in a subprocess on a free loopback port, for any test that needs one."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RelayProcess:
    """A relay on ``db``: a SQLite file or a ``postgresql://`` URL. Its stderr goes to ``log``
    (default: beside the SQLite file, or a new temporary file for a URL)."""

    def __init__(
        self, db: Path | str, *extra: str, port: int | None = None, log: Path | None = None
    ) -> None:
        self.db = db
        self._log = log
        self.extra = extra
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.scheme = "https" if "--tls-cert" in extra else "http"
        self.verify: str | bool = True  # a CA bundle path for a relay serving TLS

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> RelayProcess:
        log_fd = self._log_handle()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sync.relay.cli", "--host", "127.0.0.1",
             "--port", str(self.port), "--db", str(self.db), *self.extra],
            stdout=subprocess.DEVNULL, stderr=log_fd,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        os.close(log_fd)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"relay exited: {self.stderr_text[-2000:]}")
            try:
                if requests.get(f"{self.url}/health", timeout=1, verify=self.verify).ok:
                    return self
            except (requests.ConnectionError, requests.Timeout):  # Timeout: workers still starting
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("relay did not start in time")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, exactly like a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def _log_handle(self) -> int:
        return os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    @property
    def log_path(self) -> Path:
        if self._log is not None:
            return self._log
        if isinstance(self.db, str):  # a database URL: a log file of its own
            self._log = Path(tempfile.mkdtemp(prefix="delegate-relay-")) / "relay.log"
            return self._log
        return self.db.with_name(self.db.name + ".log")

    @property
    def stderr_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


@contextmanager
def running_relay(db: Path | str, *extra: str) -> Iterator[RelayProcess]:
    relay = RelayProcess(db, *extra).start()
    try:
        yield relay
    finally:
        relay.stop()
