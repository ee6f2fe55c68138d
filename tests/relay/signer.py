"""An independent reference signer for relay requests (PyNaCl directly, as a third party would).

It signs ``delegate-relay-v2`` for the origin of ``base_url`` (a loopback URL, already in
normal form) unless told to sign another origin, or the deprecated v1 (``origin=""``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from typing import Any
from urllib.parse import urlsplit

import nacl.signing
import requests


class MailboxOwner:
    def __init__(
        self,
        base_url: str,
        key: nacl.signing.SigningKey | None = None,
        *,
        origin: str | None = None,
    ) -> None:
        self.base_url = base_url
        self.key = key or nacl.signing.SigningKey.generate()
        self.session = requests.Session()
        self.token = os.urandom(32)  # the deposit token its card would carry
        parts = urlsplit(base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}" if origin is None else origin

    @property
    def mailbox(self) -> str:
        return bytes(self.key.verify_key).hex()

    def headers(
        self,
        method: str,
        path: str,
        body: bytes,
        *,
        timestamp: int | None = None,
        nonce: str | None = None,
        key: nacl.signing.SigningKey | None = None,
        origin: str | None = None,
    ) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or os.urandom(16).hex()
        signed_for = self.origin if origin is None else origin
        head = ["delegate-relay-v2", signed_for] if signed_for else ["delegate-relay-v1"]
        message = "\n".join(
            [*head, method, path, hashlib.sha256(body).hexdigest(), ts, nonce]
        ).encode()
        signature = (key or self.key).sign(message).signature.hex()
        headers = {"X-Delegate-Timestamp": ts, "X-Delegate-Nonce": nonce,
                   "X-Delegate-Signature": signature}  # fmt: skip
        if signed_for:
            headers["X-Delegate-Origin"] = signed_for
        return headers

    @property
    def verifier(self) -> str:
        """docs/PROTOCOL.md §2.1, written again: hex(SHA-256("dlg-deposit-v1" || token))."""
        return hashlib.sha256(b"dlg-deposit-v1" + self.token).hexdigest()

    def register(self, verifier: str | None = None) -> requests.Response:
        path = f"/v1/mailboxes/{self.mailbox}/verifier"
        body = json.dumps({"verifier": verifier or self.verifier}).encode()
        headers = {**self.headers("PUT", path, body), "Content-Type": "application/json"}
        return self.session.put(self.base_url + path, data=body, headers=headers, timeout=10)

    def deposit(
        self,
        envelopes: list[tuple[str, bytes]],
        mailbox: str | None = None,
        token: bytes | None = None,
    ) -> requests.Response:
        """Deposit as a sender would; ``token`` is the deposit token of the recipient's card."""
        body = {
            "envelopes": [{"id": i, "data": base64.b64encode(d).decode()} for i, d in envelopes]
        }
        headers = {} if token is None else {"X-Delegate-Deposit-Token": token.hex()}
        return self.session.post(
            f"{self.base_url}/v1/mailboxes/{mailbox or self.mailbox}/envelopes",
            json=body,
            headers=headers,
            timeout=10,
        )

    def put_blob(
        self, blob_id: str, data: bytes, offset: int = 0, *, capability: bool = True
    ) -> requests.Response:
        """Upload a blob part charged to this owner's mailbox (its own deposit token)."""
        headers = {"Content-Type": "application/octet-stream"}
        if capability:
            headers |= {"X-Delegate-Mailbox": self.mailbox,
                        "X-Delegate-Deposit-Token": self.token.hex()}  # fmt: skip
        return self.session.put(
            f"{self.base_url}/v1/blobs/{blob_id}?offset={offset}",
            data=data,
            headers=headers,
            timeout=10,
        )

    def fetch(self, after: int = 0, limit: int = 100, **signing: Any) -> requests.Response:
        path = f"/v1/mailboxes/{self.mailbox}/envelopes?after={after}&limit={limit}"
        return self.session.get(
            self.base_url + path, headers=self.headers("GET", path, b"", **signing), timeout=10
        )

    def ack(self, ids: list[str]) -> requests.Response:
        path = f"/v1/mailboxes/{self.mailbox}/ack"
        body = json.dumps({"ids": ids}).encode()
        headers = {**self.headers("POST", path, body), "Content-Type": "application/json"}
        return self.session.post(self.base_url + path, data=body, headers=headers, timeout=10)

    def wipe(self) -> requests.Response:
        path = f"/v1/mailboxes/{self.mailbox}"
        return self.session.delete(
            self.base_url + path, headers=self.headers("DELETE", path, b""), timeout=10
        )


def envelope_id(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()[:32]
