"""Every limit of the relay, with defaults suitable for one organisation on one machine."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class RelayConfig:
    max_request_bytes: int = 16 * MIB  # whole HTTP body, any endpoint (413 beyond)
    max_envelope_bytes: int = 4 * MIB  # one envelope after base64 decoding (413 beyond)
    max_batch: int = 100  # envelopes per deposit or fetch
    mailbox_quota_bytes: int = 512 * MIB  # stored per mailbox (507 beyond)
    mailbox_quota_count: int = 20_000
    envelope_ttl_seconds: int = 14 * 24 * 3600  # undelivered envelopes expire
    tombstone_ttl_seconds: int = 30 * 24 * 3600  # acknowledged ids stay duplicates this long
    clock_skew_seconds: int = 300  # signed requests: allowed clock difference
    max_blob_bytes: int = 1024 * MIB
    blob_ttl_seconds: int = 7 * 24 * 3600
    rate_per_client_per_minute: int = 1200  # requests per client address (429 beyond)
    rate_per_mailbox_per_minute: int = 600  # requests naming one mailbox or blob
    sweep_interval_seconds: float = 60.0
