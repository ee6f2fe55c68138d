"""Deposit tokens at the relay: only holders of the owner's card deposit to a registered
mailbox, nobody can fill the relay by depositing to made-up mailboxes, and refused requests
cost the mailbox nothing (docs/RELAY.md, "Deposit tokens"; ADR 0017)."""

from __future__ import annotations

import base64
import hashlib
import os
import time
from pathlib import Path

import pytest
import requests
from requests.adapters import HTTPAdapter

from delegate_app.core.crypto.deposit import deposit_verifier
from sync.relay.capability import token_matches, verifier
from sync.relay.storage import BlobOwnerError, Quotas, RelayStorage
from tests.relay.conftest import ENGINES
from tests.relay.signer import MailboxOwner, envelope_id
from tests.relay_server import RelayProcess, running_relay

RELAY_ENGINES = ENGINES  # the storage contract: both engines

ROOT = Path(__file__).resolve().parents[2]
VECTOR_TOKEN = bytes(range(32))
VECTOR_VERIFIER = "5b736662cf5fab1a0f1aadd124fcd315be47d6082aff29fdd6b46316c600d1d5"


class FromAddress(HTTPAdapter):
    """Connections from another loopback address (Linux routes all of 127/8 to lo)."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]


def stranger_session(source: str = "127.0.0.2") -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(source))
    return session


def _junk_deposit(session: requests.Session, url: str, mailbox: str) -> requests.Response:
    """A deposit the relay must refuse as malformed (422): data that is not base64."""
    body = {"envelopes": [{"id": envelope_id(99), "data": "not base64!"}]}
    return session.post(f"{url}/v1/mailboxes/{mailbox}/envelopes", json=body, timeout=10)


def test_verifier_vector_is_the_documented_one() -> None:
    assert deposit_verifier(VECTOR_TOKEN) == verifier(VECTOR_TOKEN) == VECTOR_VERIFIER
    assert hashlib.sha256(b"dlg-deposit-v1" + VECTOR_TOKEN).hexdigest() == VECTOR_VERIFIER
    assert token_matches(VECTOR_TOKEN.hex(), ["0" * 64, VECTOR_VERIFIER])
    assert not token_matches(VECTOR_TOKEN.hex().upper(), [VECTOR_VERIFIER])
    assert not token_matches(VECTOR_VERIFIER, [VECTOR_VERIFIER])  # the verifier is no token
    for doc in ("PROTOCOL.md", "RELAY.md"):
        text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
        assert VECTOR_VERIFIER in text and "X-Delegate-Deposit-Token" in text, doc


def test_a_registered_mailbox_takes_deposits_only_with_its_token(relay: RelayProcess) -> None:
    owner = MailboxOwner(relay.url)
    assert owner.register().json() == {"verifier": owner.verifier, "previous": 0}
    assert owner.register().json() == {"verifier": owner.verifier, "previous": 0}  # idempotent
    assert owner.deposit([(envelope_id(1), b"from a contact")], token=owner.token).ok
    wrong = owner.deposit([(envelope_id(2), b"junk")], token=os.urandom(32))
    assert wrong.status_code == 403 and wrong.json() == {"error": "wrong deposit token"}
    # A made-up token in the wrong form is just as wrong (no 422 that would tell it apart).
    garbage = requests.post(
        f"{relay.url}/v1/mailboxes/{owner.mailbox}/envelopes",
        json={"envelopes": [{"id": envelope_id(3), "data": "eA=="}]},
        headers={"X-Delegate-Deposit-Token": "zz"},
        timeout=10,
    )
    assert garbage.status_code == 403
    assert [e["id"] for e in owner.fetch().json()["envelopes"]] == [envelope_id(1)]
    # Only the owner registers: a stranger's signature over another's mailbox is refused.
    thief = MailboxOwner(relay.url)
    path = f"/v1/mailboxes/{owner.mailbox}/verifier"
    body = b'{"verifier":"' + thief.verifier.encode() + b'"}'
    forged = {**thief.headers("PUT", path, body), "Content-Type": "application/json"}
    assert requests.put(relay.url + path, data=body, headers=forged, timeout=10).status_code == 401


def test_tokenless_deposits_end_after_the_transition_grace(relay_db: Path | str) -> None:
    with running_relay(relay_db, "--tokenless-grace-seconds", "1") as relay:
        owner = MailboxOwner(relay.url)
        owner.register()
        assert owner.deposit([(envelope_id(1), b"old card")]).ok  # within the grace
        time.sleep(2.1)
        late = owner.deposit([(envelope_id(2), b"old card, too late")])
        assert late.status_code == 403 and late.json() == {"error": "deposit token required"}
        assert len(owner.fetch().json()["envelopes"]) == 1


def test_a_rotated_token_stays_valid_for_the_grace_period(relay_db: Path | str) -> None:
    with running_relay(relay_db, "--verifier-grace-seconds", "2") as relay:
        owner = MailboxOwner(relay.url)
        owner.register()
        old_token = owner.token
        owner.token = os.urandom(32)
        assert owner.register().json()["previous"] == 1
        assert owner.deposit([(envelope_id(1), b"old card")], token=old_token).ok
        assert owner.deposit([(envelope_id(2), b"new card")], token=owner.token).ok
        time.sleep(3.1)
        expired = owner.deposit([(envelope_id(3), b"old card, too late")], token=old_token)
        assert expired.status_code == 403
        assert owner.deposit([(envelope_id(4), b"new card")], token=owner.token).ok


def test_strangers_cannot_fill_the_relay_with_made_up_mailboxes(relay_db: Path | str) -> None:
    """Attack (a): deposits and blobs to ids of no real key, until 507 for everyone."""
    args = ("--open-quota-bytes", "20000", "--relay-quota-bytes", "100000")
    with running_relay(relay_db, *args) as relay:
        owner = MailboxOwner(relay.url)
        owner.register()
        stranger = stranger_session()
        statuses = []
        for n in range(40):
            fake = os.urandom(32).hex()
            data = base64.b64encode(b"x" * 1500).decode()
            body = {"envelopes": [{"id": envelope_id(n), "data": data}]}
            statuses.append(
                stranger.post(
                    f"{relay.url}/v1/mailboxes/{fake}/envelopes", json=body, timeout=10
                ).status_code
            )
            blob = f"{relay.url}/v1/blobs/{os.urandom(32).hex()}?offset=0"
            statuses.append(stranger.put(blob, data=b"z" * 1500, timeout=10).status_code)
        assert 507 in statuses
        another = f"{relay.url}/v1/blobs/{os.urandom(32).hex()}?offset=0"
        full = stranger.put(another, data=b"z" * 1500, timeout=10)
        assert full.status_code == 507 and full.json() == {"error": "open pool full"}
        # The card holders' pool is untouched: the owner's contacts still deliver.
        assert owner.deposit([(envelope_id(1), b"x" * 5000)], token=owner.token).ok
        assert owner.put_blob(os.urandom(32).hex(), b"y" * 5000).ok
        # Without the token, the stranger cannot reach the owner's pool either.
        tokenless = owner.deposit([(envelope_id(2), b"x" * 1500)])
        assert tokenless.status_code == 507 and tokenless.json() == {"error": "open pool full"}


def test_blob_parts_need_the_token_of_the_mailbox_they_are_charged_to(
    relay: RelayProcess,
) -> None:
    owner = MailboxOwner(relay.url)
    owner.register()
    blob = os.urandom(32).hex()
    assert owner.put_blob(blob, b"first").json()["size"] == 5
    url = f"{relay.url}/v1/blobs/{blob}?offset=5"
    assert requests.put(url, data=b"junk", timeout=10).status_code == 403
    wrong = {"X-Delegate-Mailbox": owner.mailbox, "X-Delegate-Deposit-Token": "ab" * 32}
    assert requests.put(url, data=b"junk", headers=wrong, timeout=10).status_code == 403
    assert owner.put_blob(blob, b"second", offset=5).json()["size"] == 11


def test_refused_deposits_cost_the_mailbox_nothing(relay_db: Path | str) -> None:
    """Attack (b): junk that gets 422 used up the mailbox's deposit allowance (429)."""
    args = ("--rate-per-mailbox-per-minute", "5", "--rate-rejected-per-client-per-minute", "30")
    with running_relay(relay_db, *args) as relay:
        owner = MailboxOwner(relay.url)
        owner.register()
        stranger = stranger_session()
        junk = [_junk_deposit(stranger, relay.url, owner.mailbox).status_code for _ in range(20)]
        assert junk == [422] * 20
        forged = [owner.deposit([(envelope_id(50), b"x")], token=os.urandom(32)).status_code]
        assert forged == [403]
        # The mailbox's allowance is whole: five honest deposits from the contact's address.
        sent = [
            owner.deposit([(envelope_id(n), b"x")], token=owner.token).status_code for n in range(5)
        ]
        assert sent == [200] * 5
        # The refusals were charged to the stranger's address, which is now slowed down.
        more = [_junk_deposit(stranger, relay.url, owner.mailbox).status_code for _ in range(12)]
        assert 429 in more
        limited = _junk_deposit(stranger, relay.url, owner.mailbox)
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        assert owner.fetch().ok  # the owner, from another address, is not


def test_storage_never_charges_a_part_to_a_capability_it_did_not_check(
    storage: RelayStorage,
) -> None:
    """The route checks a blob's capability, then appends: a first part that arrived in between
    with another capability must not let this part be charged to that one unchecked."""
    quotas = Quotas(10_000, 10, 10_000, 10_000, 10_000)
    storage.blob_append("b" * 64, 0, b"first", 9_999, quotas, "a" * 64)
    with pytest.raises(BlobOwnerError):
        storage.blob_append("b" * 64, 5, b"open pool part", 9_999, quotas, None)
    with pytest.raises(BlobOwnerError):
        storage.blob_append("b" * 64, 5, b"someone else's", 9_999, quotas, "c" * 64)
    assert storage.blob_append("b" * 64, 5, b"more", 9_999, quotas, "a" * 64).size == 9
