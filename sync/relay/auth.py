"""Verifying mailbox-owner signatures (docs/RELAY.md, "Signed requests").

The mailbox id is the owner's Ed25519 public key, so no account or registration is
needed: whoever holds the key may read and empty the mailbox, nobody else.

Two forms are accepted. ``delegate-relay-v2`` (header ``X-Delegate-Origin`` present) also
signs the origin of the relay the request is meant for, so a request captured at one relay
cannot be replayed at another; ``delegate-relay-v1`` (no origin header) is deprecated.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping

import nacl.exceptions
import nacl.signing

from sync.relay.origins import normalise_origin

LABEL = "delegate-relay-v1"
LABEL_V2 = "delegate-relay-v2"
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_NONCE = re.compile(r"[0-9a-f]{32}")
_SIGNATURE = re.compile(r"[0-9a-f]{128}")
_MAX_ORIGIN = 300


class AuthError(Exception):
    """The request is not signed by the mailbox owner (message is deliberately generic)."""


class WrongRelayError(AuthError):
    """A valid v2 signature, but for another relay's origin (a replay, or a misconfiguration)."""


def canonical(
    method: str,
    path_with_query: str,
    body: bytes,
    timestamp: str,
    nonce: str,
    origin: str | None = None,
) -> bytes:
    """The signed text: v2 when ``origin`` is given, else the deprecated v1."""
    body_hash = hashlib.sha256(body).hexdigest()
    head = (LABEL,) if origin is None else (LABEL_V2, origin)
    return "\n".join((*head, method.upper(), path_with_query, body_hash, timestamp, nonce)).encode()


def verify_request(
    *,
    mailbox: str,
    method: str,
    path_with_query: str,
    body: bytes,
    headers: Mapping[str, str],
    now: int,
    skew: int,
    origins: Collection[str],
) -> tuple[str, int]:
    """Check the signature headers; returns (nonce, timestamp) for the replay check.

    ``origins`` are this relay's own public origins (normalised); a v2 request naming
    another one raises :class:`WrongRelayError` once its signature verified.
    """
    timestamp = headers.get("x-delegate-timestamp", "")
    nonce = headers.get("x-delegate-nonce", "")
    signature = headers.get("x-delegate-signature", "")
    origin = headers.get("x-delegate-origin")
    if not (
        _TIMESTAMP.fullmatch(timestamp)
        and _NONCE.fullmatch(nonce)
        and _SIGNATURE.fullmatch(signature)
    ):
        raise AuthError("missing or malformed signature headers")
    if origin is not None and (len(origin) > _MAX_ORIGIN or normalise_origin(origin) != origin):
        raise AuthError("malformed origin header")
    moment = int(timestamp)
    if abs(moment - now) > skew:
        raise AuthError("request timestamp outside the allowed window")
    try:
        nacl.signing.VerifyKey(bytes.fromhex(mailbox)).verify(
            canonical(method, path_with_query, body, timestamp, nonce, origin),
            bytes.fromhex(signature),
        )
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        raise AuthError("signature does not verify") from None
    if origin is not None and origin not in origins:
        raise WrongRelayError("signed for another relay")
    return nonce, moment
