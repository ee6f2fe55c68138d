"""Signing relay requests with the mailbox key (see docs/PROTOCOL.md, "Relay authentication").

The client signs ``delegate-relay-v2``, which names the origin of the relay the request is
for, so that a captured request cannot be replayed at another relay. The v1 form (no
origin) is kept only to document and test what old clients send.
"""

from __future__ import annotations

import hashlib

import nacl.utils

from delegate_app.core.crypto.identity import MailboxKey

LABEL = "delegate-relay-v1"
LABEL_V2 = "delegate-relay-v2"


def canonical_request(
    method: str,
    path_with_query: str,
    body: bytes,
    timestamp: int,
    nonce: str,
    origin: str | None = None,
) -> bytes:
    """The signed text: v2 with the relay's ``origin`` (normalised), v1 without."""
    head = (LABEL,) if origin is None else (LABEL_V2, origin)
    return "\n".join(
        (
            *head,
            method.upper(),
            path_with_query,
            hashlib.sha256(body).hexdigest(),
            str(int(timestamp)),
            nonce,
        )
    ).encode("utf-8")


def new_nonce() -> str:
    return bytes(nacl.utils.random(16)).hex()


def sign_relay_request(
    mailbox_key: MailboxKey,
    method: str,
    path_with_query: str,
    body: bytes,
    timestamp: int,
    nonce: str,
    origin: str | None = None,
) -> str:
    """Hex Ed25519 signature for the ``X-Delegate-Signature`` header."""
    return mailbox_key.sign(
        canonical_request(method, path_with_query, body, timestamp, nonce, origin)
    ).hex()


def relay_auth_headers(
    mailbox_key: MailboxKey,
    method: str,
    path_with_query: str,
    body: bytes,
    timestamp: int,
    origin: str,
) -> dict[str, str]:
    """The v2 headers for a request to the relay at ``origin`` (``scheme://host[:port]``)."""
    nonce = new_nonce()
    return {
        "X-Delegate-Origin": origin,
        "X-Delegate-Timestamp": str(int(timestamp)),
        "X-Delegate-Nonce": nonce,
        "X-Delegate-Signature": sign_relay_request(
            mailbox_key, method, path_with_query, body, timestamp, nonce, origin
        ),
    }
