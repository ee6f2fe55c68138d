"""The HTTP client of the relay's v1 API (docs/RELAY.md), over ``requests``.

Every request has a timeout. Failures become typed :mod:`sync.client.errors`;
nothing here retries: scheduling and backoff belong to the engine. Requests to
read or empty a mailbox are signed by the mailbox key through a :data:`Signer`
(the crypto core's ``sign_relay_request`` with the key bound), in the v2 form that names
this relay's origin (``X-Delegate-Origin``).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from delegate_app.core.relay_urls import origin, plain_http_remote
from delegate_app.i18n import _
from sync.client.abort import ConnectionTracker, track_connections
from sync.client.errors import (
    BlobNotReadyError,
    BlobOffsetError,
    BlobSizeError,
    PrekeysUnavailableError,
    RelayAuthError,
    RelayDepositRefusedError,
    RelayError,
    RelayPayloadTooLargeError,
    RelayProtocolError,
    RelayQuotaError,
    RelayRateLimitedError,
    RelayRefusedError,
    RelayUnreachableError,
)
from sync.client.prekeys import (
    MAX_CLAIM_ANSWER_BYTES,
    MAX_STATUS_ANSWER_BYTES,
    ClaimedPrekeys,
    OneTimePrekey,
    PrekeyStatus,
    parse_claim,
    parse_prekeys_version,
    parse_status,
    parse_stored,
    upload_body,
)
from sync.client.tls import mount_ca_file

log = logging.getLogger(__name__)

#: (method, path_with_query, body, timestamp, nonce, origin) -> 128 hex chars of signature
Signer = Callable[[str, str, bytes, int, str, str], str]

DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 30.0
PROBE_TIMEOUT = 2.0
DEFAULT_RETRY_AFTER = 5.0
MAX_RETRY_AFTER = 3600.0


TOKEN_HEADER = "X-Delegate-Deposit-Token"  # noqa: S105 (a header name)
WAIT_HEADER = "X-Delegate-Wait"


@dataclass(frozen=True)
class DepositCapability:
    """A mailbox and its deposit token: what a blob upload is charged to."""

    mailbox_id: str
    token: bytes


@dataclass(frozen=True)
class OutgoingEnvelope:
    envelope_id: str  # 32 hex chars
    data: bytes


@dataclass(frozen=True)
class DepositResult:
    accepted: tuple[str, ...]
    duplicates: tuple[str, ...]

    @property
    def stored(self) -> frozenset[str]:
        """Ids the relay now holds (or held and delivered): both count as sent."""
        return frozenset(self.accepted) | frozenset(self.duplicates)


@dataclass(frozen=True)
class FetchedEnvelope:
    envelope_id: str
    data: bytes | None  # None: the relay sent something that is not base64
    cursor: int
    received_at: int


@dataclass(frozen=True)
class FetchResult:
    envelopes: tuple[FetchedEnvelope, ...]
    next_cursor: int
    more: bool
    #: ``X-Delegate-Wait``: the seconds the relay would wait for this fetch (0: it did not),
    #: None when the header is missing (a relay that predates long-polls, RELAY.md).
    waited: int | None = None


@dataclass(frozen=True)
class BlobStatus:
    size: int
    complete: bool
    total: int | None


def _retry_after(response: requests.Response) -> float:
    value = response.headers.get("Retry-After", "")
    try:
        seconds = float(value)
    except ValueError:
        return DEFAULT_RETRY_AFTER
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _waited(value: str | None) -> int | None:
    """The relay's ``X-Delegate-Wait``, or None when missing or not a small number."""
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        return None
    return int(text)


def _error_text(response: requests.Response, body: bytes | None = None) -> str:
    """The relay's ``error`` text; from ``body`` when the answer was already read (bounded)."""
    try:
        data = response.json() if body is None else json.loads(body)
    except ValueError:
        return response.reason or str(response.status_code)
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return str(data["error"])[:200]
    return response.reason or str(response.status_code)


def refusal(base_url: str, *, allow_plain_http: bool = False) -> str | None:
    """Why this client will not contact ``base_url`` at all, or None when it may."""
    if origin(base_url) is None:
        return _("The relay address {url} is not a valid http(s) address.").format(url=base_url)
    if plain_http_remote(base_url) and not allow_plain_http:
        return _(
            "The relay at {url} uses plain http:// and is not on this computer; your"
            " organisation must allow that in its policy (allow_plain_http_relays) before"
            " Delegate contacts it."
        ).format(url=base_url)
    return None


class RelayClient:
    """One relay, one HTTP session. Not thread-safe: one client per worker thread.

    Every request goes through :meth:`_request`, which raises :class:`RelayRefusedError`
    before opening any connection when :func:`refusal` names a reason (plain http to another
    computer is refused unless ``allow_plain_http``). ``ca_file`` names extra certificate
    authorities trusted for https relays, beside the built-in bundle. Redirects are never
    followed: the relay API has none, and one could lead to a plain-http address.
    """

    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
        allow_plain_http: bool = False,
        ca_file: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.refusal = refusal(self.base_url, allow_plain_http=allow_plain_http)
        self._prefix = urlsplit(self.base_url).path.rstrip("/")
        named = origin(self.base_url)
        self.origin = str(named) if named is not None else ""
        self.timeout = (connect_timeout, read_timeout)
        self._session = session or requests.Session()
        if ca_file is not None:
            mount_ca_file(self._session, ca_file)
        self._clock = clock
        self._tracker: ConnectionTracker | None = None

    def close(self) -> None:
        self._session.close()

    def make_abortable(self) -> None:
        """Let :meth:`abort` cut this client's requests in flight (call before any request)."""
        if self._tracker is None:
            self._tracker = track_connections(self._session)

    def abort(self) -> None:
        """From another thread: end the requests in flight at once (they raise
        RelayUnreachableError) and close the session. Needs :meth:`make_abortable`."""
        if self._tracker is not None:
            self._tracker.abort()
        self._session.close()

    def __enter__(self) -> RelayClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ----------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        content_type: str | None = None,
        signer: Signer | None = None,
        timeout: float | tuple[float, float] | None = None,
        stream: bool = False,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        if self.refusal is not None:
            raise RelayRefusedError(self.refusal)
        headers = dict(headers or {})
        if content_type is not None:
            headers["Content-Type"] = content_type
        if signer is not None:
            timestamp = int(self._clock())
            nonce = secrets.token_hex(16)
            signed_path = self._prefix + path
            headers["X-Delegate-Origin"] = self.origin
            headers["X-Delegate-Timestamp"] = str(timestamp)
            headers["X-Delegate-Nonce"] = nonce
            headers["X-Delegate-Signature"] = signer(
                method.upper(), signed_path, body, timestamp, nonce, self.origin
            )
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                data=body if body or method in ("POST", "PUT") else None,
                headers=headers,
                timeout=timeout or self.timeout,
                stream=stream,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            log.info("Relay request failed: %s %s", method, type(exc).__name__)
            raise RelayUnreachableError(
                _("The relay at {url} cannot be reached.").format(url=self.base_url)
            ) from None
        return response

    def _check(
        self,
        response: requests.Response,
        *,
        expect: tuple[int, ...] = (200,),
        body: bytes | None = None,
    ) -> None:
        status = response.status_code
        if status in expect:
            return
        reason = _error_text(response, body)
        response.close()
        if status == 429:
            raise RelayRateLimitedError(
                _("The relay asks to slow down."), retry_after=_retry_after(response)
            )
        if status == 413:
            raise RelayPayloadTooLargeError(
                _("The relay refused a request as too large ({reason}).").format(reason=reason)
            )
        if status == 507:
            raise RelayQuotaError(_("The recipient's mailbox on the relay is full."))
        if status == 403:
            raise RelayDepositRefusedError(
                _(
                    "The relay refused delivery: ask the recipient for their current contact"
                    " card ({reason})."
                ).format(reason=reason)
            )
        if status == 401 and reason == "wrong relay":
            raise RelayAuthError(
                _(
                    "The relay at {url} does not accept requests signed for this address;"
                    " its operator must list it with --public-url."
                ).format(url=self.base_url)
            )
        if status == 401:
            raise RelayAuthError(_("The relay refused our signature; check this computer's clock."))
        if status == 404:
            raise BlobNotReadyError(_("The relay does not have this item (yet)."))
        if status in (408, 502, 503, 504):  # 408: our upload was too slow; try again later
            raise RelayUnreachableError(
                _("The relay at {url} is unavailable.").format(url=self.base_url)
            )
        raise RelayProtocolError(
            _("The relay answered {status}: {reason}").format(status=status, reason=reason),
            status=status,
        )

    def _json(self, response: requests.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            raise RelayProtocolError(
                _("The relay sent an answer that is not JSON."), status=response.status_code
            ) from None
        if not isinstance(data, dict):
            raise RelayProtocolError(_("The relay sent an unexpected answer."))
        return data

    def _read_bounded(self, response: requests.Response, limit: int) -> bytes | None:
        """At most ``limit`` bytes of a streamed answer, then closed; None when it is longer
        (the rest is never read)."""
        body = bytearray()
        try:
            for piece in response.iter_content(chunk_size=4096):
                body += piece
                if len(body) > limit:
                    return None
        except requests.RequestException:
            raise RelayUnreachableError(
                _("The connection to the relay at {url} was lost.").format(url=self.base_url)
            ) from None
        finally:
            response.close()
        return bytes(body)

    def _bounded_json(self, response: requests.Response, limit: int) -> dict[str, Any]:
        """The JSON object of a streamed answer of at most ``limit`` bytes, errors included
        (mapped as :meth:`_check` does); anything longer is RelayProtocolError."""
        body = self._read_bounded(response, limit)
        self._check(response, body=b"" if body is None else body)
        if body is None:
            raise RelayProtocolError(
                _("The relay sent an answer that is too large."), status=response.status_code
            )
        try:
            data = json.loads(body)
        except ValueError:
            raise RelayProtocolError(
                _("The relay sent an answer that is not JSON."), status=response.status_code
            ) from None
        if not isinstance(data, dict):
            raise RelayProtocolError(_("The relay sent an unexpected answer."))
        return data

    @staticmethod
    def _no_prekeys(response: requests.Response) -> None:
        """404 (none published, or a relay without the endpoints) and 405: a typed error."""
        if response.status_code in (404, 405):
            response.close()
            raise PrekeysUnavailableError(_("The relay holds no prekeys for this mailbox."))

    @staticmethod
    def _json_body(payload: Any) -> bytes:
        return json.dumps(payload, separators=(",", ":")).encode("utf-8")

    # -- health ------------------------------------------------------------------------

    def probe(self, timeout: float = PROBE_TIMEOUT) -> bool:
        """A cheap reachability check: ``GET /health`` with a short timeout.

        Raises only :class:`RelayRefusedError` (a relay this client will not contact is not
        "offline"); every other failure is False.
        """
        try:
            response = self._request("GET", "/health", timeout=(timeout, timeout))
        except RelayUnreachableError:
            return False
        ok = response.status_code == 200
        response.close()
        return ok

    def versions(self) -> tuple[str, ...]:
        response = self._request("GET", "/versions")
        self._check(response)
        versions = self._json(response).get("versions")
        if not isinstance(versions, list):
            raise RelayProtocolError(_("The relay sent an unexpected answer."))
        return tuple(str(v) for v in versions)

    def prekeys_version(self) -> int:
        """The prekey endpoints' version the relay advertises in ``/versions`` (0: none)."""
        response = self._request("GET", "/versions", stream=True)
        return parse_prekeys_version(self._bounded_json(response, MAX_STATUS_ANSWER_BYTES))

    # -- prekeys (docs/RELAY.md, "Prekeys") ----------------------------------------------

    def publish_prekeys(
        self,
        mailbox_id: str,
        signer: Signer,
        bundle: bytes,
        one_time_keys: Sequence[OneTimePrekey] = (),
        *,
        replace: bool = False,
    ) -> int:
        """Store our bundle header and add one-time items (signed); with ``replace`` the
        items stored before are deleted first. Returns how many items the relay holds now.
        ValueError for a request the relay would refuse (sizes, more than 100, an id twice)."""
        body = self._json_body(upload_body(bundle, one_time_keys, replace=replace))
        response = self._request(
            "PUT",
            f"/v1/mailboxes/{mailbox_id}/prekeys",
            body=body,
            content_type="application/json",
            signer=signer,
            stream=True,
        )
        self._no_prekeys(response)
        return parse_stored(self._bounded_json(response, MAX_STATUS_ANSWER_BYTES))

    def prekey_status(self, mailbox_id: str, signer: Signer) -> PrekeyStatus:
        """Whether our bundle is published and which one-time items are left (signed)."""
        response = self._request(
            "GET", f"/v1/mailboxes/{mailbox_id}/prekeys", signer=signer, stream=True
        )
        self._no_prekeys(response)
        return parse_status(self._bounded_json(response, MAX_STATUS_ANSWER_BYTES))

    def claim_prekey(self, mailbox_id: str, token: bytes) -> ClaimedPrekeys:
        """Claim a contact's bundle and one one-time item with the deposit token of their
        card. The relay removes the item: a claim is not repeatable.

        Raises PrekeysUnavailableError (nothing published, or an older relay),
        RelayDepositRefusedError (403: our copy of their card is stale), RelayRateLimitedError.
        """
        response = self._request(
            "POST",
            f"/v1/mailboxes/{mailbox_id}/prekeys/claim",
            headers={TOKEN_HEADER: token.hex()},
            stream=True,
        )
        self._no_prekeys(response)
        return parse_claim(self._bounded_json(response, MAX_CLAIM_ANSWER_BYTES))

    # -- mailboxes ---------------------------------------------------------------------

    def deposit(
        self,
        mailbox_id: str,
        envelopes: Sequence[OutgoingEnvelope],
        token: bytes | None = None,
    ) -> DepositResult:
        """Deliver a batch to ``mailbox_id``. Idempotent: a retry reports duplicates.

        ``token`` is the deposit token of the recipient's card (sent as
        ``X-Delegate-Deposit-Token``); a card without one is deposited to without.
        """
        body = self._json_body(
            {
                "envelopes": [
                    {"id": env.envelope_id, "data": base64.b64encode(env.data).decode("ascii")}
                    for env in envelopes
                ]
            }
        )
        response = self._request(
            "POST",
            f"/v1/mailboxes/{mailbox_id}/envelopes",
            body=body,
            content_type="application/json",
            headers=None if token is None else {TOKEN_HEADER: token.hex()},
        )
        self._check(response)
        data = self._json(response)
        accepted, duplicates = data.get("accepted"), data.get("duplicates")
        if not isinstance(accepted, list) or not isinstance(duplicates, list):
            raise RelayProtocolError(_("The relay sent an unexpected answer."))
        return DepositResult(tuple(map(str, accepted)), tuple(map(str, duplicates)))

    def fetch(
        self, mailbox_id: str, signer: Signer, *, after: int, limit: int, wait: int = 0
    ) -> FetchResult:
        """A page of envelopes after ``after``. With ``wait`` (seconds, a long-poll) the relay
        holds the request until an envelope arrives or the wait ends; the read timeout grows
        by as much."""
        query = f"after={int(after)}&limit={int(limit)}"
        timeout = None
        if wait > 0:
            query += f"&wait={int(wait)}"
            timeout = (self.timeout[0], self.timeout[1] + wait)
        response = self._request(
            "GET", f"/v1/mailboxes/{mailbox_id}/envelopes?{query}", signer=signer, timeout=timeout
        )
        self._check(response)
        data = self._json(response)
        items = data.get("envelopes")
        next_cursor = data.get("next_cursor")
        if not isinstance(items, list) or not isinstance(next_cursor, int):
            raise RelayProtocolError(_("The relay sent an unexpected answer."))
        envelopes = []
        for item in items:
            if not isinstance(item, dict):
                raise RelayProtocolError(_("The relay sent an unexpected answer."))
            envelopes.append(self._parse_fetched(item))
        return FetchResult(
            tuple(envelopes),
            next_cursor,
            bool(data.get("more", False)),
            _waited(response.headers.get(WAIT_HEADER)),
        )

    @staticmethod
    def _parse_fetched(item: dict[str, Any]) -> FetchedEnvelope:
        envelope_id, cursor = item.get("id"), item.get("cursor")
        if not isinstance(envelope_id, str) or not isinstance(cursor, int):
            raise RelayProtocolError(_("The relay sent an unexpected answer."))
        raw = item.get("data")
        data: bytes | None
        try:
            data = base64.b64decode(raw, validate=True) if isinstance(raw, str) else None
        except (binascii.Error, ValueError):
            data = None
        received = item.get("received_at")
        return FetchedEnvelope(
            envelope_id, data, cursor, received if isinstance(received, int) else 0
        )

    def ack(self, mailbox_id: str, signer: Signer, envelope_ids: Sequence[str]) -> int:
        body = self._json_body({"ids": list(envelope_ids)})
        response = self._request(
            "POST",
            f"/v1/mailboxes/{mailbox_id}/ack",
            body=body,
            content_type="application/json",
            signer=signer,
        )
        self._check(response)
        deleted = self._json(response).get("deleted", 0)
        return int(deleted) if isinstance(deleted, int) else 0

    def register_verifier(
        self, mailbox_id: str, signer: Signer, verifier: str, *, end_tokenless: bool = False
    ) -> bool:
        """Tell the relay our deposit token's verifier (signed, idempotent).

        ``end_tokenless`` also ends the tokenless grace of our mailbox for good
        (``"tokenless": false``, docs/RELAY.md "Deposit tokens"): once every contact holds a
        card with our deposit token, deposits without one are refused from then on.
        False when the relay predates deposit tokens (404 or 405): it accepts deposits
        without, so there is nothing to register.
        """
        payload: dict[str, object] = {"verifier": verifier}
        if end_tokenless:
            payload["tokenless"] = False
        response = self._request(
            "PUT",
            f"/v1/mailboxes/{mailbox_id}/verifier",
            body=self._json_body(payload),
            content_type="application/json",
            signer=signer,
        )
        if response.status_code in (404, 405):
            response.close()
            return False
        self._check(response)
        response.close()
        return True

    def wipe(self, mailbox_id: str, signer: Signer) -> int:
        response = self._request("DELETE", f"/v1/mailboxes/{mailbox_id}", signer=signer)
        self._check(response)
        deleted = self._json(response).get("deleted", 0)
        return int(deleted) if isinstance(deleted, int) else 0

    # -- blobs -------------------------------------------------------------------------

    def blob_status(self, blob_id: str) -> BlobStatus | None:
        """The relay's view of a blob, or None when it holds nothing of it."""
        response = self._request("GET", f"/v1/blobs/{blob_id}/status")
        try:
            self._check(response)
        except BlobNotReadyError:
            return None
        data = self._json(response)
        size, total = data.get("size"), data.get("total")
        if not isinstance(size, int):
            raise RelayProtocolError(_("The relay sent an unexpected answer."))
        return BlobStatus(
            size, bool(data.get("complete", False)), total if isinstance(total, int) else None
        )

    def blob_put(
        self,
        blob_id: str,
        offset: int,
        data: bytes,
        capability: DepositCapability | None = None,
    ) -> None:
        """Append ``data`` at ``offset``. BlobOffsetError carries the relay's size on mismatch.

        ``capability`` (our own mailbox and deposit token) charges the blob to our mailbox.
        """
        headers = None
        if capability is not None:
            headers = {"X-Delegate-Mailbox": capability.mailbox_id,
                       TOKEN_HEADER: capability.token.hex()}  # fmt: skip
        response = self._request(
            "PUT",
            f"/v1/blobs/{blob_id}?offset={int(offset)}",
            body=data,
            content_type="application/octet-stream",
            headers=headers,
        )
        if response.status_code == 409:
            current = self._json(response).get("offset")
            if not isinstance(current, int):
                raise RelayProtocolError(_("The relay sent an unexpected answer."), status=409)
            raise BlobOffsetError(
                _("The relay holds a different part of this upload."), offset=current
            )
        self._check(response, expect=(200, 201, 204))
        response.close()

    def blob_complete(self, blob_id: str, total: int) -> None:
        response = self._request(
            "POST",
            f"/v1/blobs/{blob_id}/complete",
            body=self._json_body({"total": int(total)}),
            content_type="application/json",
        )
        if response.status_code == 409:
            data = self._json(response)
            current = data.get("offset", data.get("size", -1))
            raise BlobOffsetError(
                _("The relay holds a different part of this upload."),
                offset=current if isinstance(current, int) else -1,
            )
        self._check(response, expect=(200, 201, 204))
        response.close()

    def blob_get(
        self,
        blob_id: str,
        offset: int,
        *,
        expect: int | None = None,
        piece_size: int = 256 * 1024,
    ) -> Iterator[bytes]:
        """Stream a complete blob from ``offset``. A cut connection raises RelayUnreachableError.

        With ``expect`` (the bytes the descriptor says remain) a ``Content-Length`` other than
        that is refused before the body is read, and the stream is cut with BlobSizeError as
        soon as more bytes arrive (the piece that overflows is never yielded).
        """
        response = self._request("GET", f"/v1/blobs/{blob_id}?offset={int(offset)}", stream=True)
        self._check(response)
        try:
            length = response.headers.get("Content-Length")
            if expect is not None and length is not None and length.strip() != str(expect):
                raise BlobSizeError(
                    _(
                        "The relay offered {got} bytes of an attachment where {expected} remain."
                    ).format(got=length.strip()[:20], expected=expect)
                )
            received = 0
            try:
                for piece in response.iter_content(chunk_size=piece_size):
                    received += len(piece)
                    if expect is not None and received > expect:
                        raise BlobSizeError(
                            _("The relay sent more bytes of an attachment than it has.")
                        )
                    yield piece
            except requests.RequestException:
                raise RelayUnreachableError(
                    _("The connection to the relay at {url} was lost.").format(url=self.base_url)
                ) from None
        finally:
            response.close()


__all__ = [
    "BlobStatus",
    "ClaimedPrekeys",
    "DepositCapability",
    "DepositResult",
    "FetchResult",
    "FetchedEnvelope",
    "OneTimePrekey",
    "OutgoingEnvelope",
    "PrekeyStatus",
    "RelayClient",
    "RelayError",
    "RelayRefusedError",
    "Signer",
    "refusal",
]
