"""A throwaway PostgreSQL server for the tests: Debian's binaries, a temporary directory, a free
loopback port, stopped at the end of the session.

PostgreSQL refuses to run as root; as root the server runs as a dedicated system user
(:data:`SERVER_USER`, created when missing) that owns the temporary directory. The Debian
package's own cluster is never used. Missing binaries are an error, never a skip: a skip would
hide a missing install (``make`` installs the ``postgresql`` package).
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from tests.relay_server import free_port

SERVER_USER = "delegate-pg"
BINARIES = "/usr/lib/postgresql/*/bin"


class PostgresMissingError(RuntimeError):
    pass


def server_binaries() -> Path:
    """The newest installed ``/usr/lib/postgresql/<version>/bin`` with initdb and pg_ctl."""
    found = [
        Path(d)
        for d in glob.glob(BINARIES)
        if (Path(d) / "initdb").is_file() and (Path(d) / "pg_ctl").is_file()
    ]
    if not found:
        raise PostgresMissingError(
            f"PostgreSQL server binaries not found ({BINARIES}/initdb, pg_ctl): the relay's"
            " PostgreSQL tests need Debian's 'postgresql' package (make installs it:"
            " apt-get install postgresql)"
        )
    return max(found, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)


def _ensure_user() -> None:
    """Creates the server's system user if it does not exist yet (idempotent, race-safe)."""
    if subprocess.run(["id", "-u", SERVER_USER], capture_output=True, check=False).returncode:
        done = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
             "--shell", "/usr/sbin/nologin", SERVER_USER],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode not in (0, 9):  # 9: created meanwhile by someone else
            raise RuntimeError(f"cannot create user {SERVER_USER}: {done.stderr.strip()}")


class PostgresServer:
    def __init__(self, fsync: bool = False) -> None:
        self.bin = server_binaries()
        self.fsync = fsync
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="delegate-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._as_root = os.geteuid() == 0
        self._names = itertools.count(1)
        self._running = False

    def _run(self, *command: str, timeout: float = 120) -> None:
        prefix = ["runuser", "-u", SERVER_USER, "--"] if self._as_root else []
        done = subprocess.run(
            [*prefix, *command], capture_output=True, text=True, timeout=timeout, check=False,
            cwd=self.root,
        )  # fmt: skip
        if done.returncode:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{command[0]} failed: {done.stderr.strip()}\n{log}")

    def start(self) -> PostgresServer:
        if self._as_root:
            _ensure_user()
            shutil.chown(self.root, SERVER_USER, SERVER_USER)
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")  # fmt: skip
        settings = [
            f"-p {self.port}",
            f"-k {self.root}",  # the Unix socket stays in the temporary directory
            "-c listen_addresses=127.0.0.1",
            "-c max_connections=200",
        ]
        if not self.fsync:  # a test server: nothing in it must survive a machine crash
            settings += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                  "-w", "-t", "60", "-o", " ".join(settings), "start")  # fmt: skip
        self._running = True
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; its URL."""
        name = f"relay_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self._running:
            self._running = False
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                      "-w", "stop")  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)
