"""Every socket connect this process attempts, seen through a real audit hook.

``watching()`` records each ``socket.connect`` address while it is active and refuses
(``ConnectionRefusedError``, before any packet leaves) connects to the hosts it names as
off limits, so a test can prove that a request was never attempted, or that one was
attempted without sending traffic anywhere but loopback.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_active: list[tuple[list[tuple[str, int]], frozenset[str]]] = []


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event != "socket.connect" or not _active:
        return
    address = args[1]
    if not isinstance(address, tuple) or len(address) < 2:
        return
    host, port = str(address[0]), int(address[1])
    seen, blocked = _active[-1]
    seen.append((host, port))
    if host in blocked:
        raise ConnectionRefusedError(f"test forbids connecting to {host}")


sys.addaudithook(_hook)


@contextmanager
def watching(*blocked: str) -> Iterator[list[tuple[str, int]]]:
    """The list of (host, port) connects attempted inside the block; ``blocked`` hosts
    are refused at the connect call."""
    seen: list[tuple[str, int]] = []
    _active.append((seen, frozenset(blocked)))
    try:
        yield seen
    finally:
        _active.pop()
