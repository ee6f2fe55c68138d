"""The relay's token buckets stay bounded in memory without ever handing a key a fresh
allowance (docs/RELAY.md, "Rate limits")."""

from __future__ import annotations

from sync.relay.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_flood_of_fresh_keys_does_not_reset_an_exhausted_bucket() -> None:
    """The attack: exhaust a bucket, then spray fresh keys until the limiter is full."""
    clock = Clock()
    limiter = RateLimiter(3, clock=clock, max_keys=100)
    assert [limiter.check("victim") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.check("victim") > 0
    for number in range(100_000 // 50):  # many more keys than the limiter tracks
        limiter.check(f"spray-{number}")
    assert limiter.check("victim") > 0 and limiter.blocked("victim") > 0
    assert len(limiter) <= 100
    # Keys it could not track shared one overflow bucket, now empty: the flood slowed itself.
    assert limiter.check("yet-another") > 0


def test_refilled_buckets_make_room_again() -> None:
    clock = Clock()
    limiter = RateLimiter(60, clock=clock, max_keys=3)
    for key in ("a", "b", "c"):
        assert limiter.check(key) == 0.0
    clock.now += 61  # every bucket refilled: the same as none
    for key in ("d", "e", "f"):
        assert limiter.check(key) == 0.0
    assert len(limiter) == 3
    for _ in range(59):
        limiter.check("d")
    assert limiter.check("d") > 0  # tracked as its own bucket, not the overflow one
    assert limiter.check("g") == 0.0  # the overflow bucket is still full
