"""The demo's little network: a local relay and an answering second mission.

:class:`DemoNetwork` starts ``delegate-relay`` on a free loopback port (its
database inside the demo directory), creates the second demo profile (the
Embassy of Sylvania) on first use, points both profiles at the relay and
exchanges their contact cards both ways, then starts :mod:`delegate_app.demo_peer`.
:meth:`DemoNetwork.stop` ends both; on Linux they also die with the demo process
(``PR_SET_PDEATHSIG``), and the peer watches its parent, so nothing is orphaned.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from delegate_app.core.contacts.book import ContactBook, own_card
from delegate_app.core.crypto.keywrap import DEFAULT_KDF, KdfParams
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.paths import resolve_profile
from delegate_app.core.policy import Policy
from delegate_app.core.profile import ProfileInfo, init_profile
from delegate_app.core.vault import Vault

log = logging.getLogger(__name__)

PEER_NAME = "Dragan Vuković"
PEER_ORGANISATION = "Embassy of Sylvania"
PEER_DIR_NAME = "peer-sylvania"
RELAY_DIR_NAME = "relay"
GREETING = (
    "Good morning from the Embassy of Sylvania. We look forward to working with your "
    "delegation at the summit."
)
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Ask Linux to SIGTERM this child when the demo process dies, however it dies."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class DemoNetwork:
    def __init__(
        self,
        demo_dir: Path,
        policy: Policy,
        passphrase: str,
        *,
        kdf: KdfParams = DEFAULT_KDF,
        peer_interval: float = 2.0,
    ) -> None:
        self.demo_dir = demo_dir.resolve()
        self.policy = policy
        self.passphrase = passphrase
        self.kdf = kdf
        self.peer_interval = peer_interval
        self.relay: subprocess.Popen[bytes] | None = None
        self.peer: subprocess.Popen[bytes] | None = None
        self.url = ""

    @property
    def peer_dir(self) -> Path:
        return self.demo_dir / PEER_DIR_NAME

    @property
    def relay_db(self) -> Path:
        return self.demo_dir / RELAY_DIR_NAME / "relay.db"

    # -- lifecycle -----------------------------------------------------------------------

    def start(self, main_vault: Vault) -> DemoNetwork:
        """Start the relay, prepare both profiles (``main_vault`` unlocked), start the peer."""
        try:
            self._start_relay()
            self._prepare_profiles(main_vault)
            self._start_peer()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for process in (self.peer, self.relay):
            if process is not None and process.poll() is None:
                process.terminate()
        for process in (self.peer, self.relay):
            if process is None:
                continue
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def __enter__(self) -> DemoNetwork:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- parts ---------------------------------------------------------------------------

    def _start_relay(self) -> None:
        self.relay_db.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        log_file = self.relay_db.with_name("relay.log").open("ab")
        try:
            self.relay = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "sync.relay.cli", "--host", "127.0.0.1",
                 "--port", str(port), "--db", str(self.relay_db)],
                stdout=subprocess.DEVNULL, stderr=log_file, stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
            )  # fmt: skip
        finally:
            log_file.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.relay.poll() is not None:
                raise RuntimeError("The demo relay exited at start; see relay/relay.log.")
            try:
                if requests.get(f"{self.url}/health", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.05)
        raise RuntimeError("The demo relay did not start in time.")

    def _prepare_profiles(self, main_vault: Vault) -> None:
        paths = resolve_profile(self.peer_dir)
        created = not Vault.exists(paths)
        if created:
            peer = init_profile(
                paths,
                ProfileInfo(PEER_NAME, PEER_ORGANISATION, self.url),
                self.passphrase,
                self.policy,
                kdf=self.kdf,
            )
        else:
            peer = Vault.open(paths)
            peer.unlock(self.passphrase)
        try:
            # The relay's port changes from run to run: both profiles and both cards follow it.
            for vault in (main_vault, peer):
                vault.db.set_setting("profile.relay_url", self.url)
            main_card = own_card(main_vault.db, self.policy)
            peer_card = own_card(peer.db, self.policy)
            ContactBook(main_vault.db, self.policy).import_card(peer_card)
            ContactBook(peer.db, self.policy).import_card(main_card)
            if created:
                room = Mailroom.open(peer.db, self.policy)
                room.messenger.send_text(main_card.name, GREETING)
        finally:
            peer.lock()

    def _start_peer(self) -> None:
        env = dict(os.environ, DELEGATE_PASSPHRASE=self.passphrase)
        self.peer = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "delegate_app.demo_peer", "--profile", str(self.peer_dir),
             "--interval", str(self.peer_interval), "--parent-pid", str(os.getpid())],
            stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env,
            preexec_fn=_die_with_parent,
        )  # fmt: skip
