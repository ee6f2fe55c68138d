"""``delegate-relay``: run the relay under uvicorn."""

from __future__ import annotations

import argparse
import socket
import ssl
import sys
from collections.abc import Sequence
from pathlib import Path

from sync.relay import logs
from sync.relay.config import METRICS_MODES, RelayConfig
from sync.relay.database_url import (
    DEFAULT_POOL_SIZE,
    Database,
    DatabaseURLError,
    SQLiteDatabase,
    parse_database,
)
from sync.relay.origins import bind_origin

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="delegate-relay", description="Blind store-and-forward relay for Delegate."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument(
        "--db",
        required=True,
        help="SQLite database file (a path or sqlite:///path) or a postgresql:// URL",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="relay processes on one listening socket (PostgreSQL only; default 1)",
    )
    parser.add_argument(
        "--db-pool-size",
        type=int,
        default=DEFAULT_POOL_SIZE,
        help="PostgreSQL connections per process (default %(default)s)",
    )
    # Set by --workers for the processes it starts (sync/relay/workers.py), never by hand.
    parser.add_argument("--listen-fd", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--parent-fd", type=int, help=argparse.SUPPRESS)
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
    parser.add_argument(
        "--tls-cert",
        type=Path,
        metavar="FILE",
        help="PEM certificate chain: serve HTTPS without a proxy (needs --tls-key)",
    )
    parser.add_argument(
        "--tls-key", type=Path, metavar="FILE", help="PEM private key of --tls-cert"
    )
    parser.add_argument(
        "--metrics",
        choices=METRICS_MODES,
        default=RelayConfig().metrics,
        help="GET /metrics for every client, only for clients on this machine, or not at all"
        " (default %(default)s)",
    )
    for name, default in RelayConfig().limits().items():
        flag = "--" + name.replace("_", "-")
        parser.add_argument(flag, type=type(default), default=default, help=f"(default {default})")
    return parser


def public_urls(
    values: Sequence[str], host: str, port: int, scheme: str = "http"
) -> tuple[str, ...]:
    """The ``--public-url`` values split at commas; without any, the listening address
    (``https://`` when the relay serves TLS itself).

    On a loopback address the usual loopback names count too (``localhost``, 127.0.0.1, ::1).
    """
    urls = tuple(u.strip() for value in values for u in value.split(",") if u.strip())
    if urls:
        return urls
    if host in LOOPBACK:
        return tuple(bind_origin(name, port, scheme) for name in LOOPBACK)
    return (bind_origin(host, port, scheme),)


def tls_problem(cert: Path | None, key: Path | None) -> str | None:
    """Why ``--tls-cert``/``--tls-key`` cannot serve HTTPS, in one line, or None when they can
    (neither given, or both readable and a matching certificate and key)."""
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        return "--tls-cert and --tls-key must be given together"
    for flag, path in (("--tls-cert", cert), ("--tls-key", key)):
        try:
            with path.open("rb"):
                pass
        except OSError as exc:
            return f"cannot read {flag} {path}: {exc.strerror}"
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(cert, key)
    except (ssl.SSLError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or "not a PEM certificate and matching key"
        return f"--tls-cert {cert} and --tls-key {key} do not load: {reason}"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        import uvicorn

        from sync.relay.app import build_app
        from sync.relay.connections import server_settings
        from sync.relay.storage_open import (
            StorageOpenError,
            limiters_for,
            notifier_for,
            open_storage,
        )
        from sync.relay.workers import stop_with_parent, supervise
    except ImportError:
        print("delegate-relay: install the 'relay' extra (fastapi, uvicorn)", file=sys.stderr)
        return 1
    problem = tls_problem(args.tls_cert, args.tls_key)
    if problem is not None:
        print(f"delegate-relay: {problem}", file=sys.stderr)
        return 2
    tls = args.tls_cert is not None
    scheme = "https" if tls else "http"
    limits = {name: getattr(args, name) for name in RelayConfig().limits()}
    config = RelayConfig(
        **limits,
        public_urls=public_urls(args.public_url, args.host, args.port, scheme),
        metrics=args.metrics,
    )
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
        database = parse_database(args.db)
    except DatabaseURLError as exc:
        print(f"delegate-relay: {exc}", file=sys.stderr)
        return 2
    problem = process_problem(args.workers, args.db_pool_size, database)
    if problem is not None:
        print(f"delegate-relay: {problem}", file=sys.stderr)
        return 2
    try:
        storage = open_storage(database, args.db_pool_size)
    except StorageOpenError as exc:
        print(f"delegate-relay: {exc}", file=sys.stderr)
        return 1
    logs.configure()
    if args.listen_fd is None:
        logs.event(
            "start", host=args.host, port=args.port, tls=tls,
            public_origins=len(config.public_urls), workers=args.workers,
        )  # fmt: skip
    if args.workers > 1:
        storage.close()  # the schema is migrated: the workers open their own
        return supervise(argv, args.workers, args.host, args.port)
    limiters, close_limiters = limiters_for(database)
    notifier = notifier_for(database)
    settings = {
        **server_settings(config, on_shutdown=notifier.close),
        "ssl_certfile": str(args.tls_cert) if tls else None,
        "ssl_keyfile": str(args.tls_key) if tls else None,
        "root_path": args.root_path,
        "log_config": None,  # logs.configure() already routes uvicorn's records as JSON lines
        "log_level": "warning",
        "access_log": False,
        "server_header": False,
    }
    app = build_app(storage, config, notifier, limiters)
    if args.listen_fd is None:
        uvicorn.run(app, host=args.host, port=args.port, **settings)
    else:  # a worker of --workers N: the supervisor's socket
        stop_with_parent(args.parent_fd)
        listener = socket.socket(fileno=args.listen_fd)
        uvicorn.Server(uvicorn.Config(app, **settings)).run(sockets=[listener])
    close_limiters()
    storage.close()
    return 0


def process_problem(workers: int, pool_size: int, database: Database) -> str | None:
    """Why ``--workers``/``--db-pool-size`` cannot work with ``database``, or None."""
    if workers < 1 or pool_size < 1:
        return "--workers and --db-pool-size must be positive"
    if workers > 1 and isinstance(database, SQLiteDatabase):
        return (
            "--workers > 1 needs a postgresql:// database: one SQLite file has one writer;"
            " run one process per SQLite file"
        )
    return None


if __name__ == "__main__":
    sys.exit(main())
