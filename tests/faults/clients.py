"""Clients as users run them: ``delegatectl`` subprocesses over test profiles."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from delegate_app.core.messaging.models import Direction, MessageState
from tests.conftest import PASSPHRASE
from tests.sync.profiles import Peer


def sync_process(
    peer: Peer, stderr: IO[bytes] | int = subprocess.DEVNULL
) -> subprocess.Popen[bytes]:
    """``delegatectl sync --once`` for ``peer``, started and left running."""
    return subprocess.Popen(
        [sys.executable, "-m", "delegate_app.cli", "sync", "--once", "--profile", str(peer.root)],
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        stdin=subprocess.DEVNULL,
        env=dict(os.environ, DELEGATE_PASSPHRASE=PASSPHRASE),
    )


@contextmanager
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """A list to put started processes in; any still running at the end is killed."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        yield started
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)


@dataclass(frozen=True)
class Mail:
    """One profile's messages as its user sees them."""

    incoming: list[str]
    outgoing: list[str]
    queued: int  # outgoing messages the relay has not accepted yet


def mail_of(peer: Peer) -> Mail:
    with peer.unlocked() as room:
        messages = room.messenger.messages()
    return Mail(
        incoming=[m.body for m in messages if m.direction is Direction.IN],
        outgoing=[m.body for m in messages if m.direction is Direction.OUT],
        queued=sum(
            1 for m in messages if m.direction is Direction.OUT and m.state is MessageState.QUEUED
        ),
    )
