"""Prekey bundles at the relay (docs/RELAY.md, "Prekeys"): published by the mailbox owner,
claimed by holders of its card one item at a time, never the same item twice, within caps and
a per-mailbox claim rate. The bytes are opaque to the relay: random bytes of the right sizes."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import nacl.signing
import psycopg
import requests

from sync.relay.database_url import SQLiteDatabase, parse_database
from sync.relay.storage import PrekeyClaim, PrekeyStatus, Quotas
from sync.relay.storage_open import open_storage
from tests.relay.conftest import ENGINES
from tests.relay.signer import MailboxOwner, envelope_id
from tests.relay.test_processes import owner_at, processes
from tests.relay_server import RelayProcess

RELAY_ENGINES = ENGINES  # storage: both engines


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def item(n: int, size: int = 120) -> dict[str, str]:
    return {"id": envelope_id(1000 + n), "key": b64url(os.urandom(size))}


def put(
    owner: MailboxOwner,
    body: dict[str, Any] | bytes,
    *,
    key: nacl.signing.SigningKey | None = None,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    path = f"/v1/mailboxes/{owner.mailbox}/prekeys"
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    signed = headers or owner.headers("PUT", path, raw, key=key)
    return owner.session.put(
        owner.base_url + path,
        data=raw,
        headers={**signed, "Content-Type": "application/json"},
        timeout=10,
    )


def status(owner: MailboxOwner) -> dict[str, Any]:
    path = f"/v1/mailboxes/{owner.mailbox}/prekeys"
    answer = owner.session.get(
        owner.base_url + path, headers=owner.headers("GET", path, b""), timeout=10
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def claim(
    base_url: str, mailbox: str, token: bytes | str | None, session: requests.Session | None = None
) -> requests.Response:
    headers = {}
    if token is not None:
        headers["X-Delegate-Deposit-Token"] = token if isinstance(token, str) else token.hex()
    return (session or requests).post(
        f"{base_url}/v1/mailboxes/{mailbox}/prekeys/claim", headers=headers, timeout=10
    )


def published(owner: MailboxOwner, count: int, bundle: bytes | None = None) -> bytes:
    """A registered owner with a bundle header and ``count`` one-time items stored."""
    assert owner.register().status_code == 200
    header = bundle or os.urandom(400)
    answer = put(
        owner, {"bundle": b64url(header), "one_time_keys": [item(n) for n in range(count)]}
    )
    assert answer.json() == {"one_time_keys": count}
    return header


def test_publish_status_and_claim_round_trip(relay: RelayProcess) -> None:
    owner = MailboxOwner(relay.url)
    assert owner.register().status_code == 200
    assert status(owner) == {"published": False, "one_time_keys": 0, "ids": []}
    refused = claim(relay.url, owner.mailbox, owner.token)
    assert (refused.status_code, refused.json()) == (404, {"error": "no prekeys"})

    header = os.urandom(1024)
    items = [item(n, size) for n, size in enumerate((1, 96, 256))]
    answer = put(owner, {"bundle": b64url(header), "one_time_keys": items})
    assert (answer.status_code, answer.json()) == (200, {"one_time_keys": 3})
    assert status(owner) == {
        "published": True,
        "one_time_keys": 3,
        "ids": [i["id"] for i in items],
    }
    # Items are added, never replaced: a stored id sent again is ignored; the header is replaced.
    newer = os.urandom(200)
    again = {"id": items[0]["id"], "key": b64url(b"other")}
    assert put(owner, {"bundle": b64url(newer), "one_time_keys": [again, item(9)]}).json() == {
        "one_time_keys": 4
    }
    claimed = [claim(relay.url, owner.mailbox, owner.token).json() for _ in range(5)]
    assert {unb64url(c["bundle"]) for c in claimed} == {newer}
    keys = [c["one_time_key"] for c in claimed]
    assert keys[:3] == items  # oldest first, byte for byte what was published
    assert keys[3]["id"] == item(9)["id"] and keys[4] is None  # none left: the fallback key
    assert status(owner)["one_time_keys"] == 0

    # replace_one_time_keys: the stored items go first, in the same transaction.
    put(owner, {"bundle": b64url(newer), "one_time_keys": [item(20), item(21)]})
    fresh = put(
        owner,
        {"bundle": b64url(newer), "one_time_keys": [item(30)], "replace_one_time_keys": True},
    )
    assert fresh.json() == {"one_time_keys": 1}
    assert status(owner)["ids"] == [item(30)["id"]]


def test_a_claimed_one_time_key_is_never_handed_out_again(relay: RelayProcess) -> None:
    owner = MailboxOwner(relay.url)
    header = published(owner, 2)
    first = claim(relay.url, owner.mailbox, owner.token).json()["one_time_key"]
    assert first["id"] == item(0)["id"]
    # The owner's upload sent again (a retry after a lost answer: a fresh signature) cannot put
    # back the item claimed meanwhile, whose private key the owner's account has used up.
    retry = {"bundle": b64url(header), "one_time_keys": [item(0), item(1), item(2)]}
    assert put(owner, retry).json() == {"one_time_keys": 2}
    assert status(owner)["ids"] == [item(1)["id"], item(2)["id"]]
    replacing = {**retry, "one_time_keys": [item(0), item(3)], "replace_one_time_keys": True}
    assert put(owner, replacing).json() == {"one_time_keys": 1}
    # Nor after a wipe: the claimed ids outlive it, like envelope tombstones.
    assert owner.wipe().status_code == 200
    assert put(owner, retry).json() == {"one_time_keys": 2}
    assert status(owner)["ids"] == [item(1)["id"], item(2)["id"]]


def test_claims_need_a_valid_deposit_token(relay: RelayProcess) -> None:
    owner = MailboxOwner(relay.url)
    published(owner, 3)
    for token, message in (
        (None, "deposit token required"),
        (os.urandom(32), "wrong deposit token"),
        ("zz" * 32, "wrong deposit token"),
    ):
        answer = claim(relay.url, owner.mailbox, token)
        assert (answer.status_code, answer.json()) == (403, {"error": message})
    # A mailbox whose owner published but never registered a verifier: no token can be valid,
    # so nobody claims (not even with the owner's real token).
    unregistered = MailboxOwner(relay.url)
    put(unregistered, {"bundle": b64url(os.urandom(64)), "one_time_keys": [item(1)]})
    for token in (None, unregistered.token):
        answer = claim(relay.url, unregistered.mailbox, token)
        assert (answer.status_code, answer.json()) == (403, {"error": "deposit token required"})
    assert status(owner)["one_time_keys"] == 3 and status(unregistered)["one_time_keys"] == 1


def test_a_put_by_another_key_or_a_replayed_put_is_refused(relay: RelayProcess) -> None:
    owner = MailboxOwner(relay.url)
    header = published(owner, 2)
    # Someone else's mailbox key cannot publish into this mailbox.
    forged = {"bundle": b64url(os.urandom(64)), "one_time_keys": [item(7)]}
    stranger = nacl.signing.SigningKey.generate()
    assert put(owner, forged, key=stranger).status_code == 401
    # A captured PUT replayed (same nonce) cannot put back an item that was claimed since.
    path = f"/v1/mailboxes/{owner.mailbox}/prekeys"
    body = json.dumps({"bundle": b64url(header), "one_time_keys": [item(50)]}).encode()
    captured = owner.headers("PUT", path, body)
    assert put(owner, body, headers=captured).json() == {"one_time_keys": 3}
    assert claim(relay.url, owner.mailbox, owner.token).status_code == 200
    replayed = put(owner, body, headers=captured)
    assert (replayed.status_code, replayed.json()) == (401, {"error": "unauthorized"})
    assert status(owner)["one_time_keys"] == 2
    assert all(unb64url(claim(relay.url, owner.mailbox, owner.token).json()["bundle"]) == header
               for _ in range(2))  # fmt: skip


def test_malformed_or_oversized_uploads_store_nothing(relay: RelayProcess) -> None:
    owner = MailboxOwner(relay.url)
    header = published(owner, 60)
    good = b64url(os.urandom(32))
    padded = base64.urlsafe_b64encode(os.urandom(31)).decode()
    assert padded.endswith("=")
    standard = base64.b64encode(b"\xfb\xff\xfe" * 10).decode()  # '+' and '/'
    non_canonical = b64url(os.urandom(32))[:-1] + "B"  # 43 chars: trailing bits must be zero
    cases: list[tuple[dict[str, Any] | bytes, int, str]] = [
        ({"bundle": b64url(os.urandom(1025))}, 413, "bundle too large"),
        ({"bundle": "A" * 5000}, 413, "bundle too large"),
        ({"bundle": ""}, 422, "bundle is not base64url without padding"),
        ({"bundle": "!!!!"}, 422, "bundle is not base64url without padding"),
        ({"bundle": padded}, 422, "bundle is not base64url without padding"),
        ({"bundle": standard}, 422, "bundle is not base64url without padding"),
        ({"bundle": non_canonical}, 422, "bundle is not base64url without padding"),
        ({"bundle": "AAAAA"}, 422, "bundle is not base64url without padding"),
        (
            {"bundle": good, "one_time_keys": [{"id": envelope_id(1), "key": "A=="}]},
            422,
            "one-time key is not base64url without padding",
        ),
        (
            {
                "bundle": good,
                "one_time_keys": [{"id": envelope_id(1), "key": b64url(os.urandom(257))}],
            },
            413,
            "one-time key too large",
        ),
        (
            {"bundle": good, "one_time_keys": [{"id": envelope_id(1), "key": ""}]},
            422,
            "one-time key is not base64url without padding",
        ),
        (
            {"bundle": good, "one_time_keys": [{"id": envelope_id(1).upper(), "key": good}]},
            422,
            "malformed request: body.one_time_keys.0.id",
        ),
        (
            {"bundle": good, "one_time_keys": [{"id": "00" * 15, "key": good}]},
            422,
            "malformed request: body.one_time_keys.0.id",
        ),
        (
            {"bundle": good, "one_time_keys": [item(1), item(2), item(1)]},
            422,
            "duplicate one-time key id",
        ),
        (
            {"bundle": good, "one_time_keys": [item(n) for n in range(101)]},
            413,
            "too many one-time keys",
        ),
        # 60 stored + 41 new would be 101 stored: refused whole.
        (
            {"bundle": good, "one_time_keys": [item(n) for n in range(100, 141)]},
            413,
            "too many one-time keys",
        ),
        (
            {"bundle": good, "replace_one_time_keys": "yes"},
            422,
            "malformed request: body.replace_one_time_keys",
        ),
        ({"one_time_keys": [item(200)]}, 422, "malformed request: body.bundle"),
        (b"[1, 2", 422, "malformed request: body.5"),  # where the JSON breaks
    ]
    for body, code, message in cases:
        answer = put(owner, body)
        assert (answer.status_code, answer.json()["error"]) == (code, message), body
    snapshot = status(owner)
    assert snapshot["one_time_keys"] == 60 and snapshot["ids"] == [item(n)["id"] for n in range(60)]
    # 40 more fit exactly (100 stored), replacing 60 with 100 fits too.
    more = [item(n) for n in range(100, 140)]
    assert put(owner, {"bundle": good, "one_time_keys": more}).json() == {"one_time_keys": 100}
    replacing = [item(n) for n in range(300, 400)]
    assert put(
        owner, {"bundle": b64url(header), "one_time_keys": replacing, "replace_one_time_keys": True}
    ).json() == {"one_time_keys": 100}
    assert unb64url(claim(relay.url, owner.mailbox, owner.token).json()["bundle"]) == header


def test_concurrent_claims_never_get_the_same_item(relay_db: Path | str, tmp_path: Path) -> None:
    relay = RelayProcess(
        relay_db, "--rate-claims-per-mailbox-per-minute", "1000", log=tmp_path / "relay.log"
    ).start()
    try:
        owner = MailboxOwner(relay.url)
        published(owner, 30)

        def one(_: int) -> dict[str, Any]:
            answer = claim(relay.url, owner.mailbox, owner.token, requests.Session())
            assert answer.status_code == 200, answer.text
            result: dict[str, Any] = answer.json()
            return result

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(one, range(40)))
        ids = [a["one_time_key"]["id"] for a in answers if a["one_time_key"] is not None]
        assert sorted(ids) == sorted(item(n)["id"] for n in range(30))  # each exactly once
        assert sum(a["one_time_key"] is None for a in answers) == 10
        assert status(owner)["one_time_keys"] == 0
    finally:
        relay.stop()


def test_a_drain_beyond_the_per_mailbox_claim_rate_is_refused(relay: RelayProcess) -> None:
    owner = MailboxOwner(relay.url)
    published(owner, 50)
    answers = [claim(relay.url, owner.mailbox, owner.token) for _ in range(25)]
    assert [a.status_code for a in answers] == [200] * 20 + [429] * 5
    assert all(int(a.headers["Retry-After"]) >= 1 for a in answers[20:])
    assert status(owner)["one_time_keys"] == 30  # a refused claim removes nothing
    # Another mailbox's claims have their own allowance.
    other = MailboxOwner(relay.url)
    published(other, 1)
    assert claim(relay.url, other.mailbox, other.token).status_code == 200


def test_wiping_the_mailbox_deletes_its_prekeys(relay: RelayProcess) -> None:
    owner = MailboxOwner(relay.url)
    published(owner, 5)
    owner.deposit([(envelope_id(1), b"x")], token=owner.token)
    assert owner.wipe().json() == {"deleted": 1}
    assert status(owner) == {"published": False, "one_time_keys": 0, "ids": []}
    assert claim(relay.url, owner.mailbox, owner.token).status_code == 404


def test_versions_advertise_prekeys_and_metrics_carry_no_ids(relay: RelayProcess) -> None:
    assert requests.get(f"{relay.url}/versions", timeout=5).json() == {
        "versions": ["v1"],
        "prekeys": 1,
    }
    owner = MailboxOwner(relay.url)
    published(owner, 2)
    claimed = claim(relay.url, owner.mailbox, owner.token).json()
    claim(relay.url, owner.mailbox, os.urandom(32))
    text = requests.get(f"{relay.url}/metrics", timeout=5).text
    assert 'route="/v1/mailboxes/{mailbox_id}/prekeys/claim"' in text
    assert 'route="/v1/mailboxes/{mailbox_id}/prekeys"' in text
    for secret in (owner.mailbox, owner.token.hex(), claimed["one_time_key"]["id"],
                   claimed["one_time_key"]["key"], claimed["bundle"][:40]):  # fmt: skip
        assert secret not in text
        assert secret not in relay.stderr_text  # the logs neither


def test_claims_at_two_processes_never_get_the_same_item(postgres_url: str, tmp_path: Path) -> None:
    args = ("--rate-claims-per-mailbox-per-minute", "1000")
    with processes(postgres_url, tmp_path, 2, *args) as (a, b):
        owner = owner_at(a)
        published(owner, 40)

        def one(n: int) -> dict[str, Any] | None:
            relay = (a, b)[n % 2]
            answer = claim(relay.url, owner.mailbox, owner.token, requests.Session())
            assert answer.status_code == 200, answer.text
            key: dict[str, Any] | None = answer.json()["one_time_key"]
            return key

        with ThreadPoolExecutor(max_workers=8) as pool:
            keys = list(pool.map(one, range(50)))
        ids = [k["id"] for k in keys if k is not None]
        assert sorted(ids) == sorted(item(n)["id"] for n in range(40))
        assert keys.count(None) == 10


def test_the_claim_rate_holds_across_processes(postgres_url: str, tmp_path: Path) -> None:
    with processes(postgres_url, tmp_path, 2) as (a, b):
        owner = owner_at(a)
        published(owner, 40)
        statuses = [
            claim((a, b)[n % 2].url, owner.mailbox, owner.token).status_code for n in range(24)
        ]
        assert statuses == [200] * 20 + [429] * 4


def test_a_database_from_before_prekeys_gets_the_tables_at_start(relay_db: Path | str) -> None:
    database = parse_database(relay_db) if isinstance(relay_db, str) else SQLiteDatabase(relay_db)
    old = open_storage(database)
    old.deposit("a" * 64, [(envelope_id(1), b"kept")], 1, Quotas(10**6, 10, 10**9, 10**9))
    old.close()
    if isinstance(relay_db, str):  # PostgreSQL: back to schema version 1
        with psycopg.connect(relay_db, autocommit=True) as conn:
            conn.execute("DROP TABLE prekey_bundles, prekey_items, prekeys_claimed")
            conn.execute("UPDATE relay_schema SET version = 1")
    else:  # SQLite: back to version 3
        lite = sqlite3.connect(relay_db)
        lite.executescript(
            "DROP TABLE prekey_bundles; DROP TABLE prekey_items; DROP TABLE prekeys_claimed;"
            " PRAGMA user_version = 3;"
        )
        lite.close()
    upgraded = open_storage(database)
    try:
        assert upgraded.prekey_status("a" * 64) == PrekeyStatus(False, ())
        stored = upgraded.put_prekeys(
            "a" * 64, b"h", [("0" * 32, b"k")], replace=False, max_stored=100, now=2
        )
        assert stored == 1
        assert upgraded.claim_prekey("a" * 64, 3) == PrekeyClaim(b"h", ("0" * 32, b"k"))
        assert [e.data for e in upgraded.fetch("a" * 64, 0, 10)[0]] == [b"kept"]
    finally:
        upgraded.close()
