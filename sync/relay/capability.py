"""Deposit tokens: the capability in a contact card that lets its holders deposit.

The relay never sees a token at rest: the mailbox owner registers only its verifier,
``hex(SHA-256("dlg-deposit-v1" || token))``; a deposit's ``X-Delegate-Deposit-Token`` (the
token as 64 lowercase hex) is hashed and compared with every valid verifier in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable

LABEL = b"dlg-deposit-v1"
_HEX64 = re.compile(r"[0-9a-f]{64}")


def verifier(token: bytes) -> str:
    return hashlib.sha256(LABEL + token).hexdigest()


def token_matches(token_hex: str, verifiers: Iterable[str]) -> bool:
    """Whether the header value is a well-formed token whose verifier is one of ``verifiers``."""
    if not _HEX64.fullmatch(token_hex):
        return False
    candidate = verifier(bytes.fromhex(token_hex)).encode("ascii")
    found = False
    for known in verifiers:  # no early exit: the time does not say which one matched
        found |= hmac.compare_digest(candidate, known.encode("ascii"))
    return found
