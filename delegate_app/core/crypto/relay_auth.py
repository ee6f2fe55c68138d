"""Signing relay requests with the mailbox key (see docs/PROTOCOL.md, "Relay authentication")."""

from __future__ import annotations

import hashlib

import nacl.utils

from delegate_app.core.crypto.identity import MailboxKey

LABEL = "delegate-relay-v1"


def canonical_request(
    method: str, path_with_query: str, body: bytes, timestamp: int, nonce: str
) -> bytes:
    return "\n".join(
        (
            LABEL,
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
) -> str:
    """Hex Ed25519 signature for the ``X-Delegate-Signature`` header."""
    return mailbox_key.sign(
        canonical_request(method, path_with_query, body, timestamp, nonce)
    ).hex()


def relay_auth_headers(
    mailbox_key: MailboxKey, method: str, path_with_query: str, body: bytes, timestamp: int
) -> dict[str, str]:
    nonce = new_nonce()
    return {
        "X-Delegate-Timestamp": str(int(timestamp)),
        "X-Delegate-Nonce": nonce,
        "X-Delegate-Signature": sign_relay_request(
            mailbox_key, method, path_with_query, body, timestamp, nonce
        ),
    }
