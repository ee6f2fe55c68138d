"""Deposit tokens (docs/PROTOCOL.md §2.1): the capability in our card that lets its holders
deposit to our mailbox. The relay is given only the verifier, never the token itself."""

from __future__ import annotations

import hashlib

import nacl.utils

DEPOSIT_LABEL = b"dlg-deposit-v1"
TOKEN_BYTES = 32


def new_deposit_token() -> bytes:
    return bytes(nacl.utils.random(TOKEN_BYTES))


def deposit_verifier(token: bytes) -> str:
    """``hex(SHA-256("dlg-deposit-v1" || token))``, what the owner registers at its relay."""
    return hashlib.sha256(DEPOSIT_LABEL + token).hexdigest()
