"""A full disk under the vault: a small tmpfs, filled to the last byte, then an import and a
sync that must both fail with a clear, typed error, leave nothing half-done and damage
nothing; once there is room again the same operations succeed, each message exactly once.

Mounting needs root (CI runs as root). Without root, or where the kernel refuses the mount
(a container without CAP_SYS_ADMIN), the test is skipped with that reason; when the ``CI``
environment variable is set a refused mount fails the test instead, so CI never skips it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from delegate_app.core.documents.library import Library
from delegate_app.core.errors import VaultFullError
from tests.cli.helpers import delegatectl
from tests.faults import report
from tests.faults.clients import mail_of
from tests.relay_server import RelayProcess
from tests.sync.profiles import Peer, create_profiles, introduce, sync_peer

DISK_BYTES = 8 * 1024 * 1024
EARLIER_MESSAGES = 20
LATER_MESSAGES = 50
MARKER = "zq-full-disk-marker"


class SmallDisk:
    def __init__(self, mountpoint: Path) -> None:
        self.root = mountpoint
        self.filler = mountpoint / "filler"

    def fill(self) -> int:
        """Write until the disk refuses even one more byte; returns the bytes written."""
        written = 0
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for size in (1 << 20, 1 << 16, 1 << 12, 1 << 9, 1):  # bounded: the disk is small
                block = b"\xa5" * size
                while True:
                    try:
                        written += os.write(fd, block)
                    except OSError:
                        break
        finally:
            os.close(fd)
        assert os.statvfs(self.root).f_bavail == 0
        return written

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)


def _mount_refused(reason: str) -> None:
    message = f"cannot mount a tmpfs to fill: {reason}"
    if os.environ.get("CI"):
        pytest.fail(message + " (on CI this test must run)")
    pytest.skip(message)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    if os.geteuid() != 0:
        _mount_refused("not running as root")
    mountpoint = tmp_path / "small-disk"
    mountpoint.mkdir()
    size = f"size={DISK_BYTES},mode=0700"
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", size, "tmpfs", str(mountpoint)],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    if mounted.returncode != 0:
        _mount_refused(mounted.stderr.strip() or f"mount exited {mounted.returncode}")
    try:
        yield SmallDisk(mountpoint)
    finally:
        unmount = ["umount", str(mountpoint)]
        if subprocess.run(unmount, capture_output=True, check=False, timeout=30).returncode:
            subprocess.run(["umount", "-l", str(mountpoint)], check=False, timeout=30)


def _integrity(peer: Peer) -> list[str]:
    with peer.unlocked() as room:
        return room.db.integrity_check()


@pytest.mark.faults
def test_full_disk_gives_a_typed_error_and_damages_nothing(
    tmp_path: Path, relay: RelayProcess, small_disk: SmallDisk
) -> None:
    stats = report.scenario("full disk under the vault")
    (amina,) = create_profiles(tmp_path / "roomy", 1, relay.url)
    (boris,) = create_profiles(small_disk.root, 1, relay.url, first=1)
    introduce([amina, boris])
    sent = set()
    with amina.db_transaction() as room:
        for n in range(EARLIER_MESSAGES):
            sent.add(f"earlier {n}")
            room.messenger.send_text(boris.name, f"earlier {n}")
    sync_peer(amina)
    sync_peer(boris)
    library = Library(boris.vault.db, boris.policy)
    earlier = library.import_bytes("earlier.md", b"# Earlier paper\n\nKept safe.\n")
    assert len(mail_of(boris).incoming) == EARLIER_MESSAGES

    # Later mail waits on the relay; the WAL is folded away, then the disk is filled.
    with amina.db_transaction() as room:
        for n in range(LATER_MESSAGES):
            sent.add(f"later {n}")
            room.messenger.send_text(boris.name, f"later {n}")
    sync_peer(amina)
    boris.vault.db.checkpoint()
    small_disk.fill()

    big = f"# Failed paper {MARKER}\n\n" + "Paragraph of the annex. " * 20_000
    with pytest.raises(VaultFullError):
        library.import_bytes("annex.md", big.encode())
    assert [d.id for d in library.documents()] == [earlier.id]
    assert library.search(MARKER) == []
    with pytest.raises(VaultFullError):
        sync_peer(boris)
    stats.rounds += 1
    stats.extra["typed errors"] += 2
    assert len(mail_of(boris).incoming) == EARLIER_MESSAGES  # nothing half-received...
    with boris.unlocked() as room:
        owed = room.db.query("SELECT count(*) FROM pending_acks")[0][0]
        refused = room.db.query("SELECT count(*) FROM inbox_rejected")[0][0]
    assert owed == 0  # ...no acknowledgement owed for what was not stored...
    assert refused == 0  # ...and no envelope refused because the disk was full
    boris.close()

    # The command line says so in one line, no traceback.
    annex = tmp_path / "annex.md"
    annex.write_text(big, encoding="utf-8")
    for args in (("docs", "import", str(annex)), ("sync", "--once")):
        result = delegatectl(*args, "--profile", str(boris.root))
        assert result.returncode == 1, result.stdout
        assert result.stderr.startswith("delegatectl: ") and "disk is full" in result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    stats.extra["typed errors"] += 2

    # Nothing was damaged: it unlocks (still full), the database is sound, earlier data intact.
    assert _integrity(boris) == ["ok"]
    assert len(mail_of(boris).incoming) == EARLIER_MESSAGES

    # Room again: the same operations succeed and every message arrives exactly once.
    small_disk.free()
    with boris.unlocked() as room:
        library = Library(room.db, boris.policy)
        library.import_bytes("annex.md", big.encode())
        assert len(library.search(MARKER)) == 1
    sync_peer(boris)
    assert _integrity(boris) == ["ok"]
    incoming = mail_of(boris).incoming
    lost, duplicated = stats.reconcile(sent, incoming)
    assert (lost, duplicated) == (0, 0)
