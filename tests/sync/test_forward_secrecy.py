"""Forward secrecy and post-compromise security, shown on recorded traffic through a real relay.

Every envelope the relay stores for Boris is recorded (read from the relay's database file, as
an operator or anyone who copied it would). A seizure of Boris's complete profile (vault file
and key file) with the passphrase then opens none of them: the sealed-sender slot opens with
his long-term key (it names the sender's session key and carries the Olm message), but no
session and no key of his account decrypts the Olm message, so no content key and no content.
A copy taken at time T stops opening anything once the conversation has gone a few round trips.
"""

from __future__ import annotations

import functools
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from delegate_app.core.contacts.book import deposit_token
from delegate_app.core.crypto.envelope import envelope_version, open_envelope
from delegate_app.core.crypto.envelope_v2 import open_slot_v2
from delegate_app.core.crypto.errors import RatchetDecryptError
from delegate_app.core.crypto.ratchet import OLM_NORMAL
from delegate_app.core.crypto.relay_auth import sign_relay_request
from delegate_app.core.errors import CryptoError
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.messaging.models import Direction
from delegate_app.core.messaging.ratchet_store import RatchetStore
from delegate_app.core.messaging.sessions import Sessions
from delegate_app.core.paths import resolve_profile
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Vault
from sync.client import prekey_sync
from sync.client.relay_client import RelayClient, Signer
from tests.conftest import PASSPHRASE
from tests.relay_server import RelayProcess
from tests.sync.profiles import Peer, profiles_at, sync_peer


class Recorder:
    """Every envelope the relay has stored for one mailbox, read from its database file."""

    def __init__(self, relay_db: Path | str, mailbox_id: str) -> None:
        self.relay_db, self.mailbox_id = relay_db, mailbox_id
        self.envelopes: dict[str, bytes] = {}

    def record(self) -> None:
        with sqlite3.connect(f"file:{self.relay_db}?mode=ro", uri=True) as db:
            rows = db.execute(
                "SELECT envelope_id, data FROM envelopes WHERE mailbox = ?", (self.mailbox_id,)
            ).fetchall()
        for envelope_id, data in rows:
            self.envelopes[str(envelope_id)] = bytes(data)


@pytest.fixture
def trio(tmp_path: Path, relay: RelayProcess) -> Iterator[list[Peer]]:
    with profiles_at(tmp_path, 3, relay.url, first=0) as profiles:
        yield profiles


def _send_and_record(sender: Peer, recorder: Recorder, *receivers: Peer) -> None:
    """Sync everyone involved twice (messages, then receipts), recording after each pass (an
    acknowledged envelope leaves the relay when its recipient syncs)."""
    for _round in range(2):
        for peer in (sender, *receivers):
            sync_peer(peer)
            recorder.record()


def _seize(peer: Peer, into: Path) -> Vault:
    """The whole profile copied (vault and key file), opened with the passphrase."""
    peer.close()
    shutil.copytree(peer.root, into)
    copy = Vault.open(resolve_profile(into))
    copy.unlock(PASSPHRASE)
    return copy


def _what_opens(copy: Vault, data: bytes) -> tuple[bytes, int]:
    """Try everything the seized copy holds on one recorded envelope: returns the slot's
    (sender session key, Olm type) — the slot opens — after asserting nothing else does."""
    room = Mailroom.open(copy.db, _policy())
    assert envelope_version(data) == 2
    with pytest.raises(CryptoError):
        open_envelope(room.identity, data)  # no format-1 key slot to the long-term key
    slot = open_slot_v2(room.identity, data)  # sealed sender: the slot opens
    store = RatchetStore(copy.db)
    for stored in store.sessions_by_key(slot.session_key):
        with pytest.raises(RatchetDecryptError):
            stored.session.decrypt(slot.olm_type, slot.ciphertext)
    if slot.is_pre_key:
        with pytest.raises(RatchetDecryptError):  # its one-time key was deleted on use
            store.account().inbound(slot.session_key, slot.ciphertext)
    with pytest.raises(CryptoError):
        Sessions(copy.db, room.identity).open(data)
    return slot.session_key, slot.olm_type


def _policy() -> Policy:
    return Policy.from_raw(None)


def _inbox(peer: Peer) -> list[str]:
    return [m.body for m in peer.room.messenger.messages() if m.direction is Direction.IN]


def test_a_seized_vault_opens_no_recorded_envelope(
    trio: list[Peer], relay: RelayProcess, tmp_path: Path
) -> None:
    amina, boris, chen = trio
    recorder = Recorder(relay.db, boris.mailbox_id)
    for _ in range(2):  # first pass: everyone publishes; second: everyone claims
        for peer in trio:
            sync_peer(peer)
    with amina.unlocked() as room:
        claimed = RatchetStore(room.db).claimed(boris.room.sender.key)
        assert claimed is not None and claimed.one_time  # a one-time key, not the fallback
    amina.room.messenger.send_text("Boris Petrov", "The draft is in the annex.")
    _send_and_record(amina, recorder, boris)
    boris.room.messenger.send_text("Amina Haddad", "Received, reading now.")
    _send_and_record(boris, recorder, amina)
    amina.room.messenger.send_text("Boris Petrov", "Paragraph 4 is the problem.")
    _send_and_record(amina, recorder, boris)
    group = chen.room.messenger.create_group("Drafting", ["Amina Haddad", "Boris Petrov"])
    chen.room.messenger.send_in(group, "Group: the chair's text at noon.")
    _send_and_record(chen, recorder, amina, boris)
    assert _inbox(boris) == [
        "The draft is in the annex.",
        "Paragraph 4 is the problem.",
        "Group: the chair's text at noon.",
    ]
    assert len(recorder.envelopes) == 5  # three messages, the group update, a receipt
    copy = _seize(boris, tmp_path / "seized")
    try:
        senders = {_what_opens(copy, data)[0] for data in recorder.envelopes.values()}
    finally:
        copy.lock()
    # What the slot reveals: which sessions sent to Boris (Amina's and Chen's session keys).
    with amina.unlocked() as a_room, chen.unlocked() as c_room:
        expected = {
            RatchetStore(a_room.db).account().session_key,
            RatchetStore(c_room.db).account().session_key,
        }
    assert senders == expected


def test_a_copy_taken_at_time_t_opens_nothing_after_a_few_round_trips(
    trio: list[Peer], relay: RelayProcess, tmp_path: Path
) -> None:
    amina, boris, _chen = trio
    recorder = Recorder(relay.db, boris.mailbox_id)
    for _ in range(2):
        for peer in trio:
            sync_peer(peer)
    amina.room.messenger.send_text("Boris Petrov", "Before the copy.")
    _send_and_record(amina, recorder, boris)
    copy = _seize(boris, tmp_path / "copied-at-t")  # the compromise, at time T
    boris.vault.unlock(PASSPHRASE)  # Boris carries on with his own
    try:
        for turn in range(3):  # round trips: each reply moves the ratchet to new keys
            boris.room.messenger.send_text("Amina Haddad", f"reply {turn}")
            _send_and_record(boris, recorder, amina)
            amina.room.messenger.send_text("Boris Petrov", f"message {turn}")
            _send_and_record(amina, recorder, boris)
        recorder.envelopes.clear()
        amina.room.messenger.send_text("Boris Petrov", "After the round trips.")
        _send_and_record(amina, recorder, boris)
        assert _inbox(boris)[-1] == "After the round trips."
        later = list(recorder.envelopes.values())
        assert later
        for data in later:
            assert _what_opens(copy, data)[1] == OLM_NORMAL
    finally:
        copy.lock()


def test_one_time_keys_vanish_when_claimed_are_deleted_once_used_and_replenished(
    trio: list[Peer], relay: RelayProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    amina, boris, chen = trio
    monkeypatch.setattr(prekey_sync, "PUBLISH_TARGET", 22)  # few keys, so a test drains them
    sync_peer(boris)  # publishes
    client = RelayClient(relay.url, allow_plain_http=True)
    with boris.unlocked() as room:
        engine_signer = _signer(room)
        assert client.prekey_status(room.mailbox_id, engine_signer).count == 22
        token = deposit_token(room.db)
    sync_peer(amina)  # claims one
    sync_peer(chen)  # and another
    with boris.unlocked() as room:
        assert client.prekey_status(room.mailbox_id, engine_signer).count == 20
    client.claim_prekey(boris.mailbox_id, token)  # a third card holder: 19 left, below 20
    recorder = Recorder(relay.db, boris.mailbox_id)
    amina.room.messenger.send_text("Boris Petrov", "Opened once.")
    sync_peer(amina)
    recorder.record()
    (data,) = recorder.envelopes.values()
    sync_peer(boris)  # receives (the one-time key is used up) and replenishes
    assert _inbox(boris) == ["Opened once."]
    with boris.unlocked() as room:
        slot = open_slot_v2(room.identity, data)
        assert slot.is_pre_key
        with pytest.raises(RatchetDecryptError):  # the private one-time key is gone
            RatchetStore(room.db).account().inbound(slot.session_key, slot.ciphertext)
        assert client.prekey_status(room.mailbox_id, engine_signer).count == 22
    client.close()


def _signer(room: Mailroom) -> Signer:
    return functools.partial(sign_relay_request, room.identity.mailbox)
