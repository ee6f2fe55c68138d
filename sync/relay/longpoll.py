"""Long-poll fetches: bounded waiting slots, and a wait that ends when the client leaves.

A waiting fetch holds a connection and a little memory for up to ``max_wait_seconds``; the
slots cap that per client address and in total (docs/RELAY.md, "Live delivery"). A fetch
that finds no slot is answered at once, like a fetch without ``wait``: never an error.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from starlette.types import Receive

from sync.relay.notifier import Watch

#: The response header of every fetch: the seconds this relay would wait for this request
#: (``0`` when it was asked not to wait, or when every waiting slot is taken).
WAIT_HEADER = "X-Delegate-Wait"

WaitOutcome = Literal["woken", "timeout", "gone"]


@dataclass
class WaiterSlots:
    """Waiting fetches, per client address and in total (event loop only)."""

    per_client: int
    total: int
    used: int = 0
    by_client: dict[str, int] = field(default_factory=dict)

    @contextlib.contextmanager
    def hold(self, client: str) -> Iterator[bool]:
        """True (and a slot held for the block) unless a bound is reached (False)."""
        mine = self.by_client.get(client, 0)
        if mine >= self.per_client or self.used >= self.total:
            yield False
            return
        self.by_client[client] = mine + 1
        self.used += 1
        try:
            yield True
        finally:
            self.used -= 1
            left = self.by_client.get(client, 0) - 1
            if left > 0:
                self.by_client[client] = left
            else:
                self.by_client.pop(client, None)


async def wait_for_deposit(watch: Watch, timeout: float, receive: Receive) -> WaitOutcome:
    """Until ``watch`` is woken, the timeout passes (or the notifier closes), or the client
    disconnects. ``receive`` is the request's ASGI receive, its body already read."""
    woken = asyncio.ensure_future(watch.wait(timeout))
    gone = asyncio.ensure_future(_disconnected(receive))
    try:
        await asyncio.wait((woken, gone), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (woken, gone):
            task.cancel()
        await asyncio.gather(woken, gone, return_exceptions=True)
    if gone.done() and not gone.cancelled() and gone.exception() is None:
        return "gone"
    if woken.done() and not woken.cancelled() and woken.exception() is None and woken.result():
        return "woken"
    return "timeout"


async def _disconnected(receive: Receive) -> None:
    """Returns once the client has gone (a GET has no more body to read)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
