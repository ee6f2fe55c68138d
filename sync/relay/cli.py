"""``delegate-relay``: run the relay under uvicorn."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path

from sync.relay import logs
from sync.relay.config import RelayConfig


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
    defaults = RelayConfig()
    for field in fields(RelayConfig):
        flag = "--" + field.name.replace("_", "-")
        parser.add_argument(
            flag, type=type(getattr(defaults, field.name)), default=getattr(defaults, field.name),
            help=f"(default {getattr(defaults, field.name)})",
        )  # fmt: skip
    return parser


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
    config = RelayConfig(**{f.name: getattr(args, f.name) for f in fields(RelayConfig)})
    invalid = config.invalid_fields()
    if invalid:
        flags = ", ".join("--" + name.replace("_", "-") for name in invalid)
        print(
            f"delegate-relay: these limits must be positive (and each byte budget at least"
            f" --max-request-bytes, the total at least the per-client one): {flags}",
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
    logs.event("start", host=args.host, port=args.port)
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
