"""Every limit of the relay, with defaults suitable for one organisation on one machine."""

from __future__ import annotations

from dataclasses import dataclass

from sync.relay.origins import normalise_origin

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
METRICS_MODES = ("on", "loopback", "off")


@dataclass(frozen=True)
class RelayConfig:
    max_request_bytes: int = 16 * MIB  # whole HTTP body, any endpoint (413 beyond)
    max_envelope_bytes: int = 4 * MIB  # one envelope after base64 decoding (413 beyond)
    max_batch: int = 100  # envelopes per deposit or fetch page
    max_ack_ids: int = 1000  # ids per acknowledgement (422 beyond)
    mailbox_quota_bytes: int = 512 * MIB  # stored per mailbox (507 beyond)
    mailbox_quota_count: int = 20_000
    relay_quota_bytes: int = 64 * GIB  # the card pool: all deposits with a token (507 beyond)
    # Deposit capabilities (docs/RELAY.md, "Deposit tokens"; ADR 0017)
    open_quota_bytes: int = 1 * GIB  # the open pool: tokenless deposits and blobs (507 beyond)
    # Tokenless deposits to a registered mailbox: their own small quota, so that strangers
    # filling it never lock out the contacts holding the current card.
    open_mailbox_quota_bytes: int = 16 * MIB
    open_mailbox_quota_count: int = 1000
    mailbox_blob_quota_bytes: int = 4 * GIB  # blob bytes charged to one mailbox's token
    verifier_grace_seconds: int = 90 * 24 * 3600  # a replaced deposit token stays valid
    tokenless_grace_seconds: int = 90 * 24 * 3600  # after registration, tokenless still accepted
    envelope_ttl_seconds: int = 14 * 24 * 3600  # undelivered envelopes expire
    tombstone_ttl_seconds: int = 30 * 24 * 3600  # acknowledged ids stay duplicates this long
    clock_skew_seconds: int = 300  # signed requests: allowed clock difference
    max_blob_bytes: int = 1 * GIB
    blob_ttl_seconds: int = 7 * 24 * 3600  # counted from the first part
    rate_per_client_per_minute: int = 1200  # requests per client address (429 beyond)
    rate_per_mailbox_per_minute: int = (
        600  # accepted deposits to / owner requests on a mailbox; blob requests
    )
    rate_rejected_per_client_per_minute: int = 60  # refused requests (4xx) per client address
    # Prekey claims (docs/RELAY.md, "Prekeys") per mailbox: a card holder cannot drain its
    # one-time keys in a burst.
    rate_claims_per_mailbox_per_minute: int = 20
    sweep_interval_seconds: float = 60.0
    # Slow clients (docs/RELAY.md, "Slow clients"; ADR 0011)
    header_timeout_seconds: float = 10.0  # a request head must arrive whole within this
    max_header_bytes: int = 16 * KIB  # request line and headers (400 beyond)
    keep_alive_seconds: int = 5  # an idle connection between requests is closed after this
    body_idle_timeout_seconds: float = 15.0  # no body byte for this long: 408
    body_timeout_seconds: float = 120.0  # the whole body must arrive within this: 408
    max_inflight_bytes_per_client: int = 64 * MIB  # request bodies held per address (503 beyond)
    max_inflight_bytes: int = 256 * MIB  # request bodies held in total (503 beyond)
    max_connections_per_client: int = 128  # open connections per address (503 beyond)
    max_connections: int = 1024  # open connections in total (503 beyond)
    # Live delivery (docs/RELAY.md, "Live delivery"; ADR 0023): a fetch with ``wait``
    # holds its connection until an envelope arrives, at most this long (422 beyond).
    max_wait_seconds: int = 25
    # Waiting fetches per client address and in total; beyond, a fetch is answered at once.
    # Below the connection caps, so that waiting never takes every connection of an address.
    max_waiters_per_client: int = 32
    max_waiters: int = 512
    # The relay's own public URLs (``--public-url``): signed v2 requests must name one of
    # their origins (docs/RELAY.md, "Signed requests"). Empty: no v2 request is accepted;
    # the command line fills in the address it listens on.
    public_urls: tuple[str, ...] = ()
    # GET /metrics (docs/RELAY.md, "Health and metrics"): "on" for every client, "loopback"
    # only for clients on the relay's own machine, "off" not served at all.
    metrics: str = "loopback"

    def limits(self) -> dict[str, int | float]:
        """The numeric settings (each one a ``--flag`` of the same name)."""
        return {k: v for k, v in vars(self).items() if isinstance(v, int | float)}

    def public_origins(self) -> frozenset[str]:
        return frozenset(o for o in map(normalise_origin, self.public_urls) if o is not None)

    def invalid_fields(self) -> list[str]:
        """Names of settings that cannot work: zero or negative, or budgets below one request."""
        invalid = [name for name, value in self.limits().items() if value <= 0]
        if any(normalise_origin(url) is None for url in self.public_urls):
            invalid.append("public_urls")
        if self.metrics not in METRICS_MODES:
            invalid.append("metrics")
        if self.max_inflight_bytes_per_client < self.max_request_bytes:
            invalid.append("max_inflight_bytes_per_client")
        if self.max_inflight_bytes < self.max_inflight_bytes_per_client:
            invalid.append("max_inflight_bytes")
        if self.max_waiters < self.max_waiters_per_client:
            invalid.append("max_waiters")
        return invalid
