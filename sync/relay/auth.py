"""Verifying mailbox-owner signatures (docs/RELAY.md, "Signed requests").

The mailbox id is the owner's Ed25519 public key, so no account or registration is
needed: whoever holds the key may read and empty the mailbox, nobody else.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

import nacl.exceptions
import nacl.signing

LABEL = "delegate-relay-v1"
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_NONCE = re.compile(r"[0-9a-f]{32}")
_SIGNATURE = re.compile(r"[0-9a-f]{128}")


class AuthError(Exception):
    """The request is not signed by the mailbox owner (message is deliberately generic)."""


def canonical(method: str, path_with_query: str, body: bytes, timestamp: str, nonce: str) -> bytes:
    body_hash = hashlib.sha256(body).hexdigest()
    return "\n".join((LABEL, method.upper(), path_with_query, body_hash, timestamp, nonce)).encode()


def verify_request(
    *,
    mailbox: str,
    method: str,
    path_with_query: str,
    body: bytes,
    headers: Mapping[str, str],
    now: int,
    skew: int,
) -> tuple[str, int]:
    """Check the signature headers; returns (nonce, timestamp) for the replay check."""
    timestamp = headers.get("x-delegate-timestamp", "")
    nonce = headers.get("x-delegate-nonce", "")
    signature = headers.get("x-delegate-signature", "")
    if not (
        _TIMESTAMP.fullmatch(timestamp)
        and _NONCE.fullmatch(nonce)
        and _SIGNATURE.fullmatch(signature)
    ):
        raise AuthError("missing or malformed signature headers")
    moment = int(timestamp)
    if abs(moment - now) > skew:
        raise AuthError("request timestamp outside the allowed window")
    try:
        nacl.signing.VerifyKey(bytes.fromhex(mailbox)).verify(
            canonical(method, path_with_query, body, timestamp, nonce), bytes.fromhex(signature)
        )
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        raise AuthError("signature does not verify") from None
    return nonce, moment
