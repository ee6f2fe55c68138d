"""Baseline for the relay benchmark: a bare ASGI app under uvicorn that answers constants.

``POST`` answers a small deposit-style JSON; ``GET`` answers the bytes of the file given
as the second argument (a real fetch page captured from the relay), so both sides send
responses of the same size.
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn
from starlette.types import Receive, Scope, Send

DEPOSIT = b'{"accepted":[],"duplicates":[]}'
PAGE = Path(sys.argv[2]).read_bytes() if len(sys.argv) > 2 else DEPOSIT


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:  # read the request body, as the relay must
        message = await receive()
        more = bool(message.get("more_body"))
    body = PAGE if scope["method"] == "GET" else DEPOSIT
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
                access_log=False)  # fmt: skip
