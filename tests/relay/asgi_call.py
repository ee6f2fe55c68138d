"""One HTTP request straight into the relay's ASGI app, from a chosen client address.

For what a loopback socket cannot show: an answer to a client on another machine, and the
relay after its database connection failed underneath it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import ASGIApp, Message


def call(app: ASGIApp, path: str, client: str = "127.0.0.1") -> tuple[int, bytes]:
    """``GET path`` from ``client``; the status and body of the answer."""
    answer: dict[str, Any] = {"body": b""}
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"relay.test")], "client": (client, 40000),
        "server": ("127.0.0.1", 8787),
    }  # fmt: skip

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    async def run() -> None:
        await app(scope, receive, send)

    asyncio.run(run())
    return int(answer["status"]), bytes(answer["body"])
