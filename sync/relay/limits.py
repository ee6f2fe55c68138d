"""Request bodies within deadlines and a byte budget (docs/RELAY.md, "Slow clients").

``BodyGuard`` is the outermost ASGI middleware: it alone reads each request body from
the server, with a deadline per chunk and one for the whole body, and takes every byte
from a budget per client address and a relay-wide one before holding it. A request the
budget cannot take is answered 503 at once instead of being buffered; its bytes go back
to the budget when the request's answer is sent. The application then reads the body
from memory, so no route ever waits on a slow client.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.relay import logs


@dataclass
class ByteBudget:
    """Bytes of request bodies held, per client address and in total (event loop only)."""

    per_client: int
    total: int
    used: int = 0
    by_client: dict[str, int] = field(default_factory=dict)

    def take(self, client: str, size: int) -> bool:
        mine = self.by_client.get(client, 0)
        if mine + size > self.per_client or self.used + size > self.total:
            return False
        self.by_client[client] = mine + size
        self.used += size
        return True

    def give_back(self, client: str, size: int) -> None:
        if size <= 0:
            return
        self.used -= size
        left = self.by_client.get(client, 0) - size
        if left > 0:
            self.by_client[client] = left
        else:
            self.by_client.pop(client, None)


class _RefusedError(Exception):
    def __init__(self, status: int, message: str, reason: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason


async def send_refusal(send: Send, status: int, message: str) -> None:
    """A JSON error that also closes the connection, so the rest of the body is never read."""
    body = json.dumps({"error": message}, separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode()), (b"connection", b"close")]  # fmt: skip
    if status == 503:
        headers.append((b"retry-after", b"1"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyGuard:
    """Reads the body first: 408 when it is too slow, 413 when too large, 503 over budget."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        budget: ByteBudget,
        limit: int,
        idle_timeout: float,
        total_timeout: float,
    ) -> None:
        self.app = app
        self.budget = budget
        self.limit = limit
        self.idle_timeout = idle_timeout
        self.total_timeout = total_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length", b"")
        declared = int(length) if length.isdigit() else None
        if declared == 0 or (declared is None and b"transfer-encoding" not in headers):
            await self.app(scope, receive, send)  # no body to wait for
            return
        client = scope.get("client")
        key = str(client[0]) if client else "unknown"
        held = 0
        try:
            if declared is not None:
                if declared > self.limit:
                    raise _RefusedError(413, "request too large", "too large")
                if not self.budget.take(key, declared):
                    raise _RefusedError(503, "relay busy", "over byte budget")
                held = declared
            chunks, held = await self._read(receive, key, held)
            if chunks is None:
                return  # the client went away
            await self.app(scope, _replay(chunks, receive), send)
        except _RefusedError as refusal:
            logs.event("request_refused", status=refusal.status, reason=refusal.reason)
            await send_refusal(send, refusal.status, refusal.message)
        finally:
            self.budget.give_back(key, held)

    async def _read(self, receive: Receive, key: str, held: int) -> tuple[deque[bytes] | None, int]:
        """All body chunks, taking bytes beyond ``held`` from the budget as they arrive."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.total_timeout
        chunks: deque[bytes] = deque()
        received = 0
        more = True
        while more:
            wait = min(self.idle_timeout, deadline - loop.time())
            try:
                if wait <= 0:
                    raise TimeoutError
                message = await asyncio.wait_for(receive(), wait)
            except TimeoutError:
                raise _RefusedError(408, "request timeout", "body too slow") from None
            if message["type"] != "http.request":
                return None, held
            body: bytes = message.get("body", b"")
            received += len(body)
            if received > self.limit:
                raise _RefusedError(413, "request too large", "too large")
            if received > held:
                if not self.budget.take(key, received - held):
                    raise _RefusedError(503, "relay busy", "over byte budget")
                held = received
            if body:
                chunks.append(body)
            more = bool(message.get("more_body", False))
        return chunks, held


def _replay(chunks: deque[bytes], receive: Receive) -> Receive:
    """The body from memory (each chunk released once handed on), then the real stream."""
    done = False

    async def replay() -> Message:
        nonlocal done
        if done:
            return await receive()  # e.g. a disconnect while the answer streams
        body = chunks.popleft() if chunks else b""
        done = not chunks
        return {"type": "http.request", "body": body, "more_body": not done}

    return replay
