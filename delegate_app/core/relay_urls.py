"""Relay addresses: normalised origins, and whether a relay someone named is one we trust.

A relay URL another party wrote (an attachment descriptor's ``relay``) is never requested as
written: only its *origin* (scheme, host, port) is compared with the relays we already trust,
and a match is fetched from *our* copy of that trusted URL. Path, query, fragment and user
info of the named URL are never used, so nobody can make us send a request of their choosing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Origin:
    scheme: str  # "http" or "https"
    host: str  # lowercase, no trailing dot; IPv6 without brackets
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.port == DEFAULT_PORTS[self.scheme]:
            return f"{self.scheme}://{host}"
        return f"{self.scheme}://{host}:{self.port}"


def origin(url: str | None) -> Origin | None:
    """The origin of an http(s) URL, or None for anything else (no host, bad port, user info)."""
    if not url or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in DEFAULT_PORTS or not host or "@" in parts.netloc:
        return None
    return Origin(scheme, host.lower(), DEFAULT_PORTS[scheme] if port is None else port)


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this computer: ``localhost`` or a loopback IP literal.

    No name is resolved: any other name counts as another computer, whatever DNS says.
    """
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


def plain_http_remote(url: str) -> bool:
    """Whether ``url`` is plain ``http://`` to another computer (or not an http(s) URL at all,
    as with user info, which :func:`origin` refuses).

    Such a relay is contacted only when the policy's ``allow_plain_http_relays`` allows it:
    anyone on the path could read and change what passes in the clear.
    """
    named = origin(url)
    if named is None:
        return True
    return named.scheme == "http" and not is_loopback(named.host)


def base_url(url: str) -> str:
    """A trusted relay URL as the client uses it: no query, fragment or trailing slash."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc}{parts.path}".rstrip("/")


def trusted_match(named: str, trusted: Iterable[str | None]) -> str | None:
    """The first trusted relay (as :func:`base_url`) with the same origin as ``named``, or None.

    ``trusted`` are relay URLs we chose or accepted ourselves (a contact's card, our profile,
    the policy); empty entries are skipped.
    """
    wanted = origin(named)
    if wanted is None:
        return None
    for url in trusted:
        if url and origin(url) == wanted:
            return base_url(url)
    return None
