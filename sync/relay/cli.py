"""``delegate-relay``: run the relay under uvicorn."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from sync.relay import logs
from sync.relay.config import RelayConfig
from sync.relay.origins import bind_origin

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="delegate-relay", description="Blind store-and-forward relay for Delegate."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--db", type=Path, required=True, help="SQLite database file")
    parser.add_argument(
        "--root-path",
        default="",
        help="path prefix when a reverse proxy serves the relay under one",
    )
    parser.add_argument(
        "--public-url",
        action="append",
        default=[],
        metavar="URL",
        help="a URL clients use to reach this relay (repeatable, or a comma list); signed"
        " requests must name its origin. Default: the address it listens on",
    )
    for name, default in RelayConfig().limits().items():
        flag = "--" + name.replace("_", "-")
        parser.add_argument(flag, type=type(default), default=default, help=f"(default {default})")
    return parser


def public_urls(values: Sequence[str], host: str, port: int) -> tuple[str, ...]:
    """The ``--public-url`` values split at commas; without any, the listening address.

    On a loopback address the usual loopback names count too (``localhost``, 127.0.0.1, ::1).
    """
    urls = tuple(u.strip() for value in values for u in value.split(",") if u.strip())
    if urls:
        return urls
    if host in LOOPBACK:
        return tuple(bind_origin(name, port) for name in LOOPBACK)
    return (bind_origin(host, port),)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        import uvicorn

        from sync.relay.app import build_app
        from sync.relay.connections import server_settings
        from sync.relay.storage import SQLiteStorage
    except ImportError:
        print("delegate-relay: install the 'relay' extra (fastapi, uvicorn)", file=sys.stderr)
        return 1
    limits = {name: getattr(args, name) for name in RelayConfig().limits()}
    config = RelayConfig(**limits, public_urls=public_urls(args.public_url, args.host, args.port))
    invalid = config.invalid_fields()
    if invalid:
        flags = ", ".join(
            "--public-url" if name == "public_urls" else "--" + name.replace("_", "-")
            for name in invalid
        )
        print(
            f"delegate-relay: these limits must be positive (and each byte budget at least"
            f" --max-request-bytes, the total at least the per-client one; each public URL"
            f" an http(s) URL): {flags}",
            file=sys.stderr,
        )
        return 2
    try:
        args.db.parent.mkdir(parents=True, exist_ok=True)
        storage = SQLiteStorage(args.db)
    except (OSError, sqlite3.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        print(f"delegate-relay: cannot open {args.db}: {reason}", file=sys.stderr)
        return 1
    logs.configure()
    logs.event("start", host=args.host, port=args.port, public_origins=len(config.public_urls))
    uvicorn.run(
        build_app(storage, config),
        **server_settings(config),
        host=args.host,
        port=args.port,
        root_path=args.root_path,
        log_config=None,  # logs.configure() already routes uvicorn's records as JSON lines
        log_level="warning",
        access_log=False,
        server_header=False,
    )
    storage.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
