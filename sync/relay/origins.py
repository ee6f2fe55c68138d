"""A relay's own public origins, written the way signed v2 requests name them.

The relay imports nothing of the client, so this is a second, deliberately small copy of
the client's normaliser (``delegate_app.core.relay_urls``); a test checks both agree.
"""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_origin(url: str) -> str | None:
    """``scheme://host[:port]``: lowercase, no trailing dot, default port omitted; None if invalid.

    Path, query and fragment are dropped; user info, white space, control characters and
    schemes other than http(s) make the URL invalid.
    """
    if not url or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".").lower()
    if scheme not in DEFAULT_PORTS or not host or "@" in parts.netloc:
        return None
    shown = f"[{host}]" if ":" in host else host
    if port is None or port == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{shown}"
    return f"{scheme}://{shown}:{port}"


def bind_origin(host: str, port: int, scheme: str = "http") -> str:
    """The origin of the address the relay listens on (the default public origin)."""
    shown = f"[{host}]" if ":" in host else host
    return normalise_origin(f"{scheme}://{shown}:{port}") or f"{scheme}://{shown}:{port}"
