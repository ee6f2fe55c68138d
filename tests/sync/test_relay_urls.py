"""A relay URL someone named matches a trusted relay only by origin; the request uses ours."""

from __future__ import annotations

import pytest

from delegate_app.core.policy import Policy, RawPolicy
from delegate_app.core.relay_urls import Origin, origin, trusted_match
from delegate_app.core.sharing.attachments import AttachmentRefusedError, review
from delegate_app.core.sharing.payloads import BlobDescriptor
from delegate_app.core.sharing.service import ciphertext_size

TRUSTED = ("https://relay.example.org/delegate", "http://127.0.0.1:8080")


@pytest.mark.parametrize(
    ("named", "expected"),
    [
        ("https://relay.example.org", "https://relay.example.org/delegate"),
        ("https://RELAY.example.org.:443/other/path?q=1#f", "https://relay.example.org/delegate"),
        ("http://127.0.0.1:8080/v1/blobs/../../admin", "http://127.0.0.1:8080"),
        ("http://relay.example.org", None),  # another scheme is another origin
        ("https://relay.example.org:8443", None),
        ("http://127.0.0.1:8081", None),
        ("http://127.0.0.1:8080@evil.example", None),  # the host is evil.example
        ("http://user@127.0.0.1:8080", None),  # user info is refused outright
        ("http://127.0.0.1:99999", None),
        ("ftp://relay.example.org", None),
        ("https://relay.example.org\n", None),
        ("", None),
    ],
)
def test_a_named_relay_matches_only_a_trusted_origin(named: str, expected: str | None) -> None:
    assert trusted_match(named, TRUSTED) == expected


def test_origins_are_normalised() -> None:
    assert origin("HTTPS://Relay.Example.org/x") == Origin("https", "relay.example.org", 443)
    assert origin("http://[::1]:8080/") == Origin("http", "::1", 8080)
    assert str(Origin("http", "::1", 8080)) == "http://[::1]:8080"
    assert str(Origin("https", "relay.example.org", 443)) == "https://relay.example.org"


def _descriptor(plain_size: int, size: int | None = None) -> BlobDescriptor:
    return BlobDescriptor(
        blob_id="a" * 64,
        relay_url="http://127.0.0.1:8080",
        key="b" * 64,
        header="c" * 48,
        size=ciphertext_size(plain_size) if size is None else size,
        plain_size=plain_size,
        sha256="d" * 64,
        filename="annex.pdf",
    )


def test_the_size_bound_is_the_policy_import_limit_and_sizes_must_agree() -> None:
    policy = Policy.from_raw(RawPolicy(origin="test", locked={"max_import_mb": 3}, defaults={}))
    assert review(_descriptor(3 * 1024 * 1024), TRUSTED, policy) == "http://127.0.0.1:8080"
    with pytest.raises(AttachmentRefusedError, match="3 MB"):
        review(_descriptor(3 * 1024 * 1024 + 1), TRUSTED, policy)
    with pytest.raises(AttachmentRefusedError, match="sizes"):
        review(_descriptor(1024, size=ciphertext_size(1024) + 1), TRUSTED, policy)
