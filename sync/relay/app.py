"""The relay's HTTP API v1 (FastAPI). See docs/RELAY.md for the contract.

Storage calls run in the thread pool, so the event loop keeps parsing other requests
while a commit waits for its fsync.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import ipaddress
import json
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.relay import logs
from sync.relay.auth import AuthError, WrongRelayError, verify_request
from sync.relay.capability import token_matches
from sync.relay.config import RelayConfig
from sync.relay.limits import BodyGuard, ByteBudget
from sync.relay.longpoll import WAIT_HEADER, WaiterSlots, wait_for_deposit
from sync.relay.metrics import CONTENT_TYPE, RelayMetrics, RequestMetrics
from sync.relay.notifier import LocalNotifier, Notifier
from sync.relay.prekeys import (
    MAX_ITEMS_STORED,
    ClaimResponse,
    PrekeyInputError,
    PrekeysRequest,
    PrekeysStored,
    PrekeyStatusResponse,
    b64url_encode,
    parse_upload,
)
from sync.relay.ratelimit import Limiter, LimiterFactory, ask, in_memory
from sync.relay.storage import (
    CARD_POOL,
    OPEN_POOL,
    BlobOwnerError,
    OffsetMismatchError,
    PrekeyLimitError,
    QuotaExceededError,
    Quotas,
    RelayStorage,
    StoredEnvelope,
)

API_VERSIONS = ["v1"]
PREKEYS_VERSION = 1  # advertised by /versions: the prekey endpoints (RELAY.md, "Prekeys")
HEX64 = r"^[0-9a-f]{64}$"
MailboxId = Annotated[
    str, Path(pattern=HEX64, description="the mailbox owner's Ed25519 public key, lowercase hex")
]
BlobId = Annotated[str, Path(pattern=HEX64, description="random capability id, lowercase hex")]
EnvelopeId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
MAX_INT = 2**62


class EnvelopeIn(BaseModel):
    id: EnvelopeId
    data: str = Field(description="standard base64 of the opaque envelope")


class DepositRequest(BaseModel):
    envelopes: list[EnvelopeIn] = Field(min_length=1)


class DepositResponse(BaseModel):
    accepted: list[str]
    duplicates: list[str]


class EnvelopeOut(BaseModel):
    id: str
    data: str
    cursor: int
    received_at: int


class FetchResponse(BaseModel):
    envelopes: list[EnvelopeOut]
    next_cursor: int
    more: bool


class VerifierRequest(BaseModel):
    verifier: Annotated[str, Field(pattern=HEX64)]
    tokenless: Literal[False] | None = Field(
        None, description="false: end the tokenless grace of this mailbox for good"
    )


class VerifierResponse(BaseModel):
    verifier: str
    previous: int


class AckRequest(BaseModel):
    ids: list[EnvelopeId]


class DeletedResponse(BaseModel):
    deleted: int


class BlobStatusResponse(BaseModel):
    size: int
    complete: bool
    total: int | None


class CompleteRequest(BaseModel):
    total: int = Field(ge=0, le=MAX_INT)


class ErrorResponse(BaseModel):
    error: str


class OffsetErrorResponse(BaseModel):
    error: str
    offset: int


class RelayHTTPError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None,
                 extra: dict[str, Any] | None = None) -> None:  # fmt: skip
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.extra = extra or {}


def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(body, status_code=status, headers=headers, media_type="application/json")


def _error(
    status: int, description: str, model: type[BaseModel] = ErrorResponse
) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": model, "description": description}}


RATE = _error(429, "rate limited; see the Retry-After header")
MALFORMED = _error(422, "malformed request")
TOO_LARGE = _error(413, "request or envelope too large")
UNAUTHORIZED = _error(
    401, "not signed by the mailbox owner, stale, a replayed nonce, or signed for another relay"
)
FULL = _error(507, "mailbox, relay storage or open pool full")
FORBIDDEN = _error(403, "no valid deposit token for this registered mailbox")
FULL_MESSAGES = {"mailbox": "mailbox full", "relay": "relay storage full", "open": "open pool full"}
HEX64_HEADER = r"^[0-9a-f]{64}$"
DepositToken = Annotated[
    str | None, Header(description="the deposit token of the owner's card, 64 lowercase hex")
]
DepositMailbox = Annotated[
    str | None,
    Header(pattern=HEX64_HEADER, description="blobs: the mailbox whose deposit token is sent"),
]
UNHEALTHY = _error(503, "the database did not answer; `reason` says why")
NO_PREKEYS = _error(404, "the owner never published prekeys")
OFFSET = _error(409, "offset or size mismatch; `offset` is the current size", OffsetErrorResponse)


async def _send_json(send: Send, status: int, payload: dict[str, Any],
                     headers: dict[str, str] | None = None) -> None:  # fmt: skip
    body = json.dumps(payload, separators=(",", ":")).encode()
    raw_headers = [(b"content-type", b"application/json"),
                   (b"content-length", str(len(body)).encode())]  # fmt: skip
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    """Refuses bodies over ``limit`` bytes with 413, whether or not Content-Length is honest.

    FastAPI's own ``max_body_size`` answers some of these cases in plain text; the
    contract wants every error as JSON, hence this small guard.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await _send_json(send, 413, {"error": "request too large"})
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLargeError:
            if not started:
                await _send_json(send, 413, {"error": "request too large"})


class _BodyTooLargeError(StarletteHTTPException):
    """Raised while reading the body; FastAPI passes HTTP exceptions through to the handler."""

    def __init__(self) -> None:
        super().__init__(413, "request too large")


#: Answers that count as a refused request against the client's address.
REFUSED_STATUSES = frozenset({400, 401, 403, 405, 413, 422})


class RateLimit:
    """429 with Retry-After per client address, counting refused requests separately.

    Every request takes one token of its address's allowance. A request refused with a
    4xx (malformed, unsigned, without a valid deposit token, too large) also takes one of
    the address's *refusal* allowance, and an address that used that up gets 429 for
    everything until it refills. Nothing here is charged to a mailbox or blob: the routes
    charge those only once a request proved valid, so junk aimed at a mailbox costs its
    sender, never the mailbox (docs/RELAY.md, "Rate limits").
    """

    def __init__(self, app: ASGIApp, clients: Limiter, refusals: Limiter) -> None:
        self.app = app
        self.clients = clients
        self.refusals = refusals

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        key = client[0] if client else "unknown"
        try:
            wait = await ask(self.refusals, key, count=False) or await ask(self.clients, key)
        except Exception as exc:  # noqa: BLE001 - limits kept in a database that did not answer
            # Fail closed: a request whose limit cannot be checked is not served, and says the
            # database is unavailable (503, as /v1/health would), never an opaque 500.
            logs.event("rate_limit_unavailable", error=type(exc).__name__)
            await _send_json(send, 503, {"error": "database unavailable"}, {"Retry-After": "5"})
            return
        if wait:
            await _send_json(send, 429, {"error": "rate limited"}, _retry_after(wait))
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in REFUSED_STATUSES:
                with contextlib.suppress(Exception):  # the answer goes out even if this fails
                    await ask(self.refusals, key)
            await send(message)

        await self.app(scope, receive, counting_send)


def _loopback(host: str) -> bool:
    """Whether a client address is on the relay's own machine (no name is resolved)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


def _retry_after(wait: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, int(wait + 0.999)))}


@dataclass(frozen=True)
class _Context:
    """What the request-level dependencies need, kept on ``app.state.relay``."""

    storage: RelayStorage
    config: RelayConfig
    clock: Callable[[], float]
    owner_limiter: Limiter
    origins: frozenset[str]  # this relay's public origins, for v2 signatures


async def _owner(
    request: Request,
    mailbox_id: MailboxId,
    x_delegate_timestamp: Annotated[str | None, Header(description="unix seconds, decimal")] = None,
    x_delegate_nonce: Annotated[str | None, Header(description="32 lowercase hex")] = None,
    x_delegate_signature: Annotated[
        str | None, Header(description="Ed25519 signature, 128 lowercase hex")
    ] = None,
    x_delegate_origin: Annotated[
        str | None, Header(description="v2: the origin of the relay signed for (RELAY.md)")
    ] = None,
) -> str:
    """The mailbox id, once the request is proven to come from its owner (else 401)."""
    ctx: _Context = request.app.state.relay
    body = await request.body()
    raw_path = request.scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else request.url.path
    query = request.scope.get("query_string", b"").decode("latin-1")
    headers = {
        "x-delegate-timestamp": x_delegate_timestamp or "",
        "x-delegate-nonce": x_delegate_nonce or "",
        "x-delegate-signature": x_delegate_signature or "",
    }
    if x_delegate_origin is not None:
        headers["x-delegate-origin"] = x_delegate_origin
    try:
        nonce, moment = verify_request(
            mailbox=mailbox_id, method=request.method,
            path_with_query=f"{path}?{query}" if query else path, body=body,
            headers=headers, now=int(ctx.clock()), skew=ctx.config.clock_skew_seconds,
            origins=ctx.origins,
        )  # fmt: skip
    except WrongRelayError as exc:
        logs.event("auth_refused", mailbox=logs.tag(mailbox_id), reason=str(exc))
        raise RelayHTTPError(401, "wrong relay") from None
    except AuthError as exc:
        logs.event("auth_refused", mailbox=logs.tag(mailbox_id), reason=str(exc))
        raise RelayHTTPError(401, "unauthorized") from None
    # The nonce first: a replayed request is a refusal (401, charged to the address that sent
    # it), never a charge on the owner's allowance.
    expires = moment + ctx.config.clock_skew_seconds + 1
    if not await run_in_threadpool(ctx.storage.use_nonce, mailbox_id, nonce, expires):
        logs.event("auth_refused", mailbox=logs.tag(mailbox_id), reason="nonce reused")
        raise RelayHTTPError(401, "unauthorized")
    wait = await ask(ctx.owner_limiter, mailbox_id)
    if wait:
        raise RelayHTTPError(429, "rate limited", _retry_after(wait))
    return mailbox_id


OwnedMailbox = Annotated[str, Depends(_owner)]


def create_app(
    storage: RelayStorage,
    config: RelayConfig | None = None,
    clock: Callable[[], float] = time.time,
    notifier: Notifier | None = None,
    limiters: LimiterFactory = in_memory,
) -> FastAPI:
    """The relay app. ``notifier`` wakes long-poll fetches when a deposit commits (one
    process: the default :class:`LocalNotifier`; see ADR 0023 for several)."""
    cfg = config or RelayConfig()
    wakeups: Notifier = notifier if notifier is not None else LocalNotifier()
    waiters = WaiterSlots(cfg.max_waiters_per_client, cfg.max_waiters)
    client_limiter = limiters("client", cfg.rate_per_client_per_minute)
    target_limiter = limiters("target", cfg.rate_per_mailbox_per_minute)
    claim_limiter = limiters("claim", cfg.rate_claims_per_mailbox_per_minute)
    quotas = Quotas(
        cfg.mailbox_quota_bytes, cfg.mailbox_quota_count, cfg.relay_quota_bytes,
        cfg.open_quota_bytes, cfg.mailbox_blob_quota_bytes,
    )  # fmt: skip

    async def charge(key: str) -> None:
        """Count a request that proved valid against its mailbox or blob (429 beyond)."""
        wait = await ask(target_limiter, key)
        if wait:
            raise RelayHTTPError(429, "rate limited", _retry_after(wait))

    open_quotas = replace(
        quotas,
        mailbox_bytes=cfg.open_mailbox_quota_bytes,
        mailbox_count=cfg.open_mailbox_quota_count,
    )

    async def deposit_pool(mailbox_id: str, token: str | None) -> tuple[str, Quotas]:
        """The pool a deposit to ``mailbox_id`` goes to and the quotas it is checked against,
        or 403 (RELAY.md, "Deposit tokens")."""
        now = int(clock())
        access = await run_in_threadpool(storage.mailbox_access, mailbox_id, now)
        if access.registered_at is None:
            return OPEN_POOL, quotas  # an unregistered mailbox: the open pool (transition)
        if token is not None and token_matches(token, access.verifiers):
            return CARD_POOL, quotas
        if (
            token is None
            and not access.tokenless_ended
            and now < access.registered_at + cfg.tokenless_grace_seconds
        ):
            # Senders holding the owner's older card, for a while; a small quota of their own,
            # so that no stranger can lock out the holders of the current card.
            return OPEN_POOL, open_quotas
        logs.event("deposit_refused", mailbox=logs.tag(mailbox_id),
                   reason="no token" if token is None else "wrong token")  # fmt: skip
        raise RelayHTTPError(
            403, "deposit token required" if token is None else "wrong deposit token"
        )

    async def blob_capability(blob_id: str, mailbox: str | None, token: str | None) -> str | None:
        """The mailbox a blob part is charged to (None: the open pool), or 403.

        A blob is charged to the capability its first part came with; every later part must
        present a valid token of that mailbox. A blob begun without one stays in the open pool.
        """
        exists, owner = await run_in_threadpool(storage.blob_owner, blob_id)
        claimed = owner if exists else mailbox
        if claimed is None:
            return None
        if mailbox != claimed or token is None:
            raise RelayHTTPError(403, "deposit token required")
        access = await run_in_threadpool(storage.mailbox_access, claimed, int(clock()))
        if not exists and access.registered_at is None:
            return None  # a mailbox its owner never registered: the open pool, as deposits
        if not token_matches(token, access.verifiers):
            raise RelayHTTPError(403, "wrong deposit token")
        return claimed

    async def sweeper() -> None:
        while True:
            try:
                removed = await run_in_threadpool(
                    storage.sweep, int(clock()), cfg.envelope_ttl_seconds
                )
                if removed:
                    logs.event("sweep", expired=removed)
            except Exception:  # noqa: BLE001 (e.g. disk full: the sweeper must try again later)
                logs.log.exception("sweep_failed")
            await asyncio.sleep(cfg.sweep_interval_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(sweeper())
        try:
            yield
        finally:
            wakeups.close()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(
        title="Delegate relay",
        version="1",
        description="A blind store-and-forward relay for end-to-end encrypted envelopes.",
        lifespan=lifespan,
    )
    app.state.relay = _Context(
        storage,
        cfg,
        clock,
        limiters("owner", cfg.rate_per_mailbox_per_minute),
        cfg.public_origins(),
    )
    app.add_middleware(BodySizeLimit, limit=cfg.max_request_bytes)
    app.add_middleware(
        RateLimit,
        clients=client_limiter,
        refusals=limiters("refused", cfg.rate_rejected_per_client_per_minute),
    )
    app.add_middleware(  # the only reader of request bodies (ADR 0011)
        BodyGuard,
        budget=ByteBudget(cfg.max_inflight_bytes_per_client, cfg.max_inflight_bytes),
        limit=cfg.max_request_bytes,
        idle_timeout=cfg.body_idle_timeout_seconds,
        total_timeout=cfg.body_timeout_seconds,
    )
    metrics = RelayMetrics()
    app.state.metrics = metrics
    # Outermost: counts every answer, those of the guards above included; reads no body.
    app.add_middleware(RequestMetrics, metrics=metrics, routes=lambda: app.routes)

    @app.exception_handler(RelayHTTPError)
    async def relay_error(_: Request, exc: RelayHTTPError) -> Response:
        return _json({"error": exc.message, **exc.extra}, exc.status, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        where = ".".join(str(p) for p in errors[0].get("loc", ())) if errors else ""
        return _json(
            {"error": f"malformed request: {where}" if where else "malformed request"}, 422
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400:
            # FastAPI's own "error parsing the body" (a JSON body that is not even text):
            # malformed input, which the API documents as 422.
            return _json({"error": "malformed request"}, 422)
        return _json({"error": str(exc.detail)}, exc.status_code, dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def internal(_: Request, exc: Exception) -> Response:
        logs.log.error("internal_error", exc_info=(type(exc), exc, exc.__traceback__))
        return _json({"error": "internal error"}, 500)

    async def stored_bytes() -> dict[str, int] | str:
        """Bytes per pool from a real query, or why the database did not answer."""
        try:
            return await run_in_threadpool(storage.usage)
        except Exception as exc:  # noqa: BLE001 (any storage failure makes the relay unhealthy)
            reason = str(exc)[:200] if isinstance(exc, sqlite3.Error) else type(exc).__name__
            logs.event("health_failed", error=type(exc).__name__)  # no messages in logs
            return reason or type(exc).__name__

    @app.get("/health", responses={**RATE, **UNHEALTHY})
    @app.get("/v1/health", responses={**RATE, **UNHEALTHY})
    async def health() -> Response:
        usage = await stored_bytes()
        if isinstance(usage, str):
            return _json({"status": "unavailable", "error": "database unavailable",
                          "reason": usage}, 503, {"Retry-After": "5"})  # fmt: skip
        return _json({"status": "ok"})

    @app.get("/metrics", include_in_schema=False)
    async def metrics_text(request: Request) -> Response:
        client = request.client.host if request.client else ""
        if cfg.metrics == "off" or (cfg.metrics == "loopback" and not _loopback(client)):
            return _json({"error": "not found"}, 404)
        usage = await stored_bytes()
        text = metrics.render(None if isinstance(usage, str) else usage)
        return Response(text.encode(), media_type=CONTENT_TYPE)

    @app.get("/versions", responses=RATE)
    async def versions() -> dict[str, list[str] | int]:
        return {"versions": API_VERSIONS, "prekeys": PREKEYS_VERSION}

    @app.post(
        "/v1/mailboxes/{mailbox_id}/envelopes",
        response_model=DepositResponse,
        responses={**TOO_LARGE, **MALFORMED, **FORBIDDEN, **RATE, **FULL},
        summary="Deposit envelopes (holders of the owner's card; idempotent per envelope id)",
    )
    async def deposit(
        mailbox_id: MailboxId,
        payload: DepositRequest,
        x_delegate_deposit_token: DepositToken = None,
    ) -> Response:
        if len(payload.envelopes) > cfg.max_batch:
            raise RelayHTTPError(413, f"at most {cfg.max_batch} envelopes per request")
        decoded: list[tuple[str, bytes]] = []
        for envelope in payload.envelopes:
            if len(envelope.data) > (cfg.max_envelope_bytes + 2) // 3 * 4:
                raise RelayHTTPError(413, "envelope too large")
            try:
                data = base64.b64decode(envelope.data, validate=True)
            except (binascii.Error, ValueError):
                raise RelayHTTPError(422, "envelope data is not base64") from None
            if not data:
                raise RelayHTTPError(422, "empty envelope")
            if len(data) > cfg.max_envelope_bytes:
                raise RelayHTTPError(413, "envelope too large")
            decoded.append((envelope.id, data))
        pool, limits = await deposit_pool(mailbox_id, x_delegate_deposit_token)
        await charge(("deposit:" if pool == CARD_POOL else "deposit-open:") + mailbox_id)
        try:
            accepted, duplicates = await run_in_threadpool(
                storage.deposit, mailbox_id, decoded, int(clock()), limits, pool
            )
        except QuotaExceededError as exc:
            logs.event("quota_full", scope=exc.scope, mailbox=logs.tag(mailbox_id))
            raise RelayHTTPError(507, FULL_MESSAGES[exc.scope]) from None
        logs.event("deposit", mailbox=logs.tag(mailbox_id), accepted=len(accepted),
                   duplicates=len(duplicates))  # fmt: skip
        if accepted:
            wakeups.notify(mailbox_id)  # committed: wake the owner's waiting fetch
        stored = set(accepted)
        metrics.add("envelopes_accepted", len(accepted))
        metrics.add("envelopes_duplicate", len(duplicates))
        metrics.add("envelope_bytes_accepted", sum(len(d) for i, d in decoded if i in stored))
        return _json({"accepted": accepted, "duplicates": duplicates})

    @app.get(
        "/v1/mailboxes/{mailbox_id}/envelopes",
        response_model=FetchResponse,
        responses={**UNAUTHORIZED, **MALFORMED, **RATE},
        summary="Fetch envelopes after a cursor, in deposit order (signed)",
    )
    async def fetch(
        request: Request,
        mailbox_id: OwnedMailbox,
        after: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_INT, description="capped at the max batch")] = 100,
        wait: Annotated[
            int,
            Query(
                ge=0,
                le=MAX_INT,
                description="seconds to wait for an envelope when none is there (long-poll),"
                " at most the relay's max wait (422 beyond)",
            ),
        ] = 0,
    ) -> Response:
        if wait > cfg.max_wait_seconds:
            raise RelayHTTPError(422, "malformed request: query.wait")
        page = min(limit, cfg.max_batch)
        if wait == 0 or wakeups.closed:
            envelopes, more = await run_in_threadpool(storage.fetch, mailbox_id, after, page)
            return fetched(mailbox_id, after, envelopes, more, waited=0)
        client = request.client.host if request.client else "unknown"
        with waiters.hold(client) as slot:
            if not slot:  # answered at once, as if it had not asked to wait
                logs.event("long_poll_refused", reason="too many waiting fetches")
                envelopes, more = await run_in_threadpool(storage.fetch, mailbox_id, after, page)
                return fetched(mailbox_id, after, envelopes, more, waited=0)
            with wakeups.watch(mailbox_id) as watch:
                # The watch opens before the read: a deposit committed after it wakes us.
                deadline = asyncio.get_running_loop().time() + wait
                envelopes, more = await run_in_threadpool(storage.fetch, mailbox_id, after, page)
                if not envelopes:
                    logs.event("fetch_waiting", mailbox=logs.tag(mailbox_id), wait=wait)
                while not envelopes:
                    remaining = deadline - asyncio.get_running_loop().time()
                    outcome = await wait_for_deposit(watch, remaining, request.receive)
                    if outcome == "gone":
                        logs.event("fetch_abandoned", mailbox=logs.tag(mailbox_id))
                    if outcome != "woken":
                        break  # the wait expired, the relay is stopping or the client left
                    envelopes, more = await run_in_threadpool(
                        storage.fetch, mailbox_id, after, page
                    )
        return fetched(mailbox_id, after, envelopes, more, waited=wait)

    def fetched(
        mailbox_id: str, after: int, envelopes: list[StoredEnvelope], more: bool, *, waited: int
    ) -> Response:
        logs.event("fetch", mailbox=logs.tag(mailbox_id), count=len(envelopes))
        return _json(
            {
                "envelopes": [
                    {
                        "id": e.envelope_id,
                        "data": base64.b64encode(e.data).decode("ascii"),
                        "cursor": e.cursor,
                        "received_at": e.received_at,
                    }
                    for e in envelopes
                ],
                "next_cursor": envelopes[-1].cursor if envelopes else after,
                "more": more,
            },
            headers={WAIT_HEADER: str(waited)},
        )

    @app.put(
        "/v1/mailboxes/{mailbox_id}/verifier",
        response_model=VerifierResponse,
        responses={**UNAUTHORIZED, **MALFORMED, **RATE},
        summary="Register the verifier of the mailbox's deposit token (signed; idempotent)",
    )
    async def register(mailbox_id: OwnedMailbox, payload: VerifierRequest) -> Response:
        previous = await run_in_threadpool(
            storage.register_verifier, mailbox_id, payload.verifier, int(clock()),
            cfg.verifier_grace_seconds, payload.tokenless is False,
        )  # fmt: skip
        logs.event("verifier_registered", mailbox=logs.tag(mailbox_id), previous=previous)
        return _json({"verifier": payload.verifier, "previous": previous})

    @app.post(
        "/v1/mailboxes/{mailbox_id}/ack",
        response_model=DeletedResponse,
        responses={**UNAUTHORIZED, **MALFORMED, **TOO_LARGE, **RATE},
        summary="Delete fetched envelopes; their ids stay duplicates (signed)",
    )
    async def acknowledge(mailbox_id: OwnedMailbox, payload: AckRequest) -> Response:
        if len(payload.ids) > cfg.max_ack_ids:
            raise RelayHTTPError(413, f"at most {cfg.max_ack_ids} ids per request")
        until = int(clock()) + cfg.tombstone_ttl_seconds
        deleted = await run_in_threadpool(storage.acknowledge, mailbox_id, payload.ids, until)
        logs.event("ack", mailbox=logs.tag(mailbox_id), deleted=deleted)
        metrics.add("envelopes_acknowledged", deleted)
        return _json({"deleted": deleted})

    @app.delete(
        "/v1/mailboxes/{mailbox_id}",
        response_model=DeletedResponse,
        responses={**UNAUTHORIZED, **MALFORMED, **RATE},
        summary="Wipe the whole mailbox (signed)",
    )
    async def wipe(mailbox_id: OwnedMailbox) -> Response:
        until = int(clock()) + cfg.tombstone_ttl_seconds
        deleted = await run_in_threadpool(storage.wipe, mailbox_id, until)
        logs.event("wipe", mailbox=logs.tag(mailbox_id), deleted=deleted)
        return _json({"deleted": deleted})

    @app.put(
        "/v1/mailboxes/{mailbox_id}/prekeys",
        response_model=PrekeysStored,
        responses={**UNAUTHORIZED, **MALFORMED, **TOO_LARGE, **RATE},
        summary="Publish the prekey bundle header and add one-time keys (signed)",
    )
    async def prekeys_put(mailbox_id: OwnedMailbox, payload: PrekeysRequest) -> Response:
        try:
            upload = parse_upload(payload)
        except PrekeyInputError as exc:
            raise RelayHTTPError(exc.status, exc.message) from None
        try:
            stored = await run_in_threadpool(
                lambda: storage.put_prekeys(
                    mailbox_id,
                    upload.bundle,
                    upload.items,
                    replace=upload.replace,
                    max_stored=MAX_ITEMS_STORED,
                    now=int(clock()),
                )
            )
        except PrekeyLimitError:
            raise RelayHTTPError(413, "too many one-time keys") from None
        logs.event("prekeys_published", mailbox=logs.tag(mailbox_id), stored=stored,
                   added=len(upload.items), replaced=upload.replace)  # fmt: skip
        return _json({"one_time_keys": stored})

    @app.get(
        "/v1/mailboxes/{mailbox_id}/prekeys",
        response_model=PrekeyStatusResponse,
        responses={**UNAUTHORIZED, **MALFORMED, **RATE},
        summary="Whether a bundle is published and which one-time keys are left (signed)",
    )
    async def prekeys_status(mailbox_id: OwnedMailbox) -> Response:
        status = await run_in_threadpool(storage.prekey_status, mailbox_id)
        return _json(
            {"published": status.published, "one_time_keys": len(status.ids),
             "ids": list(status.ids)}
        )  # fmt: skip

    @app.post(
        "/v1/mailboxes/{mailbox_id}/prekeys/claim",
        response_model=ClaimResponse,
        responses={**FORBIDDEN, **NO_PREKEYS, **MALFORMED, **RATE},
        summary="Take the bundle and one one-time key, removed for good (deposit token)",
    )
    async def prekeys_claim(
        mailbox_id: MailboxId, x_delegate_deposit_token: DepositToken = None
    ) -> Response:
        access = await run_in_threadpool(storage.mailbox_access, mailbox_id, int(clock()))
        if x_delegate_deposit_token is None or not access.verifiers:
            logs.event("prekey_claim_refused", mailbox=logs.tag(mailbox_id), reason="no token")
            raise RelayHTTPError(403, "deposit token required")
        if not token_matches(x_delegate_deposit_token, access.verifiers):
            logs.event("prekey_claim_refused", mailbox=logs.tag(mailbox_id), reason="wrong token")
            raise RelayHTTPError(403, "wrong deposit token")
        wait = await ask(claim_limiter, mailbox_id)
        if wait:
            raise RelayHTTPError(429, "rate limited", _retry_after(wait))
        claimed_until = int(clock()) + cfg.tombstone_ttl_seconds
        claim = await run_in_threadpool(storage.claim_prekey, mailbox_id, claimed_until)
        if claim is None:
            raise RelayHTTPError(404, "no prekeys")
        logs.event("prekey_claimed", mailbox=logs.tag(mailbox_id), one_time=claim.item is not None)
        item = claim.item
        return _json(
            {
                "bundle": b64url_encode(claim.bundle),
                "one_time_key": None
                if item is None
                else {"id": item[0], "key": b64url_encode(item[1])},
            }
        )

    @app.put(
        "/v1/blobs/{blob_id}",
        response_model=BlobStatusResponse,
        responses={**OFFSET, **TOO_LARGE, **MALFORMED, **FORBIDDEN, **RATE, **FULL},
        summary="Append raw bytes at `offset`, which must be the current size",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        },
    )
    async def blob_put(
        request: Request,
        blob_id: BlobId,
        offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
        x_delegate_mailbox: DepositMailbox = None,
        x_delegate_deposit_token: DepositToken = None,
    ) -> Response:
        data = await request.body()
        if offset + len(data) > cfg.max_blob_bytes:
            raise RelayHTTPError(413, "blob too large")
        charged_to = await blob_capability(blob_id, x_delegate_mailbox, x_delegate_deposit_token)
        if offset and await run_in_threadpool(storage.blob_status, blob_id) is None:
            raise RelayHTTPError(409, "offset mismatch", extra={"offset": 0})  # no such blob
        await charge("blob:" + blob_id)
        expires = int(clock()) + cfg.blob_ttl_seconds
        try:
            status = await run_in_threadpool(
                storage.blob_append, blob_id, offset, data, expires, quotas, charged_to
            )
        except OffsetMismatchError as exc:
            raise RelayHTTPError(409, "offset mismatch", extra={"offset": exc.current}) from None
        except BlobOwnerError:  # its first part arrived meanwhile, with another capability
            raise RelayHTTPError(403, "deposit token required") from None
        except QuotaExceededError as exc:
            logs.event("quota_full", scope=exc.scope, blob=logs.tag(blob_id))
            raise RelayHTTPError(507, FULL_MESSAGES[exc.scope]) from None
        metrics.add("blob_bytes_received", len(data))
        return _json({"size": status.size, "complete": status.complete, "total": status.total})

    @app.get(
        "/v1/blobs/{blob_id}/status",
        response_model=BlobStatusResponse,
        responses={**MALFORMED, **RATE},
        summary="How much of a blob the relay holds (size 0 when unknown)",
    )
    async def blob_status(blob_id: BlobId) -> Response:
        status = await run_in_threadpool(storage.blob_status, blob_id)
        if status is None:  # no bucket for ids the relay does not hold (the address pays)
            return _json({"size": 0, "complete": False, "total": None})
        await charge("blob:" + blob_id)
        return _json({"size": status.size, "complete": status.complete, "total": status.total})

    @app.post(
        "/v1/blobs/{blob_id}/complete",
        response_model=BlobStatusResponse,
        responses={**OFFSET, **MALFORMED, **RATE},
        summary="Mark the upload complete; 409 unless exactly `total` bytes were received",
    )
    async def blob_complete(blob_id: BlobId, payload: CompleteRequest) -> Response:
        if await run_in_threadpool(storage.blob_status, blob_id) is None:
            raise RelayHTTPError(409, "size mismatch", extra={"offset": 0})
        await charge("blob:" + blob_id)
        try:
            status = await run_in_threadpool(storage.blob_complete, blob_id, payload.total)
        except OffsetMismatchError as exc:
            raise RelayHTTPError(409, "size mismatch", extra={"offset": exc.current}) from None
        logs.event("blob_complete", blob=logs.tag(blob_id), size=status.size)
        return _json({"size": status.size, "complete": True, "total": status.total})

    @app.get(
        "/v1/blobs/{blob_id}",
        response_class=Response,
        responses={
            200: {
                "description": "the blob's bytes from `offset`",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            },
            **_error(404, "no such blob, or not complete yet"),
            **MALFORMED,
            **RATE,
        },
        summary="Download a complete blob from `offset`",
    )
    async def blob_get(
        blob_id: BlobId, offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0
    ) -> Response:
        status = await run_in_threadpool(storage.blob_status, blob_id)
        if status is None:
            raise RelayHTTPError(404, "no such blob")
        await charge("blob:" + blob_id)
        if not status.complete:
            raise RelayHTTPError(404, "no such blob")
        length = max(0, status.size - offset)
        return StreamingResponse(
            storage.blob_chunks(blob_id, offset),
            media_type="application/octet-stream",
            headers={"Content-Length": str(length)},
        )

    return app


def build_app(
    storage: RelayStorage,
    config: RelayConfig | None = None,
    notifier: Notifier | None = None,
    limiters: LimiterFactory = in_memory,
) -> ASGIApp:
    """What uvicorn serves."""
    return create_app(storage, config, notifier=notifier, limiters=limiters)
