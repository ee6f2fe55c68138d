"""Deposit tokens with real profiles and a real relay: contacts deliver (messages and
attachments) while strangers flood the relay, and a rotated token keeps old cards working
for the grace period (docs/SYNC.md, "Deposit tokens"; ADR 0017)."""

from __future__ import annotations

import base64
import os
import secrets
import time
from pathlib import Path

import requests

from delegate_app.core.contacts.book import ContactBook, own_card, rotate_deposit_token
from delegate_app.core.crypto.deposit import deposit_verifier
from sync.client.engine import SyncReport
from tests.relay.signer import envelope_id
from tests.relay.test_deposit_capability import stranger_session
from tests.sync.conftest import start_relay
from tests.sync.profiles import Peer, insert_pdf, profiles_at, sync_peer


def _flood(url: str, until_status: int = 507, rounds: int = 200) -> list[int]:
    """A stranger deposits to made-up mailboxes and uploads blobs until the relay says 507."""
    stranger = stranger_session()
    statuses: list[int] = []
    data = base64.b64encode(os.urandom(4000)).decode()
    for n in range(rounds):
        body = {"envelopes": [{"id": envelope_id(n), "data": data}]}
        fake = os.urandom(32).hex()
        statuses.append(
            stranger.post(f"{url}/v1/mailboxes/{fake}/envelopes", json=body, timeout=10).status_code
        )
        blob = f"{url}/v1/blobs/{os.urandom(32).hex()}?offset=0"
        statuses.append(stranger.put(blob, data=os.urandom(4000), timeout=10).status_code)
        if statuses[-1] == statuses[-2] == until_status:
            break
    return statuses


def _texts(peer: Peer) -> list[str]:
    return sorted(m.body for m in peer.room.messenger.messages())


def test_contacts_deliver_while_a_stranger_fills_the_relay(tmp_path: Path) -> None:
    relay = start_relay(tmp_path / "relay.db", "--open-quota-bytes", "50000")
    try:
        with profiles_at(tmp_path, 2, relay.url) as (amina, boris):
            for peer in (amina, boris):
                assert sync_peer(peer).errors == []  # each registers its token's verifier
            statuses = _flood(relay.url)
            assert statuses[-2:] == [507, 507] and 200 in statuses
            amina.room.messenger.send_text("Boris Petrov", "Our position on article 4")
            doc_id = insert_pdf(amina, secrets.token_bytes(300 * 1024), "Annex", "annex.pdf")
            amina.room.sharing.share(doc_id, ["Boris Petrov"])
            sent: SyncReport = sync_peer(amina)
            assert sent.errors == [] and sent.sent >= 2 and sent.attachments_sent == 1
            received = sync_peer(boris)
            assert received.errors == [] and received.attachments_received == 1
            assert _texts(boris) == ["Our position on article 4"]
            # Without Boris's token a deposit can only use the (full) open pool.
            junk = {"envelopes": [{"id": envelope_id(1), "data": "eA" * 3000}]}
            refused = requests.post(
                f"{relay.url}/v1/mailboxes/{boris.mailbox_id}/envelopes", json=junk, timeout=10
            )
            assert refused.status_code == 507 and refused.json() == {"error": "open pool full"}
    finally:
        relay.stop()


def test_a_stranger_cannot_deposit_without_the_card_once_the_transition_ends(
    tmp_path: Path,
) -> None:
    relay = start_relay(tmp_path / "relay.db", "--tokenless-grace-seconds", "1")
    try:
        with profiles_at(tmp_path, 2, relay.url) as (amina, boris):
            sync_peer(boris)
            stranger = stranger_session()
            body = {"envelopes": [{"id": envelope_id(1), "data": "eA=="}]}
            url = f"{relay.url}/v1/mailboxes/{boris.mailbox_id}/envelopes"
            time.sleep(1.5)  # the transition grace (1 s here) since Boris registered ends
            refused = stranger.post(url, json=body, timeout=10)
            assert refused.status_code == 403
            amina.room.messenger.send_text("Boris Petrov", "with the token of your card")
            assert sync_peer(amina).errors == []
            sync_peer(boris)
            assert _texts(boris) == ["with the token of your card"]
    finally:
        relay.stop()


def test_a_rotated_token_keeps_the_old_card_working_for_the_grace(
    tmp_path: Path,
) -> None:
    relay = start_relay(tmp_path / "relay.db", "--tokenless-grace-seconds", "1")
    try:
        with profiles_at(tmp_path, 2, relay.url) as (amina, boris):
            sync_peer(boris)
            with boris.unlocked() as room:
                old = own_card(room.db, boris.policy)
                new_token = rotate_deposit_token(room.db)
                assert new_token != old.deposit_token
                assert own_card(room.db, boris.policy).deposit_token == new_token
            sync_peer(boris)  # registers the new verifier; the old stays valid for the grace
            amina.room.messenger.send_text("Boris Petrov", "sent with the old card")
            assert sync_peer(amina).errors == []
            with boris.unlocked() as room:
                card = own_card(room.db, boris.policy, created=old.created + 1)
            ContactBook(amina.vault.db, amina.policy).import_card(card)
            assert amina.room.directory.by_name("Boris Petrov").deposit_token == new_token
            amina.room.messenger.send_text("Boris Petrov", "sent with the new card")
            assert sync_peer(amina).errors == []
            sync_peer(boris)
            assert _texts(boris) == ["sent with the new card", "sent with the old card"]
            assert deposit_verifier(new_token) != deposit_verifier(old.deposit_token or b"")
    finally:
        relay.stop()
