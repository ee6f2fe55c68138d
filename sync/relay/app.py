"""The relay's HTTP API v1 (FastAPI). See docs/RELAY.md for the contract."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.relay import logs
from sync.relay.auth import AuthError, verify_request
from sync.relay.config import RelayConfig
from sync.relay.ratelimit import RateLimiter
from sync.relay.storage import OffsetMismatchError, QuotaExceededError, RelayStorage

API_VERSIONS = ["v1"]
MailboxId = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="owner's Ed25519 key, hex")]
BlobId = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="random capability id, hex")]
EnvelopeIdField = Field(pattern=r"^[0-9a-f]{32}$")


class EnvelopeIn(BaseModel):
    id: str = EnvelopeIdField
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


class AckRequest(BaseModel):
    ids: list[str] = Field(max_length=1000)


class DeletedResponse(BaseModel):
    deleted: int


class BlobStatusResponse(BaseModel):
    size: int
    complete: bool
    total: int | None


class CompleteRequest(BaseModel):
    total: int = Field(ge=0)


class ErrorResponse(BaseModel):
    error: str


class RelayHTTPError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None,
                 extra: dict[str, Any] | None = None) -> None:  # fmt: skip
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.extra = extra or {}


class BodySizeLimit:
    """Refuses bodies over ``limit`` bytes with 413, whether or not Content-Length is honest."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await _too_large(send)
                return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _BodyTooLargeError
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLargeError:
            await _too_large(send)


class _BodyTooLargeError(Exception):
    pass


async def _too_large(send: Send) -> None:
    body = b'{"error":"request too large"}'
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


def create_app(
    storage: RelayStorage,
    config: RelayConfig | None = None,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    config = config or RelayConfig()
    client_limiter = RateLimiter(config.rate_per_client_per_minute)
    mailbox_limiter = RateLimiter(config.rate_per_mailbox_per_minute)

    async def sweeper() -> None:
        while True:
            removed = storage.sweep(int(clock()), config.envelope_ttl_seconds)
            if removed:
                logs.event("sweep", expired=removed)
            await asyncio.sleep(config.sweep_interval_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(sweeper())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(
        title="Delegate relay",
        version="1",
        description="A blind store-and-forward relay for end-to-end encrypted envelopes.",
        lifespan=lifespan,
        responses={
            401: {"model": ErrorResponse},
            413: {"model": ErrorResponse},
            422: {"model": ErrorResponse},
            429: {"model": ErrorResponse},
        },
    )

    @app.exception_handler(RelayHTTPError)
    async def relay_error(_: Request, exc: RelayHTTPError) -> JSONResponse:
        return JSONResponse(
            {"error": exc.message, **exc.extra}, status_code=exc.status, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"error": "malformed request"}, status_code=422)

    @app.middleware("http")
    async def rate_limit(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        client = request.client.host if request.client else "unknown"
        wait = client_limiter.check(client)
        parts = request.url.path.split("/")
        if not wait and len(parts) > 3 and parts[1] == "v1":
            wait = mailbox_limiter.check(parts[3])
        if wait:
            return JSONResponse(
                {"error": "rate limited"},
                status_code=429,
                headers={"Retry-After": str(max(1, int(wait + 0.999)))},
            )
        return await call_next(request)

    async def authenticate(request: Request, mailbox: str) -> None:
        body = await request.body()
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        now = int(clock())
        try:
            nonce, _ = verify_request(
                mailbox=mailbox, method=request.method, path_with_query=path, body=body,
                headers=request.headers, now=now, skew=config.clock_skew_seconds,
            )  # fmt: skip
        except AuthError as exc:
            logs.event("auth_refused", mailbox=logs.tag(mailbox), reason=str(exc))
            raise RelayHTTPError(401, "unauthorized") from None
        if not storage.use_nonce(mailbox, nonce, now + 2 * config.clock_skew_seconds, now):
            logs.event("auth_refused", mailbox=logs.tag(mailbox), reason="nonce reused")
            raise RelayHTTPError(401, "unauthorized")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/versions")
    async def versions() -> dict[str, list[str]]:
        return {"versions": API_VERSIONS}

    @app.post("/v1/mailboxes/{mailbox_id}/envelopes", response_model=DepositResponse)
    async def deposit(mailbox_id: MailboxId, payload: DepositRequest) -> DepositResponse:
        if len(payload.envelopes) > config.max_batch:
            raise RelayHTTPError(413, f"at most {config.max_batch} envelopes per request")
        decoded: list[tuple[str, bytes]] = []
        for envelope in payload.envelopes:
            try:
                data = base64.b64decode(envelope.data, validate=True)
            except (binascii.Error, ValueError):
                raise RelayHTTPError(422, "envelope data is not base64") from None
            if not data:
                raise RelayHTTPError(422, "empty envelope")
            if len(data) > config.max_envelope_bytes:
                raise RelayHTTPError(413, "envelope too large")
            decoded.append((envelope.id, data))
        try:
            accepted, duplicates = storage.deposit(
                mailbox_id, decoded, int(clock()),
                quota_bytes=config.mailbox_quota_bytes, quota_count=config.mailbox_quota_count,
            )  # fmt: skip
        except QuotaExceededError:
            logs.event("quota_full", mailbox=logs.tag(mailbox_id))
            raise RelayHTTPError(507, "mailbox full") from None
        logs.event("deposit", mailbox=logs.tag(mailbox_id), accepted=len(accepted),
                   duplicates=len(duplicates))  # fmt: skip
        return DepositResponse(accepted=accepted, duplicates=duplicates)

    @app.get("/v1/mailboxes/{mailbox_id}/envelopes", response_model=FetchResponse)
    async def fetch(
        request: Request,
        mailbox_id: MailboxId,
        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> FetchResponse:
        await authenticate(request, mailbox_id)
        envelopes, more = storage.fetch(mailbox_id, after, min(limit, config.max_batch))
        logs.event("fetch", mailbox=logs.tag(mailbox_id), count=len(envelopes))
        return FetchResponse(
            envelopes=[
                EnvelopeOut(
                    id=e.envelope_id,
                    data=base64.b64encode(e.data).decode("ascii"),
                    cursor=e.cursor,
                    received_at=e.received_at,
                )
                for e in envelopes
            ],
            next_cursor=envelopes[-1].cursor if envelopes else after,
            more=more,
        )

    @app.post("/v1/mailboxes/{mailbox_id}/ack", response_model=DeletedResponse)
    async def acknowledge(
        request: Request, mailbox_id: MailboxId, payload: AckRequest
    ) -> DeletedResponse:
        await authenticate(request, mailbox_id)
        until = int(clock()) + config.tombstone_ttl_seconds
        deleted = storage.acknowledge(mailbox_id, payload.ids, until)
        logs.event("ack", mailbox=logs.tag(mailbox_id), deleted=deleted)
        return DeletedResponse(deleted=deleted)

    @app.delete("/v1/mailboxes/{mailbox_id}", response_model=DeletedResponse)
    async def wipe(request: Request, mailbox_id: MailboxId) -> DeletedResponse:
        await authenticate(request, mailbox_id)
        deleted = storage.wipe(mailbox_id, int(clock()) + config.tombstone_ttl_seconds)
        logs.event("wipe", mailbox=logs.tag(mailbox_id), deleted=deleted)
        return DeletedResponse(deleted=deleted)

    @app.put("/v1/blobs/{blob_id}", response_model=BlobStatusResponse)
    async def blob_put(
        request: Request, blob_id: BlobId, offset: Annotated[int, Query(ge=0, le=2**62)] = 0
    ) -> BlobStatusResponse:
        data = await request.body()
        if offset + len(data) > config.max_blob_bytes:
            raise RelayHTTPError(413, "blob too large")
        try:
            status = storage.blob_append(
                blob_id, offset, data, int(clock()) + config.blob_ttl_seconds
            )
        except OffsetMismatchError as exc:
            raise RelayHTTPError(409, "offset mismatch", extra={"offset": exc.current}) from None
        return BlobStatusResponse(size=status.size, complete=status.complete, total=status.total)

    @app.get("/v1/blobs/{blob_id}/status", response_model=BlobStatusResponse)
    async def blob_status(blob_id: BlobId) -> BlobStatusResponse:
        status = storage.blob_status(blob_id)
        if status is None:
            return BlobStatusResponse(size=0, complete=False, total=None)
        return BlobStatusResponse(size=status.size, complete=status.complete, total=status.total)

    @app.post("/v1/blobs/{blob_id}/complete", response_model=BlobStatusResponse)
    async def blob_complete(blob_id: BlobId, payload: CompleteRequest) -> BlobStatusResponse:
        try:
            status = storage.blob_complete(blob_id, payload.total)
        except OffsetMismatchError as exc:
            raise RelayHTTPError(409, "size mismatch", extra={"offset": exc.current}) from None
        logs.event("blob_complete", blob=logs.tag(blob_id), size=status.size)
        return BlobStatusResponse(size=status.size, complete=True, total=status.total)

    @app.get(
        "/v1/blobs/{blob_id}",
        response_class=Response,
        responses={
            200: {"content": {"application/octet-stream": {}}},
            404: {"model": ErrorResponse},
        },
    )
    async def blob_get(
        blob_id: BlobId, offset: Annotated[int, Query(ge=0, le=2**62)] = 0
    ) -> Response:
        status = storage.blob_status(blob_id)
        if status is None or not status.complete:
            raise RelayHTTPError(404, "no such blob")
        data = storage.blob_read(blob_id, offset, status.size)
        return Response(content=data, media_type="application/octet-stream")

    return app


def build_app(storage: RelayStorage, config: RelayConfig | None = None) -> ASGIApp:
    """The app wrapped in the request-size guard: what uvicorn serves."""
    config = config or RelayConfig()
    return BodySizeLimit(create_app(storage, config), config.max_request_bytes)
