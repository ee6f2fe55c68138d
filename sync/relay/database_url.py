"""What ``--db`` names: an embedded SQLite file or a PostgreSQL server.

Accepted forms (docs/RELAY.md, "Running with PostgreSQL"):

- a file path, or ``sqlite:///absolute/path`` (``sqlite:relative/path`` too): SQLite;
- ``postgresql://…`` or ``postgres://…``: a libpq connection URL, PostgreSQL.

Anything else that starts with a scheme (``mysql://``, ``postgresql+psycopg://``,
``http://``, ``sqlite://host/…``) is refused: before this check such a value silently became
a SQLite file of that name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgresql", "postgres")
DEFAULT_POOL_SIZE = 10  # PostgreSQL connections per relay process (--db-pool-size)
# Two characters at least, so that a Windows drive letter (``C:\relay.db``) stays a path.
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")


class DatabaseURLError(ValueError):
    """``--db`` names no database this relay can use; the message says why."""


@dataclass(frozen=True)
class SQLiteDatabase:
    path: Path


@dataclass(frozen=True)
class PostgresDatabase:
    url: str  # passed to libpq as it is

    @property
    def display(self) -> str:
        """The URL without its password, for messages and logs."""
        return redact(self.url)


Database = SQLiteDatabase | PostgresDatabase


def parse_database(value: str) -> Database:
    """The database ``value`` names, or :class:`DatabaseURLError`."""
    if not value.strip():
        raise DatabaseURLError("--db is empty: give a file path or a postgresql:// URL")
    match = _SCHEME.match(value)
    if match is None:
        return SQLiteDatabase(Path(value))
    scheme = match.group(1)
    rest = value[match.end() :]
    if scheme.lower() == "sqlite":
        if rest.startswith("///"):
            return SQLiteDatabase(Path(rest[2:]))
        if rest and not rest.startswith("/"):
            return SQLiteDatabase(Path(rest))
        raise DatabaseURLError(
            f"--db {redact(value)}: a SQLite URL is sqlite:///absolute/path or sqlite:relative/path"
        )
    if scheme.lower() in POSTGRES_SCHEMES:
        if not rest.startswith("//"):
            raise DatabaseURLError(f"--db {redact(value)}: a PostgreSQL URL is postgresql://…")
        return PostgresDatabase(value)
    raise DatabaseURLError(
        f"--db {redact(value)}: unknown database scheme {scheme!r}; use a file path,"
        " sqlite:///path or postgresql://user@host/dbname"
    )


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***`` (in the authority and in the query)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:***@{host}" if ":" in userinfo else f"{user}@{host}"
    query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
